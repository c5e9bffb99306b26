//! The shop's server-side core.
//!
//! Server functions in `app` and the axum binary in `server` both call into this crate; it
//! knows nothing of HTTP (cookies, status codes, routing and rendering are `app`'s). Domain rules
//! (pricing, validation, lifecycle) come from the `domain` crate; this crate applies them inside
//! database transactions.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod checkout;
pub mod db;
pub mod entities;
pub mod error;
pub mod mail;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod passwords;
pub mod positions;
pub mod resets;
pub mod sessions;
pub mod shop;
pub mod staff;
pub mod webhooks;

pub use error::ShopError;
pub use shop::Shop;

/// Milliseconds since the Unix epoch: how every timestamp is stored.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// RFC 3339 text for a stored millisecond timestamp.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A new sortable id (ULID, 26 characters).
pub fn new_id() -> String {
    ulid::Ulid::new().to_string()
}

/// Ids that sort in the order they were made, within one millisecond too (a plain ULID's random
/// part does not): lists show the newest first by id.
pub(crate) fn ordered_id() -> String {
    static IDS: std::sync::Mutex<ulid::Generator> = std::sync::Mutex::new(ulid::Generator::new());
    let next = IDS.lock().expect("id generator lock").generate();
    next.unwrap_or_else(|_| ulid::Ulid::new()).to_string()
}
