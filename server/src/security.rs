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
    let https = production || app::api::cookies::is_https(req.headers(), req.uri());
    let mut response = next.run(req).await;
    if https {
        response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, axum::http::HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}

/// The nonce this response's inline scripts carry; the Leptos context gets it as its `Nonce`,
/// which puts it on every `<script>` the shell and Leptos itself write.
#[derive(Clone, Debug)]
pub struct CspNonce(pub std::sync::Arc<str>);

/// The Content-Security-Policy for a page whose inline scripts carry `nonce`: scripts only from
/// this origin or with the nonce (no `'unsafe-inline'`: an injected `<script>` does not run),
/// WASM compiled by the browser, connections (fetch, WebSocket) to this origin only.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

/// A fresh nonce per request (128 random bits), in the request's extensions for the page
/// renderer, and the policy naming it on the answer.
pub async fn csp_nonce(mut req: Request<Body>, next: Next) -> Response {
    let bytes: [u8; 16] = rand::random();
    let nonce = hex::encode(bytes);
    req.extensions_mut().insert(CspNonce(nonce.as_str().into()));
    let mut response = next.run(req).await;
    if let Ok(value) = axum::http::HeaderValue::from_str(&content_security_policy(&nonce)) {
        response.headers_mut().entry(header::CONTENT_SECURITY_POLICY).or_insert(value);
    }
    response
}

/// For the Leptos context of a page: the nonce `csp_nonce` chose for this request.
pub fn provide_csp_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(nonce) = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned()) {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
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
