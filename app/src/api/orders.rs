//! Orders: the viewer's list, one order, status changes, and staff figures.

use leptos::prelude::*;

use crate::error::AppError;
use domain::views::{OrderDetail, OrderPage, OrderSummary};
use domain::OrderStatus;

#[cfg(feature = "ssr")]
use super::{forms::flash, ssr};

/// The signed-in shopper's orders (or, for staff with `all`, everyone's), newest first.
#[server(prefix = "/api", endpoint = "orders")]
pub async fn list_orders(status: Option<String>, page: Option<u64>, all: Option<bool>) -> Result<OrderPage, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    let status = match status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<OrderStatus>().map_err(|m| AppError::from(backend::ShopError::Rejected(m)))?),
        None => None,
    };
    Ok(backend::orders::list(&shop, &session, all.unwrap_or(false), status, page.unwrap_or(1)).await?)
}

/// Count per status of the viewer's orders (kept current on `/orders` as events arrive).
#[server(prefix = "/api", endpoint = "order_counts")]
pub async fn order_counts() -> Result<Vec<(OrderStatus, u64)>, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    Ok(backend::orders::counts(&shop, &session, false).await?)
}

/// One order with its items, shipping details and status timeline.
#[server(prefix = "/api", endpoint = "order")]
pub async fn get_order(id: String) -> Result<OrderDetail, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    Ok(backend::orders::detail(&shop, &session, &id).await?)
}

/// One order as lists show it (an order page refetches it after a resync).
#[server(prefix = "/api", endpoint = "order_summary")]
pub async fn get_order_summary(id: String) -> Result<OrderSummary, AppError> {
    let session = ssr::require_session().await?;
    Ok(backend::orders::summary(&ssr::shop()?, &session, &id).await?)
}

/// One order's timeline, as the viewer may see it.
#[server(prefix = "/api", endpoint = "order_timeline")]
pub async fn order_timeline(id: String) -> Result<Vec<domain::timeline::TimelineEntry>, AppError> {
    let session = ssr::require_session().await?;
    Ok(backend::orders::timeline_of(&ssr::shop()?, &session, &id).await?)
}

/// Moves an order to `status`, if allowed and nobody changed it since `version`, with the
/// actor's `reason` (staff cancelling must give one). A plain form that fails goes back to the
/// order with the error ("order" flash).
#[server(prefix = "/api", endpoint = "change_status")]
pub async fn change_status(id: String, status: String, version: i64, reason: Option<String>) -> Result<OrderSummary, AppError> {
    let back = format!("/orders/{}", super::account::urlencode(&id));
    let result = async {
        let session = ssr::require_session().await?;
        let shop = ssr::shop()?;
        let to: OrderStatus = status.parse().map_err(|m| AppError::from(backend::ShopError::Rejected(m)))?;
        Ok::<_, AppError>(
            backend::orders::change_status(&shop, &session, &id, backend::orders::StatusChange { to, expected_version: version, reason: reason.as_deref() })
                .await?,
        )
    }
    .await;
    match result {
        Ok(summary) => {
            ssr::plain_form_goes_to(&back);
            Ok(summary)
        }
        Err(e) => Err(flash::fail("order", e, &[("reason", reason.as_deref().unwrap_or_default())], &back)),
    }
}

/// Staff only: an internal note on an order (never shown to the shopper).
#[server(prefix = "/api", endpoint = "add_order_note")]
pub async fn add_order_note(id: String, body: String) -> Result<(), AppError> {
    let back = format!("/orders/{}", super::account::urlencode(&id));
    let result = async {
        let session = ssr::require_session().await?;
        Ok::<_, AppError>(backend::orders::add_note(&ssr::shop()?, &session, &id, &body).await?)
    }
    .await;
    match result {
        Ok(()) => {
            ssr::plain_form_goes_to(&back);
            Ok(())
        }
        Err(e) => Err(flash::fail("note", e, &[("body", &body)], &back)),
    }
}

/// Staff only: today's figures, the last hour's orders per minute and low-stock products.
#[server(prefix = "/api", endpoint = "staff_overview")]
pub async fn staff_overview() -> Result<domain::views::StaffOverview, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    Ok(backend::staff::overview(&shop, &session, backend::now_ms()).await?)
}
