//! Orders: the viewer's list, one order, status changes, and staff figures.

use leptos::prelude::*;

use crate::error::AppError;
use domain::views::{OrderDetail, OrderPage, OrderSummary};
use domain::OrderStatus;

#[cfg(feature = "ssr")]
use super::ssr;

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

/// Moves an order to `status`, if allowed and nobody changed it since `version`.
#[server(prefix = "/api", endpoint = "change_status")]
pub async fn change_status(id: String, status: String, version: i64) -> Result<OrderSummary, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    let to: OrderStatus = status.parse().map_err(|m| AppError::from(backend::ShopError::Rejected(m)))?;
    let summary = backend::orders::change_status(&shop, &session, &id, to, version).await?;
    ssr::plain_form_goes_to(&format!("/orders/{id}"));
    Ok(summary)
}

/// Staff only: today's figures, the last hour's orders per minute and low-stock products.
#[server(prefix = "/api", endpoint = "staff_overview")]
pub async fn staff_overview() -> Result<domain::views::StaffOverview, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    Ok(backend::staff::overview(&shop, &session, backend::now_ms()).await?)
}
