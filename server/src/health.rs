//! `/healthz` (the process answers), `/readyz` (database and broker reachable, consumer
//! fetching, notifications service placed on the log) and `/metrics`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;

use crate::startup::AppState;

pub async fn healthz() -> &'static str {
    "ok"
}

/// The consumer counts as running if it fetched within this many milliseconds.
const CONSUMER_FRESH_MS: i64 = 15_000;

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = backend::db::ping(state.shop.db()).await;
    let last_fetch = state.metrics.consumer_last_fetch_ms.load(Ordering::Relaxed);
    let consumer = last_fetch > 0 && backend::now_ms() - last_fetch < CONSUMER_FRESH_MS;
    // Before this, an event could be produced that the notifications or webhooks service, on its first
    // start, would not see (it begins at the offset it finds then).
    let notifier = state.metrics.notifier_ready.load(Ordering::Relaxed);
    let webhooks = state.metrics.webhooks_ready.load(Ordering::Relaxed);
    let body = serde_json::json!({ "database": database, "broker": consumer, "consumer": consumer, "notifications": notifier, "webhooks": webhooks });
    let status = if database && consumer && notifier && webhooks { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body))
}

/// `/metrics` is private: without `METRICS_TOKEN` it does not exist (404), and with it a
/// scraper must send `Authorization: Bearer <token>` (401 otherwise). A loopback-only rule would
/// make it public behind a reverse proxy on the same host, where every request comes from
/// 127.0.0.1.
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> axum::response::Response {
    let Some(token) = state.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let sent = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !sent.is_some_and(|sent| constant_time_eq(sent.as_bytes(), token.as_bytes())) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "metrics need METRICS_TOKEN").into_response();
    }
    let backlog = backend::outbox::backlog(&state.shop).await.ok();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render(backlog)).into_response()
}

/// Compares without stopping at the first difference (the token's bytes cannot be timed out).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_compare_whole() {
        assert!(super::constant_time_eq(b"secret-token", b"secret-token"));
        assert!(!super::constant_time_eq(b"secret-token", b"secret-tokem"));
        assert!(!super::constant_time_eq(b"secret", b"secret-token"));
    }
}
