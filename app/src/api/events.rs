//! The event browser (`/staff/events`): staff read the topic through the server's own reader.
//!
//! `app` says what it needs ([`EventLog`]) and `server`, which owns the Kafka clients, provides
//! it in the request context; the server function stays thin (parse, authorise, call).

use leptos::prelude::*;

use crate::error::AppError;
use domain::log_view::{LogPage, Rebuild};

#[cfg(feature = "ssr")]
pub use port::EventLog;

#[cfg(feature = "ssr")]
mod port {
    use std::future::Future;
    use std::pin::Pin;

    use domain::log_view::{LogPage, LogQuery, ReadError, Rebuild};

    /// Reads pages of the topic (the server's `event_log.rs`). Errors are for staff's eyes: a
    /// partition that does not exist, or what went wrong talking to the broker.
    pub trait EventLog: Send + Sync + 'static {
        fn page(&self, query: LogQuery) -> Pin<Box<dyn Future<Output = Result<LogPage, ReadError>> + Send + '_>>;
        /// Replays the whole topic (orders placed since `since_ms`, if given) into fresh figures
        /// and checks every order against the database (the audit of `server replay --verify`).
        fn rebuild(&self, since_ms: Option<i64>) -> Pin<Box<dyn Future<Output = Result<Rebuild, ReadError>> + Send + '_>>;
    }
}

/// Staff only: a page of the topic (see `domain::log_view::LogQuery::from_form` for the fields,
/// all optional, as the page's GET form sends them).
#[server(prefix = "/api", endpoint = "browse_events")]
pub async fn browse_events(
    partition: Option<String>,
    start: Option<String>,
    at: Option<String>,
    kind: Option<String>,
    subject: Option<String>,
    dir: Option<String>,
    cursor: Option<String>,
) -> Result<LogPage, AppError> {
    let session = super::ssr::require_session().await?;
    session.require_staff().map_err(AppError::from)?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let query = domain::log_view::LogQuery::from_form(&text(&partition), &text(&start), &text(&at), &text(&kind), &text(&subject), &text(&dir), &text(&cursor))
        .map_err(|m| AppError::from(backend::ShopError::Rejected(m)))?;
    log()?.page(query).await.map_err(unreadable)
}

/// Staff only: "Rebuild figures from the log" (`since`: only orders placed from then on, UTC,
/// as the browser's time field takes it).
#[server(prefix = "/api", endpoint = "rebuild_figures")]
pub async fn rebuild_figures(since: Option<String>) -> Result<Rebuild, AppError> {
    let session = super::ssr::require_session().await?;
    session.require_staff().map_err(AppError::from)?;
    let since_ms = match since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => match domain::log_view::LogQuery::from_form("", "time", text, "", "", "", "") {
            Ok(q) => match q.start {
                domain::log_view::LogStart::Time(ms) => Some(ms),
                _ => None,
            },
            Err(m) => return Err(AppError::from(backend::ShopError::Rejected(m))),
        },
    };
    log()?.rebuild(since_ms).await.map_err(unreadable)
}

#[cfg(feature = "ssr")]
fn log() -> Result<std::sync::Arc<dyn EventLog>, AppError> {
    use_context::<std::sync::Arc<dyn EventLog>>().ok_or_else(|| AppError::Internal("the event browser is missing from the context".into()))
}

#[cfg(feature = "ssr")]
fn unreadable(e: domain::log_view::ReadError) -> AppError {
    match e {
        domain::log_view::ReadError::NoSuchPartition(..) => AppError::from(backend::ShopError::Rejected(e.to_string())),
        domain::log_view::ReadError::Broker(_) => {
            tracing::warn!(error = %e, "event browser");
            if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(http::StatusCode::SERVICE_UNAVAILABLE);
            }
            AppError::Unavailable(e.to_string())
        }
    }
}
