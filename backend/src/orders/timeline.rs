//! An order's timeline (its status changes, and for staff its internal notes, who wrote each and
//! where its event sits in the log) and writing a note.

use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};

use crate::auth::Session;
use crate::entities::{order, order_note, order_status_history, outbox, user};
use crate::{new_id, now_ms, rfc3339, Shop, ShopError};
use domain::timeline::{check_note, merge, EntryKind, LogPosition, TimelineEntry};
use domain::{Actor, EventType, OrderEvent, OrderStatus, EVENT_SCHEMA_VERSION};

/// The timeline of `order_id` (owned by `owner`) as the viewer may see it: a shopper gets the
/// changes with who made them and why; staff also get the notes, staff members' names and each
/// entry's event id, partition and offset.
pub(super) async fn load(shop: &Shop, order_id: &str, owner: &str, staff: bool) -> Result<Vec<TimelineEntry>, ShopError> {
    let history = order_status_history::Entity::find()
        .filter(order_status_history::Column::OrderId.eq(order_id))
        .order_by_asc(order_status_history::Column::Version)
        .all(&shop.db)
        .await?;
    let mut acted: Vec<(String, Option<String>)> = Vec::with_capacity(history.len());
    let mut changes: Vec<TimelineEntry> = history
        .into_iter()
        .map(|h| {
            // Rows from before actors were recorded: the owner, or else staff.
            let actor = h.actor.as_deref().and_then(|a| a.parse().ok()).unwrap_or(if h.changed_by == owner { Actor::Owner } else { Actor::Staff });
            acted.push((h.changed_by, h.event_id));
            TimelineEntry {
                kind: EntryKind::Status(h.status.parse().unwrap_or(OrderStatus::Pending)),
                version: h.version,
                at_ms: h.changed_at,
                actor,
                actor_name: None,
                text: h.reason,
                log: None,
            }
        })
        .collect();
    if !staff {
        return Ok(changes);
    }

    let notes = order_note::Entity::find().filter(order_note::Column::OrderId.eq(order_id)).order_by_asc(order_note::Column::CreatedAt).all(&shop.db).await?;
    let people: Vec<&str> = acted.iter().map(|(by, _)| by.as_str()).chain(notes.iter().map(|n| n.author_id.as_str())).collect();
    let names: HashMap<String, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .filter(user::Column::Id.is_in(people))
        .into_tuple()
        .all(&shop.db)
        .await?
        .into_iter()
        .collect();
    let events: Vec<&str> = acted.iter().filter_map(|(_, e)| e.as_deref()).chain(notes.iter().map(|n| n.event_id.as_str())).collect();
    let positions: HashMap<String, (Option<i32>, Option<i64>)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::EventId)
        .column(outbox::Column::KafkaPartition)
        .column(outbox::Column::KafkaOffset)
        .filter(outbox::Column::EventId.is_in(events))
        .into_tuple::<(String, Option<i32>, Option<i64>)>()
        .all(&shop.db)
        .await?
        .into_iter()
        .map(|(id, p, o)| (id, (p, o)))
        .collect();
    let log = |event_id: &str| {
        let (partition, offset) = positions.get(event_id).copied().unwrap_or_default();
        LogPosition { event_id: event_id.to_owned(), partition, offset }
    };
    for (entry, (by, event_id)) in changes.iter_mut().zip(&acted) {
        if entry.actor == Actor::Staff {
            entry.actor_name = names.get(by).cloned();
        }
        entry.log = event_id.as_deref().map(log);
    }
    let notes = notes
        .into_iter()
        .map(|n| TimelineEntry {
            kind: EntryKind::Note,
            version: n.order_version,
            at_ms: n.created_at,
            actor: Actor::Staff,
            actor_name: names.get(&n.author_id).cloned(),
            text: Some(n.body),
            log: Some(log(&n.event_id)),
        })
        .collect();
    Ok(merge(changes, notes))
}

/// Staff only: writes an internal note on an order, and its `order.note_added` event in the same
/// transaction. The order itself does not change (no new version), so nobody's open edit of it
/// goes stale.
pub async fn add_note(shop: &Shop, session: &Session, order_id: &str, body: &str) -> Result<(), ShopError> {
    session.require_staff()?;
    let body = check_note(body).map_err(|e| ShopError::Rejected(e.to_string()))?;
    {
        let _gate = shop.gate.enter().await;
        let txn = shop.db.begin().await?;
        let o = order::Entity::find_by_id(order_id.to_owned()).one(&txn).await?.ok_or(ShopError::NotFound)?;
        let now = now_ms();
        let event = OrderEvent {
            v: EVENT_SCHEMA_VERSION,
            event_id: new_id(),
            kind: EventType::OrderNoteAdded,
            order_id: o.id.clone(),
            user_id: o.user_id.clone(),
            status: o.status.parse().map_err(ShopError::Internal)?,
            order_version: o.version,
            total_cents: o.total_cents,
            occurred_at: rfc3339(now),
            placed_at_ms: Some(o.created_at),
            previous_status: None,
            actor: Some(Actor::Staff),
            actor_id: Some(session.user_id.clone()),
            reason: None,
            note: Some(body.clone()),
        };
        order_note::ActiveModel {
            id: Set(new_id()),
            order_id: Set(o.id),
            author_id: Set(session.user_id.clone()),
            body: Set(body),
            order_version: Set(o.version),
            created_at: Set(now),
            event_id: Set(event.event_id.clone()),
        }
        .insert(&txn)
        .await?;
        crate::outbox::enqueue(&txn, &event, now).await?;
        txn.commit().await?;
    }
    shop.outbox_wake.notify_one();
    tracing::info!(order_id, "order note added");
    Ok(())
}
