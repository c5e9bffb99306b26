//! Every cookie the server sets or reads, in one place: names, paths, lifetimes and flags, built
//! and parsed by the `cookie` crate. (The browser writes the cart cookie itself too, with the
//! same attributes: `state::cart`.)
//!
//! - The session cookie holds a session token (`backend::sessions`): `HttpOnly`, `SameSite=Lax`,
//!   and over https (or in production) `Secure` with the `__Host-` prefix, which browsers refuse
//!   unless it is `Secure`, has `Path=/` and no `Domain` (no subdomain can plant or read it).
//! - The cart cookie is readable by the page (the WASM keeps it in step with local storage).
//! - Flash cookies carry a plain form's answer across its redirect: `HttpOnly`, short-lived,
//!   hex-encoded JSON.

use cookie::time::Duration;
use cookie::{Cookie, SameSite};

pub const SESSION: &str = "session";
pub const SECURE_SESSION: &str = "__Host-session";

/// One cookie of a request, if it carries it.
pub fn read(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The session token a request carries, if any (the `__Host-` cookie first).
pub fn session_token(headers: &http::HeaderMap) -> Option<String> {
    read(headers, SECURE_SESSION).or_else(|| read(headers, SESSION))
}

/// Whether the request came over https (directly or through a proxy that says so).
pub fn is_https(headers: &http::HeaderMap, uri: &http::Uri) -> bool {
    uri.scheme_str() == Some("https") || headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A new session's cookie; `secure` when served over https or in production.
pub fn session(token: &str, secure: bool) -> Cookie<'static> {
    let name = if secure { SECURE_SESSION } else { SESSION };
    Cookie::build((name, token.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(Duration::days(backend::sessions::SESSION_DAYS))
        .build()
}

/// The cookie that removes the session cookie.
pub fn clear_session(secure: bool) -> Cookie<'static> {
    let mut c = session("", secure);
    c.set_max_age(Duration::ZERO);
    c
}

/// The cart as `Cart::to_cookie` encodes it, kept for a year.
pub fn cart(encoded: String) -> Cookie<'static> {
    Cookie::build((crate::api::checkout::CART_COOKIE, encoded)).path("/").same_site(SameSite::Lax).max_age(Duration::days(365)).build()
}

/// A short-lived `HttpOnly` cookie carrying `value` (JSON) to the pages under `path`.
pub fn flash(name: &'static str, value: &[u8], path: &'static str, lifetime: Duration) -> Cookie<'static> {
    Cookie::build((name, hex::encode(value))).path(path).http_only(true).same_site(SameSite::Lax).max_age(lifetime).build()
}

/// The value of a flash cookie, decoded; None if it is not one we wrote.
pub fn read_flash(headers: &http::HeaderMap, name: &str) -> Option<Vec<u8>> {
    hex::decode(read(headers, name)?).ok()
}

/// The cookie that removes the flash cookie `name` of `path`.
pub fn clear_flash(name: &'static str, path: &'static str) -> Cookie<'static> {
    flash(name, b"", path, Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_cookie_and_prefers_the_secure_session() {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::COOKIE, "a=1; session=abc; b=2".parse().unwrap());
        assert_eq!(read(&h, "session").as_deref(), Some("abc"));
        assert_eq!(read(&h, "missing"), None);
        assert_eq!(session_token(&h).as_deref(), Some("abc"));
        h.insert(http::header::COOKIE, "session=plain; __Host-session=secure".parse().unwrap());
        assert_eq!(session_token(&h).as_deref(), Some("secure"));
    }

    #[test]
    fn session_cookies_carry_their_flags() {
        let c = session("tok", false).to_string();
        assert!(c.starts_with("session=tok;") && c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"), "{c}");
        let c = session("tok", true).to_string();
        assert!(c.starts_with("__Host-session=tok;") && c.contains("Path=/") && c.contains("Secure") && !c.contains("Domain"), "{c}");
        assert!(clear_session(false).to_string().contains("Max-Age=0"));
        assert!(clear_session(true).to_string().starts_with("__Host-session=;"));
    }

    #[test]
    fn a_flash_round_trips_and_a_forged_one_is_ignored() {
        let c = flash("flash", br#"{"form":"login"}"#, "/", Duration::seconds(60));
        assert!(c.to_string().contains("HttpOnly") && c.to_string().contains("Max-Age=60"));
        let mut h = http::HeaderMap::new();
        h.insert(http::header::COOKIE, format!("flash={}", c.value()).parse().unwrap());
        assert_eq!(read_flash(&h, "flash").as_deref(), Some(&br#"{"form":"login"}"#[..]));
        h.insert(http::header::COOKIE, "flash=zz".parse().unwrap());
        assert_eq!(read_flash(&h, "flash"), None);
    }
}
