//! Request-level defences that no handler should have to remember: same-origin checks for
//! anything that changes state (server-function POSTs and the `/ws` upgrade).
//!
//! The session cookie is `SameSite=Lax`, so a modern browser already leaves it off a cross-site
//! POST; checking `Origin` (and `Sec-Fetch-Site`) as well refuses such a request outright with a
//! clear 403 instead of letting it reach a server function as a signed-out call, and covers
//! browsers that ignore SameSite.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// An `Origin` header, when present, must name the host the request was sent to. A request
/// without one (curl, a server-side client, an old browser doing same-origin) passes unless the
/// browser says through `Sec-Fetch-Site` that it came from another site.
pub fn origin_allowed(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else { return false };
        let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
        return !host.is_empty() && origin_host.eq_ignore_ascii_case(host);
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => !site.eq_ignore_ascii_case("cross-site"),
        None => true,
    }
}

/// Refuses state-changing requests (anything but GET/HEAD/OPTIONS) from another origin.
pub async fn same_origin_writes(req: Request<Body>, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !origin_allowed(req.headers()) {
        tracing::info!(method = %req.method(), path = %req.uri().path(), "cross-origin write refused");
        return (StatusCode::FORBIDDEN, "cross-origin request refused").into_response();
    }
    next.run(req).await
}

/// `Strict-Transport-Security` on every answer to a request that came over https, and on every
/// answer at all with `APP_ENV=production` (a production shop is served over https, behind a
/// proxy that may not say so).
pub async fn strict_transport(production: bool, req: Request<Body>, next: Next) -> Response {
    let https = production || backend::auth::is_https(req.headers(), req.uri());
    let mut response = next.run(req).await;
    if https {
        response
            .headers_mut()
            .insert(header::STRICT_TRANSPORT_SECURITY, axum::http::HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn origin_must_match_host() {
        assert!(origin_allowed(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(origin_allowed(&headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")])));
        assert!(!origin_allowed(&headers(&[("host", "127.0.0.1:3000"), ("origin", "http://evil.example")])));
        assert!(!origin_allowed(&headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:4000")])));
        assert!(!origin_allowed(&headers(&[("host", "127.0.0.1:3000"), ("origin", "null")])));
        assert!(!origin_allowed(&headers(&[("origin", "http://127.0.0.1:3000")])), "no Host: nothing to match");
    }

    #[test]
    fn fetch_metadata_without_origin() {
        assert!(!origin_allowed(&headers(&[("host", "a"), ("sec-fetch-site", "cross-site")])));
        assert!(origin_allowed(&headers(&[("host", "a"), ("sec-fetch-site", "same-origin")])));
        assert!(origin_allowed(&headers(&[("host", "a"), ("sec-fetch-site", "none")])));
    }
}
