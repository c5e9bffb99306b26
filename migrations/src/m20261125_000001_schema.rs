//! Users, products, orders, order items, status history, the outbox and login failures.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Name,
    Description,
    Category,
    PriceCents,
    Stock,
    Image,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    UserId,
    Status,
    Version,
    TotalCents,
    IdempotencyKey,
    ShipFirstName,
    ShipLastName,
    ShipEmail,
    ShipAddress,
    ShipCity,
    ShipState,
    ShipZip,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    ProductId,
    ProductName,
    Quantity,
    UnitPriceCents,
    LineTotalCents,
}

#[derive(DeriveIden)]
enum OrderStatusHistory {
    Table,
    Id,
    OrderId,
    Status,
    Version,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    EventId,
    OrderId,
    Payload,
    CreatedAt,
    PublishedAt,
    Attempts,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Email,
    FailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Users::Email).string_len(254).not_null().unique_key())
                    .col(ColumnDef::new(Users::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Users::PasswordHash).string_len(100).not_null())
                    .col(ColumnDef::new(Users::Role).string_len(16).not_null())
                    .col(ColumnDef::new(Users::CreatedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(ColumnDef::new(Products::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(Products::Name).string_len(120).not_null())
                    .col(ColumnDef::new(Products::Description).text().not_null())
                    .col(ColumnDef::new(Products::Category).string_len(60).not_null())
                    .col(ColumnDef::new(Products::PriceCents).big_integer().not_null().check(Expr::col(Products::PriceCents).gte(0)))
                    .col(ColumnDef::new(Products::Stock).integer().not_null().check(Expr::col(Products::Stock).gte(0)))
                    .col(ColumnDef::new(Products::Image).string_len(200).not_null())
                    .col(ColumnDef::new(Products::CreatedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(ColumnDef::new(Orders::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Orders::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(Orders::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Orders::Version).big_integer().not_null())
                    .col(ColumnDef::new(Orders::TotalCents).big_integer().not_null().check(Expr::col(Orders::TotalCents).gte(0)))
                    .col(ColumnDef::new(Orders::IdempotencyKey).string_len(64).not_null())
                    .col(ColumnDef::new(Orders::ShipFirstName).string_len(60).not_null())
                    .col(ColumnDef::new(Orders::ShipLastName).string_len(60).not_null())
                    .col(ColumnDef::new(Orders::ShipEmail).string_len(254).not_null())
                    .col(ColumnDef::new(Orders::ShipAddress).string_len(200).not_null())
                    .col(ColumnDef::new(Orders::ShipCity).string_len(100).not_null())
                    .col(ColumnDef::new(Orders::ShipState).string_len(50).not_null())
                    .col(ColumnDef::new(Orders::ShipZip).string_len(10).not_null())
                    .col(ColumnDef::new(Orders::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Orders::UpdatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_orders_user")
                            .from(Orders::Table, Orders::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_orders_user_created").table(Orders::Table).col(Orders::UserId).col(Orders::CreatedAt).to_owned())
            .await?;
        manager
            .create_index(
                Index::create().name("uq_orders_user_idempotency").table(Orders::Table).col(Orders::UserId).col(Orders::IdempotencyKey).unique().to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("idx_orders_created").table(Orders::Table).col(Orders::CreatedAt).to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(ColumnDef::new(OrderItems::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(OrderItems::OrderId).string_len(32).not_null())
                    .col(ColumnDef::new(OrderItems::ProductId).string_len(64).not_null())
                    .col(ColumnDef::new(OrderItems::ProductName).string_len(120).not_null())
                    .col(ColumnDef::new(OrderItems::Quantity).integer().not_null().check(Expr::col(OrderItems::Quantity).gt(0)))
                    .col(ColumnDef::new(OrderItems::UnitPriceCents).big_integer().not_null())
                    .col(ColumnDef::new(OrderItems::LineTotalCents).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_order_items_order")
                            .from(OrderItems::Table, OrderItems::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_order_items_product")
                            .from(OrderItems::Table, OrderItems::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("idx_order_items_order").table(OrderItems::Table).col(OrderItems::OrderId).to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderStatusHistory::Table)
                    .col(ColumnDef::new(OrderStatusHistory::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(OrderStatusHistory::OrderId).string_len(32).not_null())
                    .col(ColumnDef::new(OrderStatusHistory::Status).string_len(16).not_null())
                    .col(ColumnDef::new(OrderStatusHistory::Version).big_integer().not_null())
                    .col(ColumnDef::new(OrderStatusHistory::ChangedBy).string_len(32).not_null())
                    .col(ColumnDef::new(OrderStatusHistory::ChangedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_status_history_order")
                            .from(OrderStatusHistory::Table, OrderStatusHistory::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_status_history_order").table(OrderStatusHistory::Table).col(OrderStatusHistory::OrderId).to_owned())
            .await?;

        // The outbox: rows are written in the same transaction as the change they describe and
        // published by the relay in `id` order. `published_at` NULL means "not yet on Kafka".
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(ColumnDef::new(Outbox::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Outbox::EventId).string_len(32).not_null().unique_key())
                    .col(ColumnDef::new(Outbox::OrderId).string_len(32).not_null())
                    .col(ColumnDef::new(Outbox::Payload).text().not_null())
                    .col(ColumnDef::new(Outbox::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Outbox::PublishedAt).big_integer().null())
                    .col(ColumnDef::new(Outbox::Attempts).integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("idx_outbox_unpublished").table(Outbox::Table).col(Outbox::PublishedAt).col(Outbox::Id).to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(ColumnDef::new(LoginFailures::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(LoginFailures::Email).string_len(254).not_null())
                    .col(ColumnDef::new(LoginFailures::FailedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_login_failures_email").table(LoginFailures::Table).col(LoginFailures::Email).col(LoginFailures::FailedAt).to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LoginFailures::Table.into_iden(),
            Outbox::Table.into_iden(),
            OrderStatusHistory::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
            Products::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
