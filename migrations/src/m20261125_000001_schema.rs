//! Users, products, orders, order items, status history, the outbox and login failures.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, integer, string_len, text};

use crate::shape::{index, references};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Products {
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
pub(crate) enum Orders {
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
                    .col(string_len(Users::Id, 32).primary_key())
                    .col(string_len(Users::Email, 254).unique_key())
                    .col(string_len(Users::Name, 100))
                    .col(string_len(Users::PasswordHash, 100))
                    .col(string_len(Users::Role, 16))
                    .col(big_integer(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(string_len(Products::Id, 64).primary_key())
                    .col(string_len(Products::Name, 120))
                    .col(text(Products::Description))
                    .col(string_len(Products::Category, 60))
                    .col(big_integer(Products::PriceCents).check(Expr::col(Products::PriceCents).gte(0)))
                    .col(integer(Products::Stock).check(Expr::col(Products::Stock).gte(0)))
                    .col(string_len(Products::Image, 200))
                    .col(big_integer(Products::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(string_len(Orders::Id, 32).primary_key())
                    .col(string_len(Orders::UserId, 32))
                    .col(string_len(Orders::Status, 16))
                    .col(big_integer(Orders::Version))
                    .col(big_integer(Orders::TotalCents).check(Expr::col(Orders::TotalCents).gte(0)))
                    .col(string_len(Orders::IdempotencyKey, 64))
                    .col(string_len(Orders::ShipFirstName, 60))
                    .col(string_len(Orders::ShipLastName, 60))
                    .col(string_len(Orders::ShipEmail, 254))
                    .col(string_len(Orders::ShipAddress, 200))
                    .col(string_len(Orders::ShipCity, 100))
                    .col(string_len(Orders::ShipState, 50))
                    .col(string_len(Orders::ShipZip, 10))
                    .col(big_integer(Orders::CreatedAt))
                    .col(big_integer(Orders::UpdatedAt))
                    .foreign_key(&mut references("fk_orders_user", Orders::Table, Orders::UserId, Users::Table, ForeignKeyAction::Restrict))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_orders_user_created", Orders::Table, [Orders::UserId, Orders::CreatedAt], false).await?;
        index(manager, "uq_orders_user_idempotency", Orders::Table, [Orders::UserId, Orders::IdempotencyKey], true).await?;
        index(manager, "idx_orders_created", Orders::Table, [Orders::CreatedAt], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(integer(OrderItems::Id).auto_increment().primary_key())
                    .col(string_len(OrderItems::OrderId, 32))
                    .col(string_len(OrderItems::ProductId, 64))
                    .col(string_len(OrderItems::ProductName, 120))
                    .col(integer(OrderItems::Quantity).check(Expr::col(OrderItems::Quantity).gt(0)))
                    .col(big_integer(OrderItems::UnitPriceCents))
                    .col(big_integer(OrderItems::LineTotalCents))
                    .foreign_key(&mut references("fk_order_items_order", OrderItems::Table, OrderItems::OrderId, Orders::Table, ForeignKeyAction::Cascade))
                    .foreign_key(&mut references(
                        "fk_order_items_product",
                        OrderItems::Table,
                        OrderItems::ProductId,
                        Products::Table,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_order_items_order", OrderItems::Table, [OrderItems::OrderId], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderStatusHistory::Table)
                    .col(integer(OrderStatusHistory::Id).auto_increment().primary_key())
                    .col(string_len(OrderStatusHistory::OrderId, 32))
                    .col(string_len(OrderStatusHistory::Status, 16))
                    .col(big_integer(OrderStatusHistory::Version))
                    .col(string_len(OrderStatusHistory::ChangedBy, 32))
                    .col(big_integer(OrderStatusHistory::ChangedAt))
                    .foreign_key(&mut references(
                        "fk_status_history_order",
                        OrderStatusHistory::Table,
                        OrderStatusHistory::OrderId,
                        Orders::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_status_history_order", OrderStatusHistory::Table, [OrderStatusHistory::OrderId], false).await?;

        // The outbox: rows are written in the same transaction as the change they describe and
        // published by the relay in `id` order. `published_at` NULL means "not yet on Kafka".
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(integer(Outbox::Id).auto_increment().primary_key())
                    .col(string_len(Outbox::EventId, 32).unique_key())
                    .col(string_len(Outbox::OrderId, 32))
                    .col(text(Outbox::Payload))
                    .col(big_integer(Outbox::CreatedAt))
                    .col(big_integer_null(Outbox::PublishedAt))
                    .col(integer(Outbox::Attempts).default(0))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_outbox_unpublished", Outbox::Table, [Outbox::PublishedAt, Outbox::Id], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(integer(LoginFailures::Id).auto_increment().primary_key())
                    .col(string_len(LoginFailures::Email, 254))
                    .col(big_integer(LoginFailures::FailedAt))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_login_failures_email", LoginFailures::Table, [LoginFailures::Email, LoginFailures::FailedAt], false).await?;
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
