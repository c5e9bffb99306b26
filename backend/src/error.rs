//! One error type for the core, mapped to HTTP statuses at the edge.

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
    #[error("internal error: {0}")]
    Internal(String),
}

impl ShopError {
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            ShopError::Invalid(_) | ShopError::Rejected(_) => S::UNPROCESSABLE_ENTITY,
            ShopError::Unauthenticated => S::UNAUTHORIZED,
            ShopError::Forbidden => S::FORBIDDEN,
            ShopError::NotFound => S::NOT_FOUND,
            ShopError::Conflict(_) => S::CONFLICT,
            ShopError::RateLimited(_) => S::TOO_MANY_REQUESTS,
            ShopError::Internal(_) => S::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        ShopError::Internal(e.to_string())
    }
}

impl From<sea_orm::DbErr> for ShopError {
    fn from(e: sea_orm::DbErr) -> Self {
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
