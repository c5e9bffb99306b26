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
        tracing::error!(error = %e, "database error");
        ShopError::Internal(e.to_string())
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
