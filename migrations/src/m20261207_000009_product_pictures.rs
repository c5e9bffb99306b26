//! Uploaded product pictures: `products.picture` describes the files an upload made
//! (`domain::picture::Picture::to_column`); `image` keeps pointing at a file every page can show
//! (the largest fallback of an upload, or a shipped illustration, which has no picture).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Picture,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Products::Table).add_column(ColumnDef::new(Products::Picture).string_len(300).null()).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Products::Table).drop_column(Products::Picture).to_owned()).await
    }
}
