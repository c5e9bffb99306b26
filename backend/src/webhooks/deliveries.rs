//! The webhooks service's writes: a batch of log records turned into delivery rows (committed
//! with the service's position, `positions.rs`), and each delivery claimed, signed and settled
//! as the server's sender tries it.
//!
//! What is delivered is the event as the shop's outbox wrote it, looked up by the record's
//! event id: a record on the topic that the shop did not write is never sent on (the topic is
//! not trusted), and a receiver gets exactly the bytes the signature covers.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};
use sha2::Sha256;

use crate::entities::{outbox, webhook, webhook_delivery};
use crate::positions::{self, Applied};
use crate::{now_ms, Shop, ShopError};
use domain::webhook::{retry_after, DeliveryState, EventFilter};
use domain::LogEvent;

/// The webhooks service's name in `consumer_positions`.
pub const CONSUMER: &str = "webhooks";
/// How long a claimed delivery is left to its sender before another may try it (longer than an
/// attempt's timeout; a sender that died leaves it to the next after this).
const LEASE_MS: i64 = 60_000;
/// Event ids per lookup in the outbox (well under every driver's bind-parameter limit).
const CHUNK: usize = 500;

/// Whether a record may make deliveries: the shop's order and catalog events.
pub fn may_deliver(event: &LogEvent) -> bool {
    !matches!(event, LogEvent::Notification(_))
}

/// Writes the deliveries the records `from..to` of `partition` make for the active webhooks, and
/// moves the stored position from `from` to `to`, in one transaction. [`Applied::Skipped`] when
/// `events` make none (no active webhook wants them): nothing is written, and the caller moves
/// the position later with an empty batch.
pub async fn apply_batch(shop: &Shop, partition: i32, from: i64, to: i64, events: &[LogEvent]) -> Result<Applied, ShopError> {
    let ids: Vec<&str> = events.iter().filter(|e| may_deliver(e)).map(LogEvent::event_id).collect();
    let mut rows = Vec::new();
    if !ids.is_empty() {
        let hooks: Vec<(String, EventFilter)> = webhook::Entity::find()
            .filter(webhook::Column::Active.eq(true))
            .all(&shop.db)
            .await?
            .into_iter()
            .filter_map(|h| EventFilter::parse(&h.events).ok().map(|f| (h.id, f)))
            .collect();
        if hooks.is_empty() {
            return Ok(Applied::Skipped);
        }
        let now = now_ms();
        for chunk in ids.chunks(CHUNK) {
            let written: Vec<(String, String)> = outbox::Entity::find()
                .select_only()
                .column(outbox::Column::EventId)
                .column(outbox::Column::Payload)
                .filter(outbox::Column::EventId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&shop.db)
                .await?;
            for (event_id, payload) in written {
                let Some(kind) = event_type(&payload) else { continue };
                for (hook, _) in hooks.iter().filter(|(_, f)| f.matches(&kind)) {
                    rows.push(webhook_delivery::ActiveModel {
                        id: Set(crate::ordered_id()),
                        webhook_id: Set(hook.clone()),
                        event_id: Set(event_id.clone()),
                        event_type: Set(kind.clone()),
                        payload: Set(payload.clone()),
                        state: Set(DeliveryState::Pending.as_str().to_owned()),
                        attempts: Set(0),
                        next_attempt_at: Set(Some(now)),
                        last_result: Set(None),
                        created_at: Set(now),
                        delivered_at: Set(None),
                    });
                }
            }
        }
        if rows.is_empty() {
            return Ok(Applied::Skipped);
        }
    }
    let mut written = 0;
    {
        let _gate = shop.gate.enter().await;
        let txn = shop.db.begin().await?;
        if !positions::advance(&txn, CONSUMER, partition, from, to).await? {
            txn.rollback().await?;
            return Ok(Applied::Moved(positions::stored(shop, CONSUMER, partition).await?.unwrap_or(from)));
        }
        for row in rows {
            // The topic delivers at least once: a record read twice makes one delivery.
            written += webhook_delivery::Entity::insert(row)
                .on_conflict(OnConflict::columns([webhook_delivery::Column::WebhookId, webhook_delivery::Column::EventId]).do_nothing().to_owned())
                .exec_without_returning(&txn)
                .await? as usize;
        }
        txn.commit().await?;
    }
    if written > 0 {
        shop.webhook_wake.notify_one();
    }
    Ok(Applied::Written(written))
}

/// The `type` of an event as the outbox holds it.
fn event_type(payload: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "type")]
        kind: String,
    }
    serde_json::from_str::<Head>(payload).ok().map(|h| h.kind)
}

/// One delivery claimed for sending.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i32,
}

