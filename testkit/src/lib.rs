//! What the server's tests and the benchmark both need to drive a running shop from outside:
//! a browser with its own cookie jar ([`Shopper`]), readers for the live socket and the event
//! stream, free ports, scratch directories, fresh PostgreSQL databases and `/metrics`.
//!
//! It exists so that each of these is written once: the tests and the benchmark talk to the
//! shop the same way, and a change to the checkout form or the session cookie is made here.
//! Nothing here skips: a missing PostgreSQL fails with a message saying what to start.

use std::path::PathBuf;
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database};

pub mod cluster;
mod shopper;
mod stream;

pub use shopper::{ws_refusal, Reply, Shopper, Socket};
pub use stream::{EventStream, Received};

/// The maintenance database of the local PostgreSQL (trust authentication on loopback).
pub const PG_ADMIN_URL: &str = "postgres://root@127.0.0.1:5432/postgres";

/// Valid shipping details, as the checkout form sends them.
pub const SHIPPING: [(&str, &str); 7] = domain::fixtures::SHIPPING_FORM;

/// A port nobody listens on right now (the OS picks it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().unwrap().port()
}

/// A new, empty directory under the system's temporary directory.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shop-test-{tag}-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A new, empty PostgreSQL database; fails with a clear message if PostgreSQL is down.
pub async fn fresh_postgres() -> String {
    let admin = Database::connect(PG_ADMIN_URL)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL must run on 127.0.0.1:5432 for this test (scripts/test.sh starts it): {e}"));
    let name = format!("shop_test_{}", ulid::Ulid::new().to_string().to_lowercase());
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    format!("postgres://root@127.0.0.1:5432/{name}")
}

/// A new idempotency key, as the checkout page makes one per attempt.
pub fn new_key() -> String {
    ulid::Ulid::new().to_string()
}

/// A whole checkout form: [`SHIPPING`], the cart (`product:qty,…`) and the idempotency key.
pub fn checkout_form<'a>(cart: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut form = SHIPPING.to_vec();
    form.push(("cart", cart));
    form.push(("idempotency_key", key));
    form
}

/// The `name=value` of the session cookie a response sets (plain or `__Host-` prefixed), or
/// None when it sets none or clears it.
pub fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| cookie::Cookie::parse(v).ok())
        .find(|c| matches!(c.name(), "session" | "__Host-session"))
        .filter(|c| !c.value().is_empty())
        .map(|c| format!("{}={}", c.name(), c.value()))
}

/// `/metrics` of the shop at `base`, read as a scraper with `token` reads it.
pub async fn metrics(base: &str, token: &str) -> String {
    let r = reqwest::Client::new().get(format!("{base}/metrics")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200, "/metrics");
    r.text().await.unwrap()
}

/// Waits up to `wait` for `/metrics` to show `line` (a whole line, e.g. `shop_x_total 3`).
pub async fn wait_for_metric(base: &str, token: &str, line: &str, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let text = metrics(base, token).await;
        if text.lines().any(|l| l == line) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "/metrics never showed `{line}` within {wait:?}:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue, SET_COOKIE};

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(SET_COOKIE, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        let h = headers(&["theme=dark; Path=/", "__Host-session=abc123; Path=/; Secure; HttpOnly"]);
        assert_eq!(super::session_cookie(&h).as_deref(), Some("__Host-session=abc123"));
        assert_eq!(super::session_cookie(&headers(&["session=xyz; Path=/"])).as_deref(), Some("session=xyz"));
    }

    #[test]
    fn a_cleared_or_missing_session_is_none() {
        assert_eq!(super::session_cookie(&headers(&["session=; Max-Age=0"])), None);
        assert_eq!(super::session_cookie(&headers(&["sessionid=1"])), None);
        assert_eq!(super::session_cookie(&HeaderMap::new()), None);
    }
}
