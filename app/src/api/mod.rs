//! Server functions, grouped by what they serve. Each reads the user from the session cookie
//! itself; nothing user-related is ever taken from the request body.

pub mod account;
pub mod catalog;
pub mod checkout;
#[cfg(feature = "ssr")]
pub mod cookies;
#[allow(clippy::too_many_arguments)]
pub mod events;
pub mod forms;
pub mod me;
pub mod notifications;
pub mod orders;
pub mod reset;
pub mod staff_catalog;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub mod ssr {
    //! Server-side helpers for the server functions.
    use backend::auth::Session;
    use backend::{Shop, ShopError};
    use leptos::prelude::*;

    use super::cookies;
    use crate::error::AppError;

    pub fn shop() -> Result<Shop, AppError> {
        use_context::<Shop>().ok_or_else(|| AppError::Internal("shop state missing from context".into()))
    }

    pub fn request_parts() -> Option<http::request::Parts> {
        use_context::<http::request::Parts>()
    }

    /// The signed-in user: a live session in the database for the request's cookie, with the
    /// account's role as it is now.
    pub async fn session() -> Result<Option<Session>, AppError> {
        let Some(token) = request_parts().and_then(|p| cookies::session_token(&p.headers)) else { return Ok(None) };
        Ok(backend::sessions::current(&shop()?, &token).await?)
    }

    pub async fn require_session() -> Result<Session, AppError> {
        session().await?.ok_or_else(|| ShopError::Unauthenticated.into())
    }

    /// The client's address as the listener saw it (the peer of the TCP connection).
    pub fn client_ip() -> String {
        request_parts().and_then(|p| p.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string())).unwrap_or_default()
    }

    pub fn user_agent() -> String {
        request_parts().and_then(|p| p.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned)).unwrap_or_default()
    }

    /// Whether cookies must be `Secure`: the request came over https, or the shop runs in
    /// production.
    pub fn is_https() -> bool {
        use_context::<Shop>().is_some_and(|s| s.secure_cookies()) || request_parts().is_some_and(|p| cookies::is_https(&p.headers, &p.uri))
    }

    /// True when a plain HTML form posted here (no WASM): answer with a redirect, not data.
    pub fn is_plain_form_post() -> bool {
        request_parts().and_then(|p| p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html"))).unwrap_or(false)
    }

    /// The success half of the no-WASM form protocol: a plain HTML form that succeeded is
    /// redirected to `to` (a WASM caller gets the data instead). The failure half is
    /// `forms::flash::fail`, which remembers the error and the values for the form's page.
    pub fn plain_form_goes_to(to: &str) {
        if is_plain_form_post() {
            leptos_axum::redirect(to);
        }
    }

    pub fn set_cookie(cookie: cookie::Cookie<'_>) {
        if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(v) = http::HeaderValue::from_str(&cookie.to_string()) {
                opts.append_header(http::header::SET_COOKIE, v);
            }
        }
    }

    /// A flash cookie of the request, decoded.
    pub fn flash_cookie(name: &str) -> Option<Vec<u8>> {
        cookies::read_flash(&request_parts()?.headers, name)
    }

    pub fn cookie(name: &str) -> Option<String> {
        cookies::read(&request_parts()?.headers, name)
    }
}
