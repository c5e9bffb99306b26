//! The error type of every server function: field-level validation errors travel to the page
//! intact, and on the server each variant sets the HTTP status (403, 404, 422, …).

use std::collections::BTreeMap;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    /// Field name → message.
    Invalid(BTreeMap<String, String>),
    Rejected(String),
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict(String),
    RateLimited(String),
    /// Something the shop relies on (the broker) cannot be reached; the message says what.
    Unavailable(String),
    Internal(String),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Invalid(fields) if fields.len() == 1 => f.write_str(fields.values().next().map(String::as_str).unwrap_or_default()),
            AppError::Invalid(_) => f.write_str("Please correct the highlighted fields."),
            AppError::Rejected(m) | AppError::Conflict(m) | AppError::Unavailable(m) => f.write_str(m),
            AppError::RateLimited(m) => write!(f, "Too many attempts. {m}"),
            AppError::Unauthenticated => f.write_str("Sign in to continue."),
            AppError::Forbidden => f.write_str("You are not allowed to do that."),
            AppError::NotFound => f.write_str("Not found."),
            AppError::Internal(_) => f.write_str("Something went wrong on our side. Please try again."),
        }
    }
}

impl std::error::Error for AppError {}

impl AppError {
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid(fields) => fields.get(name).cloned(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        if matches!(value, ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_)) {
            // A malformed request is the client's fault: 400, not 500.
            if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(http::StatusCode::BAD_REQUEST);
            }
        }
        // The framework's words (field names, parser messages) stay in the server's log.
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                #[cfg(feature = "ssr")]
                tracing::info!(error = %m, "malformed server-function request");
                let _ = m;
                AppError::Rejected("Malformed request.".into())
            }
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server-function failure");
                let _ = other;
                AppError::Internal(String::new())
            }
        }
    }
}

/// The HTTP status a core error is answered with.
#[cfg(feature = "ssr")]
pub fn status_of(e: &backend::ShopError) -> http::StatusCode {
    use backend::ShopError as E;
    use http::StatusCode as S;
    match e {
        E::Invalid(_) | E::Rejected(_) => S::UNPROCESSABLE_ENTITY,
        E::Unauthenticated => S::UNAUTHORIZED,
        E::Forbidden => S::FORBIDDEN,
        E::NotFound => S::NOT_FOUND,
        E::Conflict(_) | E::Duplicate(_) => S::CONFLICT,
        E::RateLimited(_) => S::TOO_MANY_REQUESTS,
        E::Unavailable => S::SERVICE_UNAVAILABLE,
        E::Internal(_) => S::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(feature = "ssr")]
impl From<backend::ShopError> for AppError {
    fn from(e: backend::ShopError) -> Self {
        use backend::ShopError as S;
        // Set the HTTP status of the response this error ends up in.
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            opts.set_status(status_of(&e));
        }
        match e {
            S::Invalid(f) => AppError::Invalid(f.0),
            S::Rejected(m) => AppError::Rejected(m),
            S::Unauthenticated => AppError::Unauthenticated,
            S::Forbidden => AppError::Forbidden,
            S::NotFound => AppError::NotFound,
            S::Conflict(m) => AppError::Conflict(m),
            S::RateLimited(m) => AppError::RateLimited(m),
            // The callers that expect one turn it into their own answer; one that reaches here
            // was not expected, and its database text stays in the log.
            S::Duplicate(m) => {
                tracing::warn!(error = %m, "unexpected duplicate in a server function");
                AppError::Conflict("That was already done.".into())
            }
            S::Unavailable => AppError::Unavailable(S::Unavailable.to_string()),
            S::Internal(m) => {
                tracing::error!(error = %m, "internal error in a server function");
                AppError::Internal(String::new())
            }
        }
    }
}
