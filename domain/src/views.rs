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
    pub image: String,
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
pub struct StatusChange {
    pub status: OrderStatus,
    pub version: i64,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub order: OrderSummary,
    pub shipping: crate::validation::Shipping,
    pub history: Vec<StatusChange>,
}

/// The outcome of a checkout the page can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrder {
    pub order: OrderSummary,
    /// True when this submission repeated one already placed (same idempotency key).
    pub repeated: bool,
}
