//! Uploaded product pictures: `products.picture` describes the files an upload made
//! (`domain::picture::Picture::to_column`); `image` keeps pointing at a file every page can show
//! (the largest fallback of an upload, or a shipped illustration, which has no picture).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_len_null;

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
        manager.alter_table(Table::alter().table(Products::Table).add_column(string_len_null(Products::Picture, 300)).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Products::Table).drop_column(Products::Picture).to_owned()).await
    }
}
