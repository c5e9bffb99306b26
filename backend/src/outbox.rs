//! The transactional outbox: events are written in the same transaction as the change they
//! describe, then published to Kafka by the relay (in `server`) in `id` order.
//!
//! On PostgreSQL the relay claims rows with `FOR UPDATE SKIP LOCKED` inside a transaction that
//! stays open until Kafka acknowledged them, so two instances never publish the same row at
//! once. On SQLite there is one instance, hence one relay.

use std::future::Future;
use std::pin::Pin;

use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};

use crate::entities::outbox;
use crate::{now_ms, Shop, ShopError};
use domain::notification::NotificationEvent;
use domain::{OrderEvent, ProductEvent};

/// One row ready to publish.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    pub id: i32,
    pub event_id: String,
    /// The Kafka record key: the order's id, or the product's for a catalog event.
    pub key: String,
    pub payload: String,
}

pub async fn enqueue<C: ConnectionTrait>(conn: &C, event: &OrderEvent, now: i64) -> Result<(), ShopError> {
    // No read-back of the inserted row: nothing uses it, and on SQLite it is one more round trip
    // inside the write gate.
    insert(event, now).exec_without_returning(conn).await?;
    Ok(())
}

/// Writes a catalog event (`domain::catalog_event`), keyed by its product.
pub async fn enqueue_product<C: ConnectionTrait>(conn: &C, event: &ProductEvent, now: i64) -> Result<(), ShopError> {
    row(&event.event_id, &event.product_id, event.to_json(), now).exec_without_returning(conn).await?;
    Ok(())
}

/// Writes a `notification.created` record (`domain::notification`), keyed by its shopper.
pub async fn enqueue_notification<C: ConnectionTrait>(conn: &C, event: &NotificationEvent, now: i64) -> Result<(), ShopError> {
    row(&event.event_id, &event.user_id, event.to_json(), now).exec_without_returning(conn).await?;
    Ok(())
}

/// The INSERT of one event's outbox row, for callers that run it together with other statements.
pub fn insert(event: &OrderEvent, now: i64) -> sea_orm::Insert<outbox::ActiveModel> {
    row(&event.event_id, &event.order_id, event.to_json(), now)
}

fn row(event_id: &str, key: &str, payload: String, now: i64) -> sea_orm::Insert<outbox::ActiveModel> {
    outbox::Entity::insert(outbox::ActiveModel {
        event_id: Set(event_id.to_owned()),
        record_key: Set(key.to_owned()),
        payload: Set(payload),
        created_at: Set(now),
        published_at: Set(None),
        attempts: Set(0),
        ..Default::default()
    })
}

/// Where Kafka put one outbox row's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// The outbox row.
    pub id: i32,
    pub partition: i32,
    pub offset: i64,
}

pub type PublishFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Placed>, String>> + Send + 'a>>;

/// Claims up to `limit` unpublished rows, hands them to `publish`, and marks them published,
/// with where each went, if it succeeded (or counts an attempt if it failed). Returns how many
/// rows were published.
pub async fn publish_batch<F>(shop: &Shop, limit: u64, publish: F) -> Result<usize, ShopError>
where
    F: for<'a> FnOnce(&'a [PendingEvent]) -> PublishFuture<'a>,
{
    if shop.db.get_database_backend() == DbBackend::Postgres {
        // The claim (row locks) lasts until Kafka acknowledged and the rows are marked.
        let txn = shop.db.begin().await?;
        let select = unpublished(limit).lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        let rows = to_pending(select.all(&txn).await?);
        if rows.is_empty() {
            txn.commit().await?;
            return Ok(0);
        }
        let outcome = publish(&rows).await;
        let result = mark(&txn, &rows, outcome).await;
        txn.commit().await?;
        result
    } else {
        // SQLite: one instance, one relay. No transaction is held across the produce: upgrading a
        // read transaction to a write after other commits would fail with a busy snapshot.
        let rows = to_pending(unpublished(limit).all(&shop.db).await?);
        if rows.is_empty() {
            return Ok(0);
        }
        let outcome = publish(&rows).await;
        let _gate = shop.gate.enter().await;
        mark(&shop.db, &rows, outcome).await
    }
}

fn unpublished(limit: u64) -> sea_orm::Select<outbox::Entity> {
    outbox::Entity::find().filter(outbox::Column::PublishedAt.is_null()).order_by_asc(outbox::Column::Id).limit(limit)
}

fn to_pending(rows: Vec<outbox::Model>) -> Vec<PendingEvent> {
    rows.into_iter().map(|r| PendingEvent { id: r.id, event_id: r.event_id, key: r.record_key, payload: r.payload }).collect()
}

async fn mark<C: ConnectionTrait>(conn: &C, rows: &[PendingEvent], outcome: Result<Vec<Placed>, String>) -> Result<usize, ShopError> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut update = outbox::Entity::update_many().col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1));
    if let Ok(placed) = &outcome {
        update = update.col_expr(outbox::Column::PublishedAt, Expr::value(now_ms()));
        // One statement for the whole batch: each row's place as a CASE on its id.
        let at = |p: &Placed| Expr::col(outbox::Column::Id).eq(p.id);
        if let Some((first, rest)) = placed.split_first() {
            let (partition, offset) = rest.iter().fold((Expr::case(at(first), first.partition), Expr::case(at(first), first.offset)), |(pa, of), p| {
                (pa.case(at(p), p.partition), of.case(at(p), p.offset))
            });
            update = update.col_expr(outbox::Column::KafkaPartition, partition.into()).col_expr(outbox::Column::KafkaOffset, offset.into());
        }
    }
    update.filter(outbox::Column::Id.is_in(ids)).exec(conn).await?;
    match outcome {
        Ok(_) => Ok(rows.len()),
        Err(e) => Err(ShopError::Internal(format!("publishing {} outbox events failed: {e}", rows.len()))),
    }
}

/// Rows not yet on Kafka (for `/metrics` and tests).
pub async fn backlog(shop: &Shop) -> Result<u64, ShopError> {
    Ok(outbox::Entity::find().filter(outbox::Column::PublishedAt.is_null()).count(&shop.db).await?)
}
