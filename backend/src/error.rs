//! One error type for the core. The web layer maps it to HTTP statuses (`app::error`).

use domain::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// Input that failed validation, with a message per field.
    #[error("Please correct the highlighted fields.")]
    Invalid(FieldErrors),
    /// A request that cannot be carried out as asked (e.g. not enough stock).
    #[error("{0}")]
    Rejected(String),
    #[error("Sign in to continue.")]
    Unauthenticated,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    /// Optimistic concurrency: someone else changed the row first.
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. {0}")]
    RateLimited(String),
    /// A unique index refused a row (the same form twice, an email already taken), told apart by
    /// each driver's error code; the caller says what it means to the user.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// The database cannot be reached (down, restarting): nothing was written, and the same
    /// request (with the same idempotency key, for a checkout) may be sent again.
    #[error("The shop cannot reach its database right now, and nothing was saved. Please try again in a moment.")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

impl ShopError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ShopError::Internal(e.to_string())
    }
}

impl From<sea_orm::DbErr> for ShopError {
    fn from(e: sea_orm::DbErr) -> Self {
        if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) {
            return ShopError::Duplicate(e.to_string());
        }
        if is_unreachable(&e) {
            tracing::warn!(error = %e, "database unreachable");
            return ShopError::Unavailable;
        }
        tracing::error!(error = %e, "database error");
        ShopError::Internal(e.to_string())
    }
}

/// Whether an error says the database could not be reached, rather than that it refused the
/// statement: no connection to be had, a connection that broke, or PostgreSQL shutting down or
/// starting up (SQLSTATE class 08, and 57P01–57P03).
fn is_unreachable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as E;
    use sea_orm::{DbErr, RuntimeErr};
    let inner = match e {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(s)) | DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => s,
        _ => return false,
    };
    match inner {
        E::Io(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Tls(_) => true,
        E::Database(db) => db.code().is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

impl From<sea_orm::TransactionError<ShopError>> for ShopError {
    fn from(e: sea_orm::TransactionError<ShopError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner,
        }
    }
}
