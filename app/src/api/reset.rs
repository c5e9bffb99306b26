//! "Forgot your password?": asking for a reset link by e-mail, and setting a new password with it.

use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::{account::urlencode, forms::flash, ssr};

/// Mails a reset link if an account has this address. The answer is the same whether or not one
/// does, so the form tells nobody which addresses have accounts.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let shop = ssr::shop()?;
    match backend::resets::request(&shop, &email).await {
        Ok(()) => {
            ssr::plain_form_goes_to("/forgot?sent=1");
            Ok(())
        }
        Err(e) => Err(flash::fail("forgot", e.into(), &[("email", &email)], "/forgot")),
    }
}

/// Whether a reset link can still be used, so its page can say so before anyone types.
#[server(prefix = "/api", endpoint = "reset_link_usable")]
pub async fn reset_link_usable(token: String) -> Result<bool, AppError> {
    Ok(backend::resets::check(&ssr::shop()?, &token).await?)
}

/// Sets a new password through a reset link (once); every session of the account ends, and the
/// browser goes to the sign-in page.
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let shop = ssr::shop()?;
    match backend::resets::complete(&shop, &token, &password).await {
        Ok(_) => {
            ssr::set_cookie(super::cookies::clear_session(ssr::is_https()));
            ssr::plain_form_goes_to("/login?reset=1");
            Ok(())
        }
        Err(e) => Err(flash::fail("reset", e.into(), &[], &format!("/reset?token={}", urlencode(&token)))),
    }
}
