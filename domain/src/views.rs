//! Data shapes the server sends to the pages (server-side rendering and the WASM client alike).

use serde::{Deserialize, Serialize};

use crate::lifecycle::OrderStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub price_cents: i64,
    pub stock: i64,
    /// A file every page can show: a shipped illustration, or an upload's largest fallback.
    pub image: String,
    /// An upload's widths and formats, for `srcset` (none for the shipped illustrations), as
    /// `crate::picture::Picture::to_column` writes them. Text, not the parsed picture: only the
    /// server's pages read its parts, and the browser's bundle then carries no decoder for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub is_staff: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItemView {
    pub product_id: String,
    pub product_name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub line_total_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: String,
    pub user_id: String,
    pub status: OrderStatus,
    pub version: i64,
    pub total_cents: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub items: Vec<OrderItemView>,
    /// Shown on staff pages: who ordered.
    pub customer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub order: OrderSummary,
    pub shipping: crate::validation::Shipping,
    /// Status changes and, for staff, internal notes: oldest first.
    pub timeline: Vec<crate::timeline::TimelineEntry>,
}

/// The outcome of a checkout the page can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrder {
    pub order: OrderSummary,
    /// True when this submission repeated one already placed (same idempotency key).
    pub repeated: bool,
}

/// One page of a viewer's orders, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPage {
    pub orders: Vec<OrderSummary>,
    pub page: u64,
    pub pages: u64,
    /// Count per status over all of the viewer's orders (unfiltered).
    pub counts: Vec<(OrderStatus, u64)>,
}

/// Staff figures for one day (UTC midnight to now).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    pub orders: u64,
    /// Revenue of the day's orders that were not cancelled.
    pub revenue_cents: i64,
    pub average_cents: i64,
    /// Today's orders per current status.
    pub per_status: Vec<(OrderStatus, u64)>,
}

/// What the staff dashboard opens with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffOverview {
    pub today: DayFigures,
    /// Orders per minute over the last hour, oldest first, the current minute last.
    pub per_minute: Vec<u32>,
    /// When the figures were read (Unix milliseconds): the dashboard moves them from there.
    pub as_of_ms: i64,
    pub low_stock: Vec<ProductView>,
    /// Products with fewer units than this are listed as low on stock.
    pub threshold: i32,
}

/// A product as staff manage it: the shopper's view plus what only staff see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffProduct {
    pub product: ProductView,
    /// The edit version: a save names the version it started from (optimistic concurrency).
    pub version: i64,
    pub archived: bool,
    pub updated_at_ms: i64,
}

/// One page of the staff product table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffProductPage {
    pub products: Vec<StaffProduct>,
    pub page: u64,
    pub pages: u64,
    /// Products matching the filters, over all pages.
    pub total: u64,
    pub categories: Vec<String>,
}

/// How an order is named to people: the last six characters of its id, by character (an event
/// read from the topic may carry any text, and slicing by byte would panic in the browser on a
/// multi-byte character).
pub fn short_id(id: &str) -> String {
    let tail: Vec<char> = id.chars().rev().take(6).collect();
    format!("#{}", tail.into_iter().rev().collect::<String>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_ids_never_split_a_character() {
        assert_eq!(super::short_id("01JABCDEFGHJKMNPQRSTVWXYZ0"), "#VWXYZ0");
        assert_eq!(super::short_id("ab"), "#ab");
        assert_eq!(super::short_id("ордер-ключ-ü€"), "#люч-ü€");
    }
}
