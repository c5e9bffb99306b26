//! Webhooks: the URLs staff registered, and one delivery row per event and webhook.
//!
//! A delivery row is written by the webhooks service in the transaction that moves its position
//! in the log (`consumer_positions`), so a restart neither skips nor repeats one; the row then
//! carries its own retry schedule. `(webhook_id, event_id)` is unique: the topic delivers at
//! least once, a webhook gets each event once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, boolean, integer, string_len, string_len_null, text};

use crate::shape::{index, references};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    Url,
    /// HMAC-SHA256 key the deliveries are signed with.
    Secret,
    /// `domain::webhook::EventFilter` in its normal form.
    Events,
    Description,
    Active,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventId,
    EventType,
    /// The event exactly as the shop's outbox wrote it.
    Payload,
    /// `pending`, `delivered` or `dead` (`domain::webhook::DeliveryState`).
    State,
    Attempts,
    /// When a pending delivery is due (also pushed forward while one instance sends it).
    NextAttemptAt,
    LastResult,
    CreatedAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(string_len(Webhooks::Id, 32).primary_key())
                    .col(string_len(Webhooks::Url, 500))
                    .col(string_len(Webhooks::Secret, 80))
                    .col(string_len(Webhooks::Events, 400))
                    .col(string_len(Webhooks::Description, 800).default(""))
                    .col(boolean(Webhooks::Active).default(true))
                    .col(string_len(Webhooks::CreatedBy, 32))
                    .col(big_integer(Webhooks::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(string_len(WebhookDeliveries::Id, 32).primary_key())
                    .col(string_len(WebhookDeliveries::WebhookId, 32))
                    .col(string_len(WebhookDeliveries::EventId, 64))
                    .col(string_len(WebhookDeliveries::EventType, 64))
                    .col(text(WebhookDeliveries::Payload))
                    .col(string_len(WebhookDeliveries::State, 16))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(big_integer_null(WebhookDeliveries::NextAttemptAt))
                    .col(string_len_null(WebhookDeliveries::LastResult, 1200))
                    .col(big_integer(WebhookDeliveries::CreatedAt))
                    .col(big_integer_null(WebhookDeliveries::DeliveredAt))
                    .foreign_key(&mut references(
                        "fk_webhook_deliveries_webhook",
                        WebhookDeliveries::Table,
                        WebhookDeliveries::WebhookId,
                        Webhooks::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_webhook_deliveries_event", WebhookDeliveries::Table, [WebhookDeliveries::WebhookId, WebhookDeliveries::EventId], true).await?;
        index(manager, "idx_webhook_deliveries_due", WebhookDeliveries::Table, [WebhookDeliveries::State, WebhookDeliveries::NextAttemptAt], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Webhooks::Table).to_owned()).await
    }
}
