//! The `products` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub category: String,
    pub price_cents: i64,
    pub stock: i32,
    pub image: String,
    pub created_at: i64,
    pub version: i64,
    pub archived: bool,
    pub updated_at: i64,
    /// An uploaded picture's files (`domain::picture::Picture::to_column`); none for the shipped
    /// illustrations.
    pub picture: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
