//! `/orders` (the shopper's orders, live) and `/orders/:id` (one order with its timeline).
//!
//! The server renders each page with its data; the list and the order are islands that take
//! that data as props and keep it current. Live events are applied in place: a new order is
//! fetched and put at the top, a status change flips the badge of its row. An event whose
//! `order_version` was already applied is ignored, so duplicates (at-least-once delivery) and
//! resyncs are harmless.
//!
//! - `live`: the state of a live list of orders, shared with the staff feed.
//! - `list`: the `/orders` page with its filters and pages.
//! - `card`: one order in a list, with the status buttons staff and owners get.
//! - `detail`: the `/orders/:id` page.

mod card;
mod detail;
mod list;
mod live;

pub use card::{OrderCard, StatusButtons};
pub use detail::OrderPage;
pub use list::OrdersPage;
pub use live::{follow_live, short_id, LiveOrders, OrderRow};
