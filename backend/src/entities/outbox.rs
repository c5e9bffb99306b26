//! The `outbox` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: String,
    /// The Kafka record key: the order's id, or the product's for a catalog event.
    pub record_key: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub attempts: i32,
    /// Where Kafka put the event (set with `published_at`).
    pub kafka_partition: Option<i32>,
    pub kafka_offset: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
