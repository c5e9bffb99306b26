//! [`Shop`]: the handle to everything the core needs, cloned into every request.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::Notify;

use crate::auth::AuthSettings;
use crate::catalog::CatalogCache;
use crate::db::WriteGate;

#[derive(Clone)]
pub struct Shop {
    pub db: DatabaseConnection,
    pub auth: Arc<AuthSettings>,
    pub catalog: CatalogCache,
    /// Woken after every commit that wrote an outbox row, so the relay publishes at once.
    pub outbox_wake: Arc<Notify>,
    pub gate: WriteGate,
    /// The account with this email is staff (lower-cased).
    pub admin_email: Option<String>,
    /// Products with less stock than this count as "low stock" for staff.
    pub low_stock_threshold: i32,
}

impl Shop {
    pub fn new(db: DatabaseConnection, auth: AuthSettings, admin_email: Option<String>, low_stock_threshold: i32) -> Self {
        let gate = WriteGate::for_backend(db.get_database_backend());
        Shop {
            db,
            auth: Arc::new(auth),
            catalog: CatalogCache::default(),
            outbox_wake: Arc::new(Notify::new()),
            gate,
            admin_email: admin_email.map(|e| domain::validation::normalize_email(&e)),
            low_stock_threshold,
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.db.get_database_backend() == sea_orm::DbBackend::Sqlite
    }
}
