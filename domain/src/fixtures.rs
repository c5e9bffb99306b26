//! Sample data for tests and the benchmark (the `fixtures` feature; never in the shop's own
//! builds' logic): the shipping details a shopper types on the checkout form, an order event,
//! and a restock.

use crate::catalog::StockReason;
use crate::catalog_event::{ProductChange, ProductEvent};
use crate::event::{EventType, OrderEvent, EVENT_SCHEMA_VERSION};
use crate::lifecycle::OrderStatus;
use crate::validation::Shipping;

/// Valid shipping details, field by field, as the checkout form posts them.
pub const SHIPPING_FORM: [(&str, &str); 7] = [
    ("first_name", "Ada"),
    ("last_name", "Lovelace"),
    ("email", "ada@example.com"),
    ("address", "12 Analytical Way"),
    ("city", "New York"),
    ("state", "NY"),
    ("zip", "10001"),
];

/// [`SHIPPING_FORM`] as the checkout reads it.
pub fn shipping() -> Shipping {
    let field = |name: &str| SHIPPING_FORM.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()).unwrap_or_default();
    Shipping {
        first_name: field("first_name"),
        last_name: field("last_name"),
        email: field("email"),
        address: field("address"),
        city: field("city"),
        state: field("state"),
        zip: field("zip"),
    }
}

/// An event of `order_id` (owned by `user_id`) with the optional fields empty; tests set what
/// they look at with struct update syntax.
pub fn order_event(kind: EventType, order_id: &str, user_id: &str, status: OrderStatus, order_version: i64) -> OrderEvent {
    OrderEvent {
        v: EVENT_SCHEMA_VERSION,
        event_id: "01JEV".into(),
        kind,
        order_id: order_id.into(),
        user_id: user_id.into(),
        status,
        order_version,
        total_cents: 100,
        occurred_at: "2026-11-25T00:00:00Z".into(),
        placed_at_ms: None,
        previous_status: None,
        actor: None,
        actor_id: None,
        reason: None,
        note: None,
    }
}

/// Staff received five Lumen Desk Lamps: a catalog event as the topic carries it.
pub fn restock() -> ProductEvent {
    ProductEvent {
        v: 1,
        event_id: "01JEV".into(),
        kind: ProductChange::StockChanged,
        product_id: "lumen-lamp".into(),
        product_version: 3,
        name: "Lumen Desk Lamp".into(),
        category: "Home".into(),
        price_cents: 5_900,
        previous_price_cents: None,
        stock: 5,
        stock_delta: Some(5),
        reason: Some(StockReason::Received),
        archived: false,
        actor_id: "01JSTAFF".into(),
        occurred_at: "2026-12-06T06:00:00Z".into(),
    }
}
