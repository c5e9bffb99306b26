//! The `order_status_history` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_status_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: String,
    pub status: String,
    pub version: i64,
    pub changed_by: String,
    pub changed_at: i64,
    /// `domain::Actor` as text; empty on rows older than it (read off `changed_by`).
    pub actor: Option<String>,
    pub reason: Option<String>,
    /// The event that told the log of this change.
    pub event_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
