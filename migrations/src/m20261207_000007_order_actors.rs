//! Who did what to an order: the actor and reason of each status change, the event behind it,
//! staff's internal notes, and where the relay put each event in the topic.
//!
//! History rows written before this keep these columns empty: their actor is read off
//! `changed_by` (the owner, or else staff), and they show no event.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderStatusHistory {
    Table,
    /// `shopper`, `staff` or `system` (`domain::Actor`).
    Actor,
    Reason,
    EventId,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    /// Where the event went, once Kafka acknowledged it.
    KafkaPartition,
    KafkaOffset,
}

#[derive(DeriveIden)]
enum OrderNotes {
    Table,
    Id,
    OrderId,
    AuthorId,
    Body,
    /// The order's version when the note was written.
    OrderVersion,
    CreatedAt,
    EventId,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        let history = [
            ColumnDef::new(OrderStatusHistory::Actor).string_len(16).null().to_owned(),
            ColumnDef::new(OrderStatusHistory::Reason).string_len(800).null().to_owned(),
            ColumnDef::new(OrderStatusHistory::EventId).string_len(32).null().to_owned(),
        ];
        for mut column in history {
            manager.alter_table(Table::alter().table(OrderStatusHistory::Table).add_column(&mut column).to_owned()).await?;
        }
        for mut column in
            [ColumnDef::new(Outbox::KafkaPartition).integer().null().to_owned(), ColumnDef::new(Outbox::KafkaOffset).big_integer().null().to_owned()]
        {
            manager.alter_table(Table::alter().table(Outbox::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderNotes::Table)
                    .col(ColumnDef::new(OrderNotes::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(OrderNotes::OrderId).string_len(32).not_null())
                    .col(ColumnDef::new(OrderNotes::AuthorId).string_len(32).not_null())
                    .col(ColumnDef::new(OrderNotes::Body).text().not_null())
                    .col(ColumnDef::new(OrderNotes::OrderVersion).big_integer().not_null())
                    .col(ColumnDef::new(OrderNotes::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(OrderNotes::EventId).string_len(32).not_null().unique_key())
                    .foreign_key(ForeignKey::create().name("fk_order_notes_order").from(OrderNotes::Table, OrderNotes::OrderId).to(Orders::Table, Orders::Id))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("idx_order_notes_order").table(OrderNotes::Table).col(OrderNotes::OrderId).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OrderNotes::Table).to_owned()).await?;
        for column in [Outbox::KafkaPartition.into_iden(), Outbox::KafkaOffset.into_iden()] {
            manager.alter_table(Table::alter().table(Outbox::Table).drop_column(column).to_owned()).await?;
        }
        for column in [OrderStatusHistory::Actor.into_iden(), OrderStatusHistory::Reason.into_iden(), OrderStatusHistory::EventId.into_iden()] {
            manager.alter_table(Table::alter().table(OrderStatusHistory::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
