//! What the audit (`server replay --verify`, [`domain::audit`]) reads from the database: the
//! orders a stretch of the log should cover, each with the history that vouches for its events
//! and its current row, and the events still waiting in the outbox (not on the log yet, but not
//! lost either).

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entities::{order, outbox};
use crate::{Shop, ShopError};
use domain::audit::DbOrder;
use domain::{LogEvent, OrderEvent, OrderStatus};

/// How many ids one `IN (…)` lists.
const CHUNK: usize = 500;

/// The orders placed at or after `since_ms` (every order without it), and those `also` names
/// (orders whose events the log holds), as the database has them now.
pub async fn orders(shop: &Shop, since_ms: Option<i64>, also: &HashSet<String>) -> Result<HashMap<String, DbOrder>, ShopError> {
    let mut query = order::Entity::find().select_only().column(order::Column::Id);
    if let Some(since) = since_ms {
        query = query.filter(order::Column::CreatedAt.gte(since));
    }
    let placed: Vec<String> = query.into_tuple().all(&shop.db).await?;
    let mut ids: Vec<String> = placed.into_iter().chain(also.iter().cloned()).collect::<HashSet<_>>().into_iter().collect();
    ids.sort();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let names: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let mut facts = crate::orders::facts(shop, &names, true).await?;
        let rows: Vec<(String, i64, String)> = order::Entity::find()
            .select_only()
            .column(order::Column::Id)
            .column(order::Column::Version)
            .column(order::Column::Status)
            .filter(order::Column::Id.is_in(names.iter().copied()))
            .into_tuple()
            .all(&shop.db)
            .await?;
        for (id, version, status) in rows {
            let status: OrderStatus = status.parse().map_err(ShopError::Internal)?;
            if let Some(facts) = facts.remove(&id) {
                out.insert(id, DbOrder { facts, version, status });
            }
        }
    }
    Ok(out)
}

/// The order events written to the outbox and not yet published, oldest first (catalog events
/// are not part of the orders' audit).
pub async fn unpublished(shop: &Shop) -> Result<Vec<OrderEvent>, ShopError> {
    let payloads: Vec<String> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Payload)
        .filter(outbox::Column::PublishedAt.is_null())
        .order_by_asc(outbox::Column::Id)
        .into_tuple()
        .all(&shop.db)
        .await?;
    let mut events = Vec::with_capacity(payloads.len());
    for payload in payloads {
        match LogEvent::from_json(payload.as_bytes()) {
            Ok(LogEvent::Order(event)) => events.push(event),
            Ok(LogEvent::Product(_) | LogEvent::Notification(_)) => {}
            Err(e) => return Err(ShopError::Internal(format!("an outbox row does not decode: {e}"))),
        }
    }
    Ok(events)
}
