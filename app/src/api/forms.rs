//! The no-WASM form protocol. Every form is a plain HTML form that also works without WASM:
//! it posts to its server function, which answers a plain post with a redirect instead of data.
//! On success it goes on (`ssr::plain_form_goes_to`); on failure it goes back to the form's
//! page with a flash (the error and the values typed), which that page reads and clears.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

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
    use crate::api::{cookies, ssr};
    use crate::error::AppError;

    const COOKIE: &str = "flash";

    /// For plain form posts: remember the error and values, and send the browser back.
    pub fn fail(form: &str, error: AppError, values: &[(&str, &str)], back_to: &str) -> AppError {
        if ssr::is_plain_form_post() {
            let flash = Flash {
                form: form.to_owned(),
                error: Some(error.clone()),
                values: values.iter().map(|(k, v)| ((*k).to_owned(), v.chars().take(200).collect())).collect(),
            };
            let json = serde_json::to_vec(&flash).unwrap_or_default();
            ssr::set_cookie(cookies::flash(COOKIE, &json, "/", cookie::time::Duration::seconds(60)));
            leptos_axum::redirect(back_to);
        }
        error
    }

    /// The `Set-Cookie` value of a flash for a form handled outside a server function (the
    /// picture upload, `server/src/media.rs`).
    pub fn cookie_for(form: &str, error: AppError) -> String {
        let flash = Flash { form: form.to_owned(), error: Some(error), values: Default::default() };
        let json = serde_json::to_vec(&flash).unwrap_or_default();
        cookies::flash(COOKIE, &json, "/", cookie::time::Duration::seconds(60)).to_string()
    }

    /// Reads and clears the flash for `form`.
    pub fn take(form: &str) -> Option<Flash> {
        let flash: Flash = serde_json::from_slice(&ssr::flash_cookie(COOKIE)?).ok()?;
        if flash.form != form {
            return None;
        }
        ssr::set_cookie(cookies::clear_flash(COOKIE, "/"));
        Some(flash)
    }
}

/// The flash left for `form` by a failed plain form post, if any.
#[server(prefix = "/api", endpoint = "take_flash")]
pub async fn take_flash(form: String) -> Result<Option<Flash>, AppError> {
    Ok(flash::take(&form))
}
