//! Notifications for shoppers (and whether each shopper wants them by e-mail too), the "Notify
//! me" list of sold-out products, and the positions of the log's consumers that keep theirs in
//! the database.
//!
//! A consumer's position (the next offset of each partition) is committed in the same
//! transaction as what it wrote for the records before it, so a restart neither repeats nor
//! skips a notification.

use sea_orm_migration::prelude::*;

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
    Id,
    EmailNotifications,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Users::Table).add_column(ColumnDef::new(Users::EmailNotifications).boolean().not_null().default(true)).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(ColumnDef::new(Notifications::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Notifications::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(Notifications::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Notifications::Title).string_len(300).not_null())
                    .col(ColumnDef::new(Notifications::Link).string_len(300).not_null())
                    .col(ColumnDef::new(Notifications::SourceEventId).string_len(64).not_null())
                    .col(ColumnDef::new(Notifications::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Notifications::ReadAt).big_integer().null())
                    .col(ColumnDef::new(Notifications::MailState).string_len(8).not_null().default("off"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_user")
                            .from(Notifications::Table, Notifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("idx_notifications_mail").table(Notifications::Table).col(Notifications::MailState).to_owned()).await?;
        // One notification per shopper and event: the topic delivers at least once.
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_user_event")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::SourceEventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_notifications_user").table(Notifications::Table).col(Notifications::UserId).col(Notifications::Id).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RestockWatches::Table)
                    .col(ColumnDef::new(RestockWatches::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(RestockWatches::ProductId).string_len(64).not_null())
                    .col(ColumnDef::new(RestockWatches::CreatedAt).big_integer().not_null())
                    .primary_key(Index::create().col(RestockWatches::UserId).col(RestockWatches::ProductId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_restock_watches_user")
                            .from(RestockWatches::Table, RestockWatches::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_restock_watches_product")
                            .from(RestockWatches::Table, RestockWatches::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_restock_watches_product").table(RestockWatches::Table).col(RestockWatches::ProductId).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsumerPositions::Table)
                    .col(ColumnDef::new(ConsumerPositions::Consumer).string_len(64).not_null())
                    .col(ColumnDef::new(ConsumerPositions::Partition).integer().not_null())
                    .col(ColumnDef::new(ConsumerPositions::NextOffset).big_integer().not_null())
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
