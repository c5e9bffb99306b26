//! [`Shop`]: the handle to everything the core needs, cloned into every request. Its parts are
//! the core's own; the web layer and the tests get what they need through its methods.

use std::sync::{Arc, Mutex};

use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::Notify;

use crate::auth::AuthSettings;
use crate::catalog::CatalogCache;
use crate::checkout::SqliteCheckoutWriter;
use crate::db::WriteGate;
use crate::mail::Mailer;
use crate::sessions::SessionCache;
use domain::figures::Figures;

#[derive(Clone)]
pub struct Shop {
    pub(crate) db: DatabaseConnection,
    pub(crate) auth: Arc<AuthSettings>,
    pub(crate) catalog: CatalogCache,
    /// Woken after every commit that wrote an outbox row, so the relay publishes at once.
    pub(crate) outbox_wake: Arc<Notify>,
    pub(crate) gate: WriteGate,
    /// On SQLite, the thread that writes checkouts (`checkout/sqlite.rs`); `None` on PostgreSQL.
    pub(crate) sqlite_checkout: Option<Arc<SqliteCheckoutWriter>>,
    /// Sessions looked up in the last two seconds (`sessions.rs`).
    pub(crate) sessions: Arc<SessionCache>,
    /// Products with less stock than this count as "low stock" for staff.
    pub(crate) low_stock_threshold: i32,
    /// Sends the shop's e-mail (`mail.rs`).
    pub(crate) mail: Arc<Mailer>,
    /// Where shoppers reach the shop (`PUBLIC_URL`, no trailing `/`): the origin of links in mail.
    pub(crate) public_url: String,
    /// Today's figures for the staff dashboard, moved by every event (`staff.rs`).
    pub(crate) figures: Arc<Mutex<Figures>>,
    /// Whether webhooks may reach loopback and private addresses (development only).
    pub(crate) private_webhook_targets: bool,
    /// Woken when a webhook delivery is due now (`webhooks`).
    pub(crate) webhook_wake: Arc<Notify>,
    /// Where uploaded product pictures are written (`catalog/images.rs`).
    pub(crate) media_dir: std::path::PathBuf,
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
            figures: Arc::new(Mutex::new(Figures::new(crate::now_ms()))),
            private_webhook_targets: false,
            webhook_wake: Arc::new(Notify::new()),
            media_dir: std::path::PathBuf::from("data/media"),
        })
    }

    /// Lets webhooks reach loopback and private addresses (`WEBHOOK_PRIVATE_TARGETS`,
    /// development only); without it they reach public addresses only.
    pub fn allow_private_webhook_targets(mut self, allow: bool) -> Self {
        self.private_webhook_targets = allow;
        self
    }

    /// Where uploaded product pictures are written and served from (`DATA_DIR/media`).
    pub fn with_media_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.media_dir = dir;
        self
    }

    pub fn media_dir(&self) -> &std::path::Path {
        &self.media_dir
    }

    /// Whether webhooks may reach private addresses (the sender checks every connection).
    pub fn private_webhook_targets(&self) -> bool {
        self.private_webhook_targets
    }

    /// Woken when a webhook delivery became due (a new one, or a dead letter sent again).
    pub fn webhook_due(&self) -> &Notify {
        &self.webhook_wake
    }

    /// The database, for what is not the core's business: health checks and tests.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The cached catalog; an instance that learns of a stock change elsewhere invalidates it.
    pub fn catalog(&self) -> &CatalogCache {
        &self.catalog
    }

    /// Notified after every commit that wrote an outbox row (the relay waits on it).
    pub fn outbox_written(&self) -> &Notify {
        &self.outbox_wake
    }

    /// Whether session cookies are `Secure` on every request (production), not only on https ones.
    pub fn secure_cookies(&self) -> bool {
        self.auth.secure_cookies
    }

    pub fn is_sqlite(&self) -> bool {
        self.db.get_database_backend() == sea_orm::DbBackend::Sqlite
    }
}
