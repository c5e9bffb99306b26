//! Webhooks as staff run them: register a URL and the events it wants, pause, resume, remove,
//! see what was delivered, and send dead letters again. The rules (which events, which URLs,
//! the retry schedule) are `domain::webhook`'s; the webhooks service that fills and empties the
//! delivery table is `deliveries`, its HTTP side `server/src/webhooks.rs`.

pub mod deliveries;
pub mod target;

use std::collections::HashMap;

use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::auth::Session;
use crate::entities::{webhook, webhook_delivery};
use crate::{new_id, now_ms, rfc3339, Shop, ShopError};
use domain::validation::FieldErrors;
use domain::webhook::{DeliveryState, DeliveryView, WebhookPage, WebhookView};

/// How many deliveries the page lists, newest first, and how many dead letters.
const PAGE_ROWS: u64 = 50;

/// Registers a webhook; its secret is made here and shown to staff on the page.
pub async fn register(shop: &Shop, session: &Session, url: &str, events: &str, description: &str) -> Result<WebhookView, ShopError> {
    session.require_staff()?;
    let (url, filter, description) = domain::webhook::validate(url, events, description).map_err(ShopError::Invalid)?;
    if let Err(message) = target::check(&url, shop.private_webhook_targets).await {
        let mut errors = FieldErrors::default();
        errors.add("url", message);
        return Err(ShopError::Invalid(errors));
    }
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let id = new_id();
    let row = webhook::ActiveModel {
        id: Set(id.clone()),
        url: Set(url),
        secret: Set(format!("whsec_{}", hex::encode(key))),
        events: Set(filter.to_text()),
        description: Set(description),
        active: Set(true),
        created_by: Set(session.user_id.clone()),
        created_at: Set(now_ms()),
    };
    {
        let _gate = shop.gate.enter().await;
        webhook::Entity::insert(row).exec_without_returning(&shop.db).await?;
    }
    let hook = webhook::Entity::find_by_id(id).one(&shop.db).await?.ok_or(ShopError::NotFound)?;
    Ok(view(hook, &HashMap::new()))
}

/// Pauses (`active` false) or resumes a webhook. A paused webhook gets no new deliveries; those
/// already pending still go out.
pub async fn set_active(shop: &Shop, session: &Session, id: &str, active: bool) -> Result<(), ShopError> {
    session.require_staff()?;
    let _gate = shop.gate.enter().await;
    let r = webhook::Entity::update_many().col_expr(webhook::Column::Active, Expr::value(active)).filter(webhook::Column::Id.eq(id)).exec(&shop.db).await?;
    if r.rows_affected == 0 {
        return Err(ShopError::NotFound);
    }
    Ok(())
}

/// Removes a webhook and its deliveries.
pub async fn remove(shop: &Shop, session: &Session, id: &str) -> Result<(), ShopError> {
    session.require_staff()?;
    let _gate = shop.gate.enter().await;
    // Deliveries first: SQLite enforces the foreign key only when told to.
    webhook_delivery::Entity::delete_many().filter(webhook_delivery::Column::WebhookId.eq(id)).exec(&shop.db).await?;
    let r = webhook::Entity::delete_by_id(id.to_owned()).exec(&shop.db).await?;
    if r.rows_affected == 0 {
        return Err(ShopError::NotFound);
    }
    Ok(())
}

/// Sends dead letters again: one (`delivery`) or every one of a webhook (`webhook`). They start
/// the schedule afresh; the last failure stays on the row until the next attempt. Returns how
/// many were requeued.
pub async fn retry(shop: &Shop, session: &Session, delivery: Option<&str>, webhook: Option<&str>) -> Result<u64, ShopError> {
    session.require_staff()?;
    let mut update = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::State, Expr::value(DeliveryState::Pending.as_str()))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(0))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now_ms()))
        .filter(webhook_delivery::Column::State.eq(DeliveryState::Dead.as_str()));
    match (delivery, webhook) {
        (Some(id), _) => update = update.filter(webhook_delivery::Column::Id.eq(id)),
        (None, Some(id)) => update = update.filter(webhook_delivery::Column::WebhookId.eq(id)),
        (None, None) => return Err(ShopError::Rejected("Say which dead letters to send again.".into())),
    }
    let requeued = {
        let _gate = shop.gate.enter().await;
        update.exec(&shop.db).await?.rows_affected
    };
    if requeued == 0 && delivery.is_some() {
        return Err(ShopError::Rejected("That delivery is not a dead letter (it was delivered or is waiting already).".into()));
    }
    shop.webhook_wake.notify_one();
    Ok(requeued)
}

/// Everything `/staff/webhooks` shows.
pub async fn page(shop: &Shop, session: &Session) -> Result<WebhookPage, ShopError> {
    session.require_staff()?;
    let hooks = webhook::Entity::find().order_by_asc(webhook::Column::CreatedAt).all(&shop.db).await?;
    let counts: Vec<(String, String, i64)> = webhook_delivery::Entity::find()
        .select_only()
        .column(webhook_delivery::Column::WebhookId)
        .column(webhook_delivery::Column::State)
        .column_as(webhook_delivery::Column::Id.count(), "n")
        .group_by(webhook_delivery::Column::WebhookId)
        .group_by(webhook_delivery::Column::State)
        .into_tuple()
        .all(&shop.db)
        .await?;
    let counts: HashMap<(String, String), u64> = counts.into_iter().map(|(w, s, n)| ((w, s), n.max(0) as u64)).collect();
    let urls: HashMap<String, String> = hooks.iter().map(|h| (h.id.clone(), h.url.clone())).collect();
    let rows = |state: Option<DeliveryState>| {
        let mut q = webhook_delivery::Entity::find().order_by_desc(webhook_delivery::Column::Id).limit(PAGE_ROWS);
        if let Some(s) = state {
            q = q.filter(webhook_delivery::Column::State.eq(s.as_str()));
        }
        q.all(&shop.db)
    };
    let recent = rows(None).await?.into_iter().map(|d| delivery_view(d, &urls)).collect();
    let dead = rows(Some(DeliveryState::Dead)).await?.into_iter().map(|d| delivery_view(d, &urls)).collect();
    Ok(WebhookPage { webhooks: hooks.into_iter().map(|h| view(h, &counts)).collect(), recent, dead, private_targets: shop.private_webhook_targets })
}

fn view(h: webhook::Model, counts: &HashMap<(String, String), u64>) -> WebhookView {
    let n = |s: DeliveryState| counts.get(&(h.id.clone(), s.as_str().to_owned())).copied().unwrap_or(0);
    WebhookView {
        delivered: n(DeliveryState::Delivered),
        pending: n(DeliveryState::Pending),
        dead: n(DeliveryState::Dead),
        id: h.id,
        url: h.url,
        events: h.events,
        description: h.description,
        active: h.active,
        secret: h.secret,
        created_at: rfc3339(h.created_at),
    }
}

fn delivery_view(d: webhook_delivery::Model, urls: &HashMap<String, String>) -> DeliveryView {
    let state = DeliveryState::parse(&d.state).unwrap_or(DeliveryState::Pending);
    DeliveryView {
        url: urls.get(&d.webhook_id).cloned().unwrap_or_default(),
        id: d.id,
        webhook_id: d.webhook_id,
        event_id: d.event_id,
        event_type: d.event_type,
        state,
        attempts: d.attempts,
        last_result: d.last_result,
        next_attempt_at: d.next_attempt_at.filter(|_| state == DeliveryState::Pending).map(rfc3339),
        created_at: rfc3339(d.created_at),
        delivered_at: d.delivered_at.map(rfc3339),
    }
}
