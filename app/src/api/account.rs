//! Sign-up, sign-in, sign-out and "who am I".

use leptos::prelude::*;

use crate::error::AppError;
use domain::views::UserView;

#[cfg(feature = "ssr")]
use super::{forms::flash, ssr};

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
    ssr::set_cookie(super::cookies::session(&token, ssr::is_https()));
    Ok(UserView { id: account.id.clone(), name: account.name.clone(), email: account.email.clone(), is_staff: account.role == backend::auth::Role::Staff })
}

#[server(prefix = "/api", endpoint = "register")]
pub async fn register(name: String, email: String, password: String, next: Option<String>) -> Result<UserView, AppError> {
    let shop = ssr::shop()?;
    match backend::accounts::register(&shop, &name, &email, &password).await {
        Ok(account) => {
            let user = start_session(&shop, &account).await?;
            tracing::info!(user_id = %user.id, "account created");
            ssr::plain_form_goes_to(&safe_next(next.as_deref()));
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
            ssr::plain_form_goes_to(&safe_next(next.as_deref()));
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
    ssr::set_cookie(super::cookies::clear_session(ssr::is_https()));
    ssr::plain_form_goes_to("/");
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
