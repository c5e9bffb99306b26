//! Where the consumers that keep their position in the database (notifications, webhooks) are
//! in the log: the next offset of each partition, in `consumer_positions`.
//!
//! A position moves only inside the transaction that writes what the records before it made,
//! and only if it still is where the consumer read it from ([`advance`]). So a restart (even a
//! kill -9) neither skips nor repeats a record's work, and two instances reading the same
//! partition cannot both do it: the second finds the position moved and reads on from there.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entities::consumer_position;
use crate::{Shop, ShopError};

/// Where `consumer` reads `partition` from: the stored position, or, the first time, `start`
/// (stored now, so every later start agrees). Two instances starting at once agree too: the
/// first insert wins and both read it back.
pub async fn load(shop: &Shop, consumer: &str, partition: i32, start: i64) -> Result<i64, ShopError> {
    if let Some(at) = stored(shop, consumer, partition).await? {
        return Ok(at);
    }
    {
        let _gate = shop.gate.enter().await;
        consumer_position::Entity::insert(consumer_position::ActiveModel {
            consumer: Set(consumer.to_owned()),
            partition: Set(partition),
            next_offset: Set(start),
        })
        .on_conflict(OnConflict::columns([consumer_position::Column::Consumer, consumer_position::Column::Partition]).do_nothing().to_owned())
        .exec_without_returning(&shop.db)
        .await?;
    }
    Ok(stored(shop, consumer, partition).await?.unwrap_or(start))
}

/// The stored position, if there is one.
pub async fn stored(shop: &Shop, consumer: &str, partition: i32) -> Result<Option<i64>, ShopError> {
    Ok(consumer_position::Entity::find_by_id((consumer.to_owned(), partition)).one(&shop.db).await?.map(|p| p.next_offset))
}

/// Moves the position from `from` to `to` on `conn` (the caller's transaction); false if it was
/// not at `from` (another instance moved it, or an operator removed it): then the caller rolls
/// back and reads on from [`stored`].
pub async fn advance<C: ConnectionTrait>(conn: &C, consumer: &str, partition: i32, from: i64, to: i64) -> Result<bool, ShopError> {
    let moved = consumer_position::Entity::update_many()
        .col_expr(consumer_position::Column::NextOffset, Expr::value(to))
        .filter(consumer_position::Column::Consumer.eq(consumer))
        .filter(consumer_position::Column::Partition.eq(partition))
        .filter(consumer_position::Column::NextOffset.eq(from))
        .exec(conn)
        .await?;
    Ok(moved.rows_affected == 1)
}

/// What a consumer's batch write did.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// The position moved to the batch's end; this many rows were written.
    Written(usize),
    /// The position was not where the batch began (another instance wrote this batch): nothing
    /// written; read on from here.
    Moved(i64),
    /// The batch made nothing to write, so nothing was (not even the position, which the
    /// consumer stores with a later batch).
    Skipped,
}
