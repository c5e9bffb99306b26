//! Staff run the shop's webhooks: register a URL, pause, resume, remove, send dead letters
//! again. Thin: parse, authorise (the backend refuses non-staff with 403), call
//! `backend::webhooks`, and answer a plain form with a redirect back to `/staff/webhooks`
//! (`?saved=…`, or a flash with the errors and the values typed).

use leptos::prelude::*;

use crate::error::AppError;
use domain::webhook::{WebhookPage, WebhookView};

#[cfg(feature = "ssr")]
use super::{forms::flash, ssr};

#[cfg(feature = "ssr")]
const PAGE: &str = "/staff/webhooks";

/// Everything `/staff/webhooks` shows.
#[server(prefix = "/api", endpoint = "staff_webhooks")]
pub async fn staff_webhooks() -> Result<WebhookPage, AppError> {
    let session = ssr::require_session().await?;
    Ok(backend::webhooks::page(&ssr::shop()?, &session).await?)
}

#[server(prefix = "/api", endpoint = "register_webhook")]
pub async fn register_webhook(url: String, events: String, description: String) -> Result<WebhookView, AppError> {
    let session = ssr::require_session().await?;
    match backend::webhooks::register(&ssr::shop()?, &session, &url, &events, &description).await {
        Ok(hook) => {
            ssr::plain_form_goes_to(&format!("{PAGE}?saved=registered"));
            Ok(hook)
        }
        Err(e) => Err(flash::fail("webhook", e.into(), &[("url", &url), ("events", &events), ("description", &description)], PAGE)),
    }
}

/// Pauses (`active` = "false") or resumes a webhook.
#[server(prefix = "/api", endpoint = "set_webhook_active")]
pub async fn set_webhook_active(id: String, active: String) -> Result<(), AppError> {
    let session = ssr::require_session().await?;
    let active = active == "true";
    let result = backend::webhooks::set_active(&ssr::shop()?, &session, &id, active).await;
    finish(result, if active { "resumed" } else { "paused" })
}

#[server(prefix = "/api", endpoint = "remove_webhook")]
pub async fn remove_webhook(id: String) -> Result<(), AppError> {
    let session = ssr::require_session().await?;
    let result = backend::webhooks::remove(&ssr::shop()?, &session, &id).await;
    finish(result, "removed")
}

/// Sends dead letters again: one (`delivery`), or all of a webhook's (`webhook`). Returns how
/// many were queued.
#[server(prefix = "/api", endpoint = "retry_webhook_deliveries")]
pub async fn retry_webhook_deliveries(delivery: Option<String>, webhook: Option<String>) -> Result<u64, AppError> {
    let session = ssr::require_session().await?;
    let nonempty = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let result = backend::webhooks::retry(&ssr::shop()?, &session, nonempty(&delivery).as_deref(), nonempty(&webhook).as_deref()).await;
    match result {
        Ok(n) => {
            ssr::plain_form_goes_to(&format!("{PAGE}?saved=retried&n={n}"));
            Ok(n)
        }
        Err(e) => Err(flash::fail("webhook_action", e.into(), &[], PAGE)),
    }
}

/// The no-WASM protocol for the page's buttons.
#[cfg(feature = "ssr")]
fn finish(result: Result<(), backend::ShopError>, saved: &str) -> Result<(), AppError> {
    match result {
        Ok(()) => {
            ssr::plain_form_goes_to(&format!("{PAGE}?saved={saved}"));
            Ok(())
        }
        Err(e) => Err(flash::fail("webhook_action", e.into(), &[], PAGE)),
    }
}
