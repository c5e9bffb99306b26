//! Connecting to the database (SQLite by default, PostgreSQL by `DATABASE_URL`) and migrating it.
//!
//! SQLite runs in WAL mode with a busy timeout; because SQLite has one writer at a time and a
//! deferred transaction that reads before it writes can fail instead of waiting, write
//! transactions on SQLite pass through a process-wide [`WriteGate`]. That is also why a SQLite
//! shop is one server instance: scale-out uses PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use tokio::sync::{Mutex, MutexGuard};

/// Serialises write transactions on SQLite; a no-op on PostgreSQL.
#[derive(Clone, Default)]
pub struct WriteGate(Option<Arc<Mutex<()>>>);

impl WriteGate {
    pub fn for_backend(backend: DbBackend) -> Self {
        match backend {
            DbBackend::Sqlite => WriteGate(Some(Arc::new(Mutex::new(())))),
            _ => WriteGate(None),
        }
    }

    pub async fn enter(&self) -> Option<MutexGuard<'_, ()>> {
        match &self.0 {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    /// [`enter`](Self::enter) for a thread outside the async runtime (the SQLite checkout
    /// writer's).
    pub fn blocking_enter(&self) -> Option<MutexGuard<'_, ()>> {
        self.0.as_ref().map(|m| m.blocking_lock())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL: unsupported scheme in \"{0}\" (use sqlite://… or postgres://…)")]
    Scheme(String),
    #[error("DATABASE_URL: cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("DATABASE_URL: migrating {url} failed: {reason}")]
    Migrate { url: String, reason: String },
}

/// Hides a password in a URL for log lines.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The settings of every SQLite connection, the pool's and the checkout writer's: WAL (a property
/// of the file, so readers never wait for the writer), commits synced at checkpoints rather than
/// each one (a power cut may lose the last commits, never corrupt the file), and foreign keys
/// enforced.
pub const SQLITE_PRAGMAS: [(&str, &str); 3] = [("journal_mode", "WAL"), ("synchronous", "NORMAL"), ("foreign_keys", "ON")];
/// How long a write that finds the database locked (by another process, say) waits before it fails.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects, applies pending migrations (which also seed the catalog) and returns the pool.
pub async fn connect_and_migrate(url: &str, max_connections: u32) -> Result<DatabaseConnection, ConnectError> {
    let shown = redact(url);
    let is_sqlite = url.starts_with("sqlite:");
    if !is_sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Err(ConnectError::Scheme(shown));
    }
    if is_sqlite {
        create_sqlite_parent_dir(url);
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if is_sqlite {
        opts.map_sqlx_sqlite_opts(|o| {
            SQLITE_PRAGMAS.into_iter().fold(o.busy_timeout(SQLITE_BUSY_TIMEOUT).create_if_missing(true), |o, (name, value)| o.pragma(name, value))
        });
    }
    let db = Database::connect(opts).await.map_err(|e| ConnectError::Connect { url: shown.clone(), reason: e.to_string() })?;
    // Prove the connection works before migrating, so the message says "connect".
    db.execute_unprepared("SELECT 1").await.map_err(|e| ConnectError::Connect { url: shown.clone(), reason: e.to_string() })?;
    Migrator::up(&db, None).await.map_err(|e| ConnectError::Migrate { url: shown, reason: e.to_string() })?;
    if is_sqlite {
        make_sqlite_files_private(&db);
    }
    Ok(db)
}

/// The database file and its WAL companions hold every account's hash and address: readable and
/// writable by the server's user only.
fn make_sqlite_files_private(db: &DatabaseConnection) {
    use std::os::unix::fs::PermissionsExt;
    let file = db.get_sqlite_connection_pool().connect_options().get_filename().to_owned();
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.clone().into_os_string();
        path.push(suffix);
        if let Err(e) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %std::path::Path::new(&path).display(), error = %e, "could not make the database file private");
            }
        }
    }
}

fn create_sqlite_parent_dir(url: &str) {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
}

/// Readiness probe: a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(super::redact("sqlite://data/shop.db"), "sqlite://data/shop.db");
    }
}
