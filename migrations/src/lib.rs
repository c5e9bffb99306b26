//! Database migrations, applied at server start (and by the tests) with [`Migrator::up`].
//!
//! Money columns hold integer cents; timestamps hold milliseconds since the Unix epoch (an
//! `i64` sorts and compares the same on SQLite and PostgreSQL, and never meets a time-zone
//! conversion).

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_schema;
mod m20261125_000002_seed_catalog;
mod m20261201_000003_sessions;
mod m20261202_000004_password_resets;
mod m20261206_000005_catalog_admin;
mod m20261206_000006_notifications;
mod m20261207_000007_order_actors;
mod m20261207_000008_webhooks;
mod m20261207_000009_product_pictures;
mod shape;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_schema::Migration),
            Box::new(m20261125_000002_seed_catalog::Migration),
            Box::new(m20261201_000003_sessions::Migration),
            Box::new(m20261202_000004_password_resets::Migration),
            Box::new(m20261206_000005_catalog_admin::Migration),
            Box::new(m20261206_000006_notifications::Migration),
            Box::new(m20261207_000007_order_actors::Migration),
            Box::new(m20261207_000008_webhooks::Migration),
            Box::new(m20261207_000009_product_pictures::Migration),
        ]
    }
}
