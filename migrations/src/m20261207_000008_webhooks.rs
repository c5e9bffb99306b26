//! Webhooks: the URLs staff registered, and one delivery row per event and webhook.
//!
//! A delivery row is written by the webhooks service in the transaction that moves its position
//! in the log (`consumer_positions`), so a restart neither skips nor repeats one; the row then
//! carries its own retry schedule. `(webhook_id, event_id)` is unique: the topic delivers at
//! least once, a webhook gets each event once.

use sea_orm_migration::prelude::*;

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
                    .col(ColumnDef::new(Webhooks::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Webhooks::Url).string_len(500).not_null())
                    .col(ColumnDef::new(Webhooks::Secret).string_len(80).not_null())
                    .col(ColumnDef::new(Webhooks::Events).string_len(400).not_null())
                    .col(ColumnDef::new(Webhooks::Description).string_len(800).not_null().default(""))
                    .col(ColumnDef::new(Webhooks::Active).boolean().not_null().default(true))
                    .col(ColumnDef::new(Webhooks::CreatedBy).string_len(32).not_null())
                    .col(ColumnDef::new(Webhooks::CreatedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(ColumnDef::new(WebhookDeliveries::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(WebhookDeliveries::WebhookId).string_len(32).not_null())
                    .col(ColumnDef::new(WebhookDeliveries::EventId).string_len(64).not_null())
                    .col(ColumnDef::new(WebhookDeliveries::EventType).string_len(64).not_null())
                    .col(ColumnDef::new(WebhookDeliveries::Payload).text().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::State).string_len(16).not_null())
                    .col(ColumnDef::new(WebhookDeliveries::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(WebhookDeliveries::NextAttemptAt).big_integer().null())
                    .col(ColumnDef::new(WebhookDeliveries::LastResult).string_len(1200).null())
                    .col(ColumnDef::new(WebhookDeliveries::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::DeliveredAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_webhook")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_event")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::State)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Webhooks::Table).to_owned()).await
    }
}
