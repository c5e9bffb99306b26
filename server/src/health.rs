//! `/healthz` (the process answers), `/readyz` (database and broker reachable, consumer
//! fetching) and `/metrics`.

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
    let database = backend::db::ping(&state.shop.db).await;
    let last_fetch = state.metrics.consumer_last_fetch_ms.load(Ordering::Relaxed);
    let consumer = last_fetch > 0 && backend::now_ms() - last_fetch < CONSUMER_FRESH_MS;
    let body = serde_json::json!({ "database": database, "broker": consumer, "consumer": consumer });
    let status = if database && consumer { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body))
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let backlog = backend::outbox::backlog(&state.shop).await.ok();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render(backlog))
}
