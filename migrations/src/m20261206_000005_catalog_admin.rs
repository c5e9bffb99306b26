//! Staff run the catalog: products gain a version (optimistic concurrency for edits), an
//! archived flag (archived products leave the catalog but stay on the orders that hold them) and
//! the time of their last change. The outbox's key column is renamed: it holds the Kafka record
//! key, which is an order's id or, for catalog events, a product's.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, boolean};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Version,
    Archived,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    OrderId,
    RecordKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        let columns = [
            big_integer(Products::Version).default(1).to_owned(),
            boolean(Products::Archived).default(false).to_owned(),
            big_integer(Products::UpdatedAt).default(0).to_owned(),
        ];
        for mut column in columns {
            manager.alter_table(Table::alter().table(Products::Table).add_column(&mut column).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Outbox::Table).rename_column(Outbox::OrderId, Outbox::RecordKey).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Outbox::Table).rename_column(Outbox::RecordKey, Outbox::OrderId).to_owned()).await?;
        for column in [Products::Version, Products::Archived, Products::UpdatedAt] {
            manager.alter_table(Table::alter().table(Products::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
