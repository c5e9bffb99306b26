//! Orders: the viewer's list, one order, status changes, and staff figures.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use domain::views::{OrderDetail, OrderSummary, ProductView};
use domain::OrderStatus;

#[cfg(feature = "ssr")]
use super::ssr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdersPage {
    pub orders: Vec<OrderSummary>,
    pub page: u64,
    pub pages: u64,
    pub counts: Vec<(OrderStatus, u64)>,
}

/// The signed-in shopper's orders (or, for staff with `all`, everyone's), newest first.
#[server(prefix = "/api", endpoint = "orders")]
pub async fn list_orders(status: Option<String>, page: Option<u64>, all: Option<bool>) -> Result<OrdersPage, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    let status = match status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<OrderStatus>().map_err(|m| AppError::from(backend::ShopError::Rejected(m)))?),
        None => None,
    };
    let p = backend::orders::list(&shop, &session, all.unwrap_or(false), status, page.unwrap_or(1)).await?;
    Ok(OrdersPage { orders: p.orders, page: p.page, pages: p.pages, counts: p.counts })
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
    if ssr::is_plain_form_post() {
        leptos_axum::redirect(&format!("/orders/{id}"));
    }
    Ok(summary)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub today: backend_types::DayFigures,
    /// Orders per minute over the last hour, oldest first.
    pub per_minute: Vec<u32>,
    pub low_stock: Vec<ProductView>,
    pub threshold: i32,
}

/// Shapes shared with the WASM build (the backend crate itself is server-only).
pub mod backend_types {
    use serde::{Deserialize, Serialize};
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DayFigures {
        pub orders: u64,
        pub revenue_cents: i64,
        pub average_cents: i64,
        pub per_status: Vec<(domain::OrderStatus, u64)>,
    }
}

/// Staff only: today's figures and low-stock products.
#[server(prefix = "/api", endpoint = "staff_overview")]
pub async fn staff_overview() -> Result<Overview, AppError> {
    let session = ssr::require_session().await?;
    session.require_staff().map_err(AppError::from)?;
    let shop = ssr::shop()?;
    let now = backend::now_ms();
    let midnight = now - now.rem_euclid(24 * 3600 * 1000);
    let f = backend::orders::figures_since(&shop, &session, midnight).await?;
    let low = backend::catalog::low_stock(&shop.db, shop.low_stock_threshold).await?;
    let per_minute = backend::orders::per_minute(&shop, &session, now, 60).await?;
    Ok(Overview {
        today: backend_types::DayFigures { orders: f.orders, revenue_cents: f.revenue_cents, average_cents: f.average_cents, per_status: f.per_status },
        per_minute,
        low_stock: low,
        threshold: shop.low_stock_threshold,
    })
}
