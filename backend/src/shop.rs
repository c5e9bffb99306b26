//! [`Shop`]: the handle to everything the core needs, cloned into every request.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::Notify;

use crate::auth::AuthSettings;
use crate::catalog::CatalogCache;
use crate::checkout::SqliteCheckoutWriter;
use crate::db::WriteGate;
use crate::mail::Mailer;
use crate::sessions::SessionCache;

#[derive(Clone)]
pub struct Shop {
    pub db: DatabaseConnection,
    pub auth: Arc<AuthSettings>,
    pub catalog: CatalogCache,
    /// Woken after every commit that wrote an outbox row, so the relay publishes at once.
    pub outbox_wake: Arc<Notify>,
    pub gate: WriteGate,
    /// On SQLite, the thread that writes checkouts (`checkout/sqlite.rs`); `None` on PostgreSQL.
    pub sqlite_checkout: Option<Arc<SqliteCheckoutWriter>>,
    /// Sessions looked up in the last two seconds (`sessions.rs`).
    pub sessions: Arc<SessionCache>,
    /// Products with less stock than this count as "low stock" for staff.
    pub low_stock_threshold: i32,
    /// Sends the shop's e-mail (`mail.rs`).
    pub mail: Arc<Mailer>,
    /// Where shoppers reach the shop (`PUBLIC_URL`, no trailing `/`): the origin of links in mail.
    pub public_url: String,
}

impl Shop {
    /// Fails only if, on SQLite, the operating system refuses the checkout writer's thread.
    pub fn new(db: DatabaseConnection, auth: AuthSettings, low_stock_threshold: i32, mail: Mailer, public_url: String) -> std::io::Result<Self> {
        let gate = WriteGate::for_backend(db.get_database_backend());
        let sqlite_checkout = if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
            let path = db.get_sqlite_connection_pool().connect_options().get_filename().to_owned();
            Some(Arc::new(SqliteCheckoutWriter::start(path, gate.clone())?))
        } else {
            None
        };
        Ok(Shop {
            db,
            auth: Arc::new(auth),
            catalog: CatalogCache::default(),
            outbox_wake: Arc::new(Notify::new()),
            gate,
            sqlite_checkout,
            sessions: Arc::default(),
            low_stock_threshold,
            mail: Arc::new(mail),
            public_url,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.db.get_database_backend() == sea_orm::DbBackend::Sqlite
    }
}
