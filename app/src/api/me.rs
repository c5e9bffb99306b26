//! The signed-in account's own page (`/account`): name, password, notifications by e-mail, and
//! the sessions signed in.
//!
//! Every function works as a plain HTML form post (no WASM): success redirects back to
//! `/account?saved=…`, failure leaves a flash with the field errors and redirects back too.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::{forms::flash, ssr};

/// One signed-in session, as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_agent: String,
    pub ip: String,
    /// The session this page was loaded with.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub name: String,
    pub email: String,
    pub is_staff: bool,
    /// Notifications go out by e-mail too.
    pub email_notifications: bool,
    pub sessions: Vec<SessionRow>,
}

/// `None` when signed out (the page sends the visitor to sign in).
#[server(prefix = "/api", endpoint = "my_account")]
pub async fn my_account() -> Result<Option<AccountSettings>, AppError> {
    let Some(session) = ssr::session().await? else { return Ok(None) };
    let shop = ssr::shop()?;
    let Some(account) = backend::accounts::find(&shop, &session.user_id).await? else { return Ok(None) };
    let sessions = backend::sessions::list(&shop, &session.user_id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: s.id == session.id,
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            user_agent: s.user_agent,
            ip: s.ip,
        })
        .collect();
    Ok(Some(AccountSettings {
        name: account.name,
        email: account.email,
        is_staff: session.is_staff(),
        email_notifications: account.email_notifications,
        sessions,
    }))
}

#[cfg(feature = "ssr")]
fn saved(what: &str) {
    ssr::plain_form_goes_to(&format!("/account?saved={what}"));
}

#[server(prefix = "/api", endpoint = "rename")]
pub async fn rename(name: String) -> Result<(), AppError> {
    let session = ssr::require_session().await?;
    match backend::accounts::rename(&ssr::shop()?, &session.user_id, &name).await {
        Ok(_) => {
            saved("name");
            Ok(())
        }
        Err(e) => Err(flash::fail("rename", e.into(), &[("name", &name)], "/account")),
    }
}

/// Changes the password; every other session of the account ends.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    let session = ssr::require_session().await?;
    match backend::accounts::change_password(&ssr::shop()?, &session.user_id, &current_password, &new_password, &session.id).await {
        Ok(()) => {
            tracing::info!(user_id = %session.user_id, "password changed; other sessions ended");
            saved("password");
            Ok(())
        }
        Err(e) => Err(flash::fail("password", e.into(), &[], "/account")),
    }
}

/// Whether notifications go out by e-mail too. A plain form's checkbox is sent only when ticked:
/// no `email_notifications` field means off.
#[server(prefix = "/api", endpoint = "set_email_notifications")]
pub async fn set_email_notifications(email_notifications: Option<String>) -> Result<bool, AppError> {
    let session = ssr::require_session().await?;
    let on = email_notifications.is_some_and(|v| v != "false");
    backend::notifications::set_email(&ssr::shop()?, &session.user_id, on).await?;
    saved("notifications");
    Ok(on)
}

/// Signs out one of the account's own sessions (another device).
#[server(prefix = "/api", endpoint = "end_session")]
pub async fn end_session(id: String) -> Result<(), AppError> {
    let session = ssr::require_session().await?;
    if !backend::sessions::end_own(&ssr::shop()?, &session.user_id, &id).await? {
        return Err(AppError::NotFound);
    }
    saved("sessions");
    Ok(())
}

/// Ends every session of the account, this one included.
#[server(prefix = "/api", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let session = ssr::require_session().await?;
    let ended = backend::sessions::end_all(&ssr::shop()?, &session.user_id, None).await?;
    tracing::info!(user_id = %session.user_id, ended, "signed out everywhere");
    ssr::set_cookie(super::cookies::clear_session(ssr::is_https()));
    ssr::plain_form_goes_to("/login");
    Ok(())
}
