//! Password resets: one row per e-mailed link.
//!
//! The link carries a random token; the row is keyed by the token's SHA-256, so a leaked table
//! gives no usable link. `used_at` makes a link work once; `expires_at` makes it short-lived.

use sea_orm_migration::prelude::*;

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

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasswordResets::Table)
                    .col(ColumnDef::new(PasswordResets::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(PasswordResets::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(PasswordResets::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(PasswordResets::ExpiresAt).big_integer().not_null())
                    .col(ColumnDef::new(PasswordResets::UsedAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_password_resets_user")
                            .from(PasswordResets::Table, PasswordResets::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_password_resets_user")
                    .table(PasswordResets::Table)
                    .col(PasswordResets::UserId)
                    .col(PasswordResets::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PasswordResets::Table).to_owned()).await
    }
}
