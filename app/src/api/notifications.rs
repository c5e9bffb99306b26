//! A shopper's notifications (the bell, `/notifications`) and "Notify me" on a sold-out product.

use leptos::prelude::*;

use crate::error::AppError;
use domain::notification::NotificationView;

#[cfg(feature = "ssr")]
use super::{forms::flash, ssr};

/// The signed-in shopper's newest notifications and how many of theirs are unread.
#[server(prefix = "/api", endpoint = "notifications")]
pub async fn list_notifications() -> Result<(Vec<NotificationView>, u64), AppError> {
    let session = ssr::require_session().await?;
    Ok(backend::notifications::list(&ssr::shop()?, &session.user_id).await?)
}

/// How many of the signed-in shopper's notifications are unread (0 when nobody is signed in).
#[server(prefix = "/api", endpoint = "unread_notifications")]
pub async fn unread_notifications() -> Result<u64, AppError> {
    let Some(session) = ssr::session().await? else { return Ok(0) };
    Ok(backend::notifications::unread(&ssr::shop()?, &session.user_id).await?)
}

/// Marks one notification read, or all of them without `id`; answers with which (the id, or
/// None for all) and the unread count.
#[server(prefix = "/api", endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read(id: Option<String>) -> Result<(Option<String>, u64), AppError> {
    let session = ssr::require_session().await?;
    let id = id.filter(|i| !i.is_empty());
    let unread = backend::notifications::mark_read(&ssr::shop()?, &session.user_id, id.as_deref()).await?;
    ssr::plain_form_goes_to("/notifications");
    Ok((id, unread))
}

/// Whether the signed-in shopper asked to hear when `product_id` is back (None: signed out).
#[server(prefix = "/api", endpoint = "restock_watch")]
pub async fn restock_watch(product_id: String) -> Result<Option<bool>, AppError> {
    let Some(session) = ssr::session().await? else { return Ok(None) };
    Ok(Some(backend::notifications::is_watching(&ssr::shop()?, &session.user_id, &product_id).await?))
}

/// "Notify me" (`watch` true) on a sold-out product, or "never mind" (`watch` false).
#[server(prefix = "/api", endpoint = "set_restock_watch")]
pub async fn set_restock_watch(product_id: String, watch: bool) -> Result<bool, AppError> {
    let back = format!("/products/{}", super::account::urlencode(&product_id));
    let result = async {
        let session = ssr::require_session().await?;
        let shop = ssr::shop()?;
        if watch {
            backend::notifications::watch(&shop, &session.user_id, &product_id).await?;
        } else {
            backend::notifications::unwatch(&shop, &session.user_id, &product_id).await?;
        }
        Ok::<_, AppError>(watch)
    }
    .await;
    match result {
        Ok(watching) => {
            ssr::plain_form_goes_to(&back);
            Ok(watching)
        }
        Err(e) => Err(flash::fail("restock", e, &[], &back)),
    }
}
