//! The `orders` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub status: String,
    pub version: i64,
    pub total_cents: i64,
    pub idempotency_key: String,
    pub ship_first_name: String,
    pub ship_last_name: String,
    pub ship_email: String,
    pub ship_address: String,
    pub ship_city: String,
    pub ship_state: String,
    pub ship_zip: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
