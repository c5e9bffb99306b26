//! Password resets: one row per e-mailed link.
//!
//! The link carries a random token; the row is keyed by the token's SHA-256, so a leaked table
//! gives no usable link. `used_at` makes a link work once; `expires_at` makes it short-lived.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, string_len};

use crate::m20261125_000001_schema::Users;
use crate::shape::{index, references};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasswordResets::Table)
                    .col(string_len(PasswordResets::Id, 64).primary_key())
                    .col(string_len(PasswordResets::UserId, 32))
                    .col(big_integer(PasswordResets::CreatedAt))
                    .col(big_integer(PasswordResets::ExpiresAt))
                    .col(big_integer_null(PasswordResets::UsedAt))
                    .foreign_key(&mut references(
                        "fk_password_resets_user",
                        PasswordResets::Table,
                        PasswordResets::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_password_resets_user", PasswordResets::Table, [PasswordResets::UserId, PasswordResets::CreatedAt], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PasswordResets::Table).to_owned()).await
    }
}
