//! Sign-up, sign-in, sign-out and "who am I".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use domain::views::UserView;

#[cfg(feature = "ssr")]
use super::ssr;

/// A message left for the next page when a plain HTML form (no WASM) failed, so that page can
/// show the errors beside the fields and refill them. Lives one minute in an HttpOnly cookie.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub form: String,
    pub error: Option<AppError>,
    pub values: std::collections::BTreeMap<String, String>,
}

#[cfg(feature = "ssr")]
pub mod flash {
    use super::Flash;
    use crate::api::ssr;
    use crate::error::AppError;

    const COOKIE: &str = "flash";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(s: &str) -> Option<Vec<u8>> {
        (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
    }

    /// For plain form posts: remember the error and values, and send the browser back.
    pub fn fail(form: &str, error: AppError, values: &[(&str, &str)], back_to: &str) -> AppError {
        if ssr::is_plain_form_post() {
            let flash = Flash {
                form: form.to_owned(),
                error: Some(error.clone()),
                values: values.iter().map(|(k, v)| ((*k).to_owned(), v.chars().take(200).collect())).collect(),
            };
            let json = serde_json::to_vec(&flash).unwrap_or_default();
            ssr::set_cookie(format!("{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60", hex(&json)));
            leptos_axum::redirect(back_to);
        }
        error
    }

    /// Reads and clears the flash for `form`.
    pub fn take(form: &str) -> Option<Flash> {
        let raw = ssr::cookie(COOKIE)?;
        let flash: Flash = serde_json::from_slice(&unhex(&raw)?).ok()?;
        if flash.form != form {
            return None;
        }
        ssr::set_cookie(format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
        Some(flash)
    }
}

/// The flash left for `form` by a failed plain form post, if any.
#[server(prefix = "/api", endpoint = "take_flash")]
pub async fn take_flash(form: String) -> Result<Option<Flash>, AppError> {
    Ok(flash::take(&form))
}

/// Only same-site paths are allowed as `next`: one `/`, then printable ASCII without spaces or
/// backslashes. Browsers drop tabs and newlines from a URL and read `\\` as `/`, so `/\t/evil`
/// or `/\\evil` would become `//evil` there: anything but plain path characters is refused, and
/// so is non-ASCII (percent-encoded paths stay allowed).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') && !n.contains("://") => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[server(prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    let Some(session) = ssr::session().await? else { return Ok(None) };
    let shop = ssr::shop()?;
    Ok(backend::accounts::find(&shop, &session.user_id).await?.map(|a| UserView { id: a.id, name: a.name, email: a.email, is_staff: session.is_staff() }))
}

#[cfg(feature = "ssr")]
async fn start_session(shop: &backend::Shop, account: &backend::accounts::Account) -> Result<UserView, AppError> {
    let token = backend::sessions::start(shop, &account.id, &ssr::user_agent(), &ssr::client_ip()).await?;
    ssr::set_cookie(backend::auth::session_cookie(&token, ssr::is_https()));
    Ok(UserView { id: account.id.clone(), name: account.name.clone(), email: account.email.clone(), is_staff: account.role == backend::auth::Role::Staff })
}

#[server(prefix = "/api", endpoint = "register")]
pub async fn register(name: String, email: String, password: String, next: Option<String>) -> Result<UserView, AppError> {
    let shop = ssr::shop()?;
    match backend::accounts::register(&shop, &name, &email, &password).await {
        Ok(account) => {
            let user = start_session(&shop, &account).await?;
            tracing::info!(user_id = %user.id, "account created");
            if ssr::is_plain_form_post() {
                leptos_axum::redirect(&safe_next(next.as_deref()));
            }
            Ok(user)
        }
        Err(e) => {
            let back = format!("/register?next={}", urlencode(&safe_next(next.as_deref())));
            Err(flash::fail("register", e.into(), &[("name", &name), ("email", &email)], &back))
        }
    }
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<UserView, AppError> {
    let shop = ssr::shop()?;
    match backend::accounts::login(&shop, &email, &password, &ssr::client_ip()).await {
        Ok(account) => {
            let user = start_session(&shop, &account).await?;
            if ssr::is_plain_form_post() {
                leptos_axum::redirect(&safe_next(next.as_deref()));
            }
            Ok(user)
        }
        Err(e) => {
            let back = format!("/login?next={}", urlencode(&safe_next(next.as_deref())));
            Err(flash::fail("login", e.into(), &[("email", &email)], &back))
        }
    }
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    // The session ends in the database: the token is refused from now on, everywhere, and its
    // sockets close within a second or two (the server's session watcher).
    if let Some(session) = ssr::session().await? {
        backend::sessions::end(&ssr::shop()?, &session.id).await?;
    }
    ssr::set_cookie(backend::auth::clear_session_cookie(ssr::is_https()));
    if ssr::is_plain_form_post() {
        leptos_axum::redirect("/");
    }
    Ok(())
}

/// Percent-encodes a string for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_must_stay_on_site() {
        assert_eq!(super::safe_next(Some("/orders?status=PENDING")), "/orders?status=PENDING");
        assert_eq!(super::safe_next(Some("//evil.example")), "/");
        assert_eq!(super::safe_next(Some("https://evil.example")), "/");
        assert_eq!(super::safe_next(Some("/\\evil")), "/");
        assert_eq!(super::safe_next(None), "/");
        assert_eq!(super::safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(super::safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(super::safe_next(Some("/ /evil.example")), "/");
        assert_eq!(super::safe_next(Some("/caf\u{e9}")), "/");
        assert_eq!(super::safe_next(Some("/\u{3000}/evil")), "/");
        assert_eq!(super::safe_next(Some("/orders/01J%20x")), "/orders/01J%20x");
        assert_eq!(super::urlencode("/orders?a=b c"), "/orders%3Fa%3Db%20c");
    }
}
