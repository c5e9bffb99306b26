//! Who did what to an order: the actor and reason of each status change, the event behind it,
//! staff's internal notes, and where the relay put each event in the topic.
//!
//! History rows written before this keep these columns empty: their actor is read off
//! `changed_by` (the owner, or else staff), and they show no event.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, integer_null, string_len, string_len_null, text};

use crate::m20261125_000001_schema::Orders;
use crate::shape::index;

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        let history = [
            string_len_null(OrderStatusHistory::Actor, 16).to_owned(),
            string_len_null(OrderStatusHistory::Reason, 800).to_owned(),
            string_len_null(OrderStatusHistory::EventId, 32).to_owned(),
        ];
        for mut column in history {
            manager.alter_table(Table::alter().table(OrderStatusHistory::Table).add_column(&mut column).to_owned()).await?;
        }
        for mut column in [integer_null(Outbox::KafkaPartition).to_owned(), big_integer_null(Outbox::KafkaOffset).to_owned()] {
            manager.alter_table(Table::alter().table(Outbox::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderNotes::Table)
                    .col(string_len(OrderNotes::Id, 32).primary_key())
                    .col(string_len(OrderNotes::OrderId, 32))
                    .col(string_len(OrderNotes::AuthorId, 32))
                    .col(text(OrderNotes::Body))
                    .col(big_integer(OrderNotes::OrderVersion))
                    .col(big_integer(OrderNotes::CreatedAt))
                    .col(string_len(OrderNotes::EventId, 32).unique_key())
                    .foreign_key(ForeignKey::create().name("fk_order_notes_order").from(OrderNotes::Table, OrderNotes::OrderId).to(Orders::Table, Orders::Id))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_order_notes_order", OrderNotes::Table, [OrderNotes::OrderId], false).await
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
