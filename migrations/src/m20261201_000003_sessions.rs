//! Server-side sessions, and the client address of each failed sign-in.
//!
//! A session is a row: the cookie carries a random token, the row is keyed by the token's
//! SHA-256 (a leaked table gives no usable cookie). Ending a session sets `revoked_at`; the
//! index on it lets every instance find, once a second, the sessions ended since it last looked
//! and close their sockets.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
    UserAgent,
    Ip,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Ip,
    FailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(ColumnDef::new(Sessions::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(Sessions::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(Sessions::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Sessions::LastSeenAt).big_integer().not_null())
                    .col(ColumnDef::new(Sessions::ExpiresAt).big_integer().not_null())
                    .col(ColumnDef::new(Sessions::RevokedAt).big_integer().null())
                    .col(ColumnDef::new(Sessions::UserAgent).string_len(200).not_null())
                    .col(ColumnDef::new(Sessions::Ip).string_len(45).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in
            [("idx_sessions_user", Sessions::UserId), ("idx_sessions_revoked", Sessions::RevokedAt), ("idx_sessions_expires", Sessions::ExpiresAt)]
        {
            manager.create_index(Index::create().name(name).table(Sessions::Table).col(col).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter().table(LoginFailures::Table).add_column(ColumnDef::new(LoginFailures::Ip).string_len(45).not_null().default("")).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_login_failures_ip").table(LoginFailures::Table).col(LoginFailures::Ip).col(LoginFailures::FailedAt).to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_login_failures_ip").table(LoginFailures::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(LoginFailures::Table).drop_column(LoginFailures::Ip).to_owned()).await?;
        manager.drop_table(Table::drop().table(Sessions::Table).to_owned()).await
    }
}
