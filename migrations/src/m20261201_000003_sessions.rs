//! Server-side sessions, and the client address of each failed sign-in.
//!
//! A session is a row: the cookie carries a random token, the row is keyed by the token's
//! SHA-256 (a leaked table gives no usable cookie). Ending a session sets `revoked_at`; the
//! index on it lets every instance find, once a second, the sessions ended since it last looked
//! and close their sockets.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, string_len};

use crate::m20261125_000001_schema::Users;
use crate::shape::{index, references};

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
                    .col(string_len(Sessions::Id, 64).primary_key())
                    .col(string_len(Sessions::UserId, 32))
                    .col(big_integer(Sessions::CreatedAt))
                    .col(big_integer(Sessions::LastSeenAt))
                    .col(big_integer(Sessions::ExpiresAt))
                    .col(big_integer_null(Sessions::RevokedAt))
                    .col(string_len(Sessions::UserAgent, 200))
                    .col(string_len(Sessions::Ip, 45))
                    .foreign_key(&mut references("fk_sessions_user", Sessions::Table, Sessions::UserId, Users::Table, ForeignKeyAction::Cascade))
                    .to_owned(),
            )
            .await?;
        for (name, col) in
            [("idx_sessions_user", Sessions::UserId), ("idx_sessions_revoked", Sessions::RevokedAt), ("idx_sessions_expires", Sessions::ExpiresAt)]
        {
            index(manager, name, Sessions::Table, [col], false).await?;
        }
        manager.alter_table(Table::alter().table(LoginFailures::Table).add_column(string_len(LoginFailures::Ip, 45).default("")).to_owned()).await?;
        index(manager, "idx_login_failures_ip", LoginFailures::Table, [LoginFailures::Ip, LoginFailures::FailedAt], false).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_login_failures_ip").table(LoginFailures::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(LoginFailures::Table).drop_column(LoginFailures::Ip).to_owned()).await?;
        manager.drop_table(Table::drop().table(Sessions::Table).to_owned()).await
    }
}