/// Claims up to `limit` deliveries that are due, oldest due first. Each is claimed with a
/// conditional update (its due time pushed a lease ahead), so two instances never send the same
/// one at once; one whose sender dies is tried again when the lease ends.
pub async fn claim_due(shop: &Shop, limit: u64) -> Result<Vec<Due>, ShopError> {
    let now = now_ms();
    let due = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::State.eq(DeliveryState::Pending.as_str()))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .limit(limit)
        .all(&shop.db)
        .await?;
    if due.is_empty() {
        return Ok(vec![]);
    }
    let hooks: HashMap<String, webhook::Model> = webhook::Entity::find()
        .filter(webhook::Column::Id.is_in(due.iter().map(|d| d.webhook_id.clone())))
        .all(&shop.db)
        .await?
        .into_iter()
        .map(|h| (h.id.clone(), h))
        .collect();
    let mut claimed = Vec::with_capacity(due.len());
    for d in due {
        let Some(hook) = hooks.get(&d.webhook_id) else { continue };
        let taken = {
            let _gate = shop.gate.enter().await;
            webhook_delivery::Entity::update_many()
                .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now + LEASE_MS))
                .filter(webhook_delivery::Column::Id.eq(d.id.as_str()))
                .filter(webhook_delivery::Column::State.eq(DeliveryState::Pending.as_str()))
                .filter(webhook_delivery::Column::NextAttemptAt.eq(d.next_attempt_at))
                .exec(&shop.db)
                .await?
                .rows_affected
                == 1
        };
        if taken {
            claimed.push(Due {
                id: d.id,
                url: hook.url.clone(),
                secret: hook.secret.clone(),
                event_id: d.event_id,
                event_type: d.event_type,
                payload: d.payload,
                attempts: d.attempts,
            });
        }
    }
    Ok(claimed)
}

/// What one attempt came to: the receiver's HTTP status, or why none came.
pub type Outcome = Result<u16, String>;

/// Settles an attempt: delivered on a 2xx answer; otherwise due again after the schedule's
/// next delay, or dead when the schedule is spent. Returns the state it left.
pub async fn settle(shop: &Shop, due: &Due, outcome: &Outcome) -> Result<DeliveryState, ShopError> {
    let attempts = due.attempts + 1;
    let now = now_ms();
    let (state, result) = match outcome {
        Ok(status) if (200..300).contains(status) => (DeliveryState::Delivered, format!("HTTP {status}")),
        Ok(status) => (failed(attempts), format!("HTTP {status}")),
        Err(e) => (failed(attempts), e.chars().take(300).collect()),
    };
    let next = match state {
        DeliveryState::Pending => retry_after(attempts).map(|d| now + d),
        _ => None,
    };
    let _gate = shop.gate.enter().await;
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::State, Expr::value(state.as_str()))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
        .col_expr(webhook_delivery::Column::LastResult, Expr::value(result))
        .col_expr(webhook_delivery::Column::DeliveredAt, Expr::value((state == DeliveryState::Delivered).then_some(now)))
        .filter(webhook_delivery::Column::Id.eq(due.id.as_str()))
        .filter(webhook_delivery::Column::State.eq(DeliveryState::Pending.as_str()))
        .exec(&shop.db)
        .await?;
    Ok(state)
}

fn failed(attempts: i32) -> DeliveryState {
    if retry_after(attempts).is_some() {
        DeliveryState::Pending
    } else {
        DeliveryState::Dead
    }
}

/// When the next pending delivery is due, if any is.
pub async fn next_due_at(shop: &Shop) -> Result<Option<i64>, ShopError> {
    Ok(webhook_delivery::Entity::find()
        .select_only()
        .column(webhook_delivery::Column::NextAttemptAt)
        .filter(webhook_delivery::Column::State.eq(DeliveryState::Pending.as_str()))
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .limit(1)
        .into_tuple::<Option<i64>>()
        .one(&shop.db)
        .await?
        .flatten())
}

/// The `X-Shop-Signature` value: HMAC-SHA256 of `domain::webhook::signed_message` under the
/// webhook's secret, in hex, after `sha256=`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(domain::webhook::signed_message(timestamp, body).as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_documented_hmac() {
        // Computed independently: printf '1700000000.{"v":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(signature("whsec_test", 1_700_000_000, r#"{"v":1}"#), format!("sha256={}", EXPECTED));
        assert_ne!(signature("whsec_other", 1_700_000_000, r#"{"v":1}"#), signature("whsec_test", 1_700_000_000, r#"{"v":1}"#));
        assert_ne!(signature("whsec_test", 1_700_000_001, r#"{"v":1}"#), signature("whsec_test", 1_700_000_000, r#"{"v":1}"#));
    }

    const EXPECTED: &str = "42265a8d94c87e30011ad1a24b449a875c60aeb921c05bbabcbc41385e6d1919";

    #[test]
    fn failures_follow_the_schedule() {
        assert_eq!(failed(1), DeliveryState::Pending);
        assert_eq!(failed(domain::webhook::MAX_ATTEMPTS), DeliveryState::Dead);
    }

    #[test]
    fn the_type_is_read_from_the_stored_event() {
        assert_eq!(event_type(r#"{"v":1,"type":"order.created","order_id":"x"}"#).as_deref(), Some("order.created"));
        assert_eq!(event_type("not json"), None);
    }
}
