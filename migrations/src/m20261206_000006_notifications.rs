//! Notifications for shoppers (and whether each shopper wants them by e-mail too), the "Notify
//! me" list of sold-out products, and the positions of the log's consumers that keep theirs in
//! the database.
//!
//! A consumer's position (the next offset of each partition) is committed in the same
//! transaction as what it wrote for the records before it, so a restart neither repeats nor
//! skips a notification.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, boolean, integer, string_len};

use crate::m20261125_000001_schema::Products;
use crate::shape::{index, references};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Link,
    SourceEventId,
    CreatedAt,
    ReadAt,
    /// `off` (not to be mailed), `pending`, `sending`, `sent` or `failed`.
    MailState,
}

#[derive(DeriveIden)]
enum RestockWatches {
    Table,
    UserId,
    ProductId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ConsumerPositions {
    Table,
    Consumer,
    Partition,
    NextOffset,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    EmailNotifications,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).add_column(boolean(Users::EmailNotifications).default(true)).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(string_len(Notifications::Id, 32).primary_key())
                    .col(string_len(Notifications::UserId, 32))
                    .col(string_len(Notifications::Kind, 32))
                    .col(string_len(Notifications::Title, 300))
                    .col(string_len(Notifications::Link, 300))
                    .col(string_len(Notifications::SourceEventId, 64))
                    .col(big_integer(Notifications::CreatedAt))
                    .col(big_integer_null(Notifications::ReadAt))
                    .col(string_len(Notifications::MailState, 8).default("off"))
                    .foreign_key(&mut references("fk_notifications_user", Notifications::Table, Notifications::UserId, Users::Table, ForeignKeyAction::Cascade))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_notifications_mail", Notifications::Table, [Notifications::MailState], false).await?;
        // One notification per shopper and event: the topic delivers at least once.
        index(manager, "idx_notifications_user_event", Notifications::Table, [Notifications::UserId, Notifications::SourceEventId], true).await?;
        index(manager, "idx_notifications_user", Notifications::Table, [Notifications::UserId, Notifications::Id], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(RestockWatches::Table)
                    .col(string_len(RestockWatches::UserId, 32))
                    .col(string_len(RestockWatches::ProductId, 64))
                    .col(big_integer(RestockWatches::CreatedAt))
                    .primary_key(Index::create().col(RestockWatches::UserId).col(RestockWatches::ProductId))
                    .foreign_key(&mut references(
                        "fk_restock_watches_user",
                        RestockWatches::Table,
                        RestockWatches::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut references(
                        "fk_restock_watches_product",
                        RestockWatches::Table,
                        RestockWatches::ProductId,
                        Products::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_restock_watches_product", RestockWatches::Table, [RestockWatches::ProductId], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsumerPositions::Table)
                    .col(string_len(ConsumerPositions::Consumer, 64))
                    .col(integer(ConsumerPositions::Partition))
                    .col(big_integer(ConsumerPositions::NextOffset))
                    .primary_key(Index::create().col(ConsumerPositions::Consumer).col(ConsumerPositions::Partition))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Notifications::Table.into_iden(), RestockWatches::Table.into_iden(), ConsumerPositions::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::EmailNotifications).to_owned()).await
    }
}
