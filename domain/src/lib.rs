//! The shop's domain rules, free of HTTP, UI and storage.
//!
//! Everything here is a plain function or a plain type so that it can be unit tested in
//! milliseconds and shared by the server and the WASM client. The server computes prices and
//! checks stock with these functions inside its checkout transaction; the browser uses the same
//! event type to apply live updates.

pub mod audit;
pub mod cart;
pub mod catalog;
pub mod catalog_event;
pub mod event;
pub mod figures;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod lifecycle;
pub mod log_view;
pub mod money;
pub mod notification;
pub mod picture;
pub mod pricing;
pub mod reset;
pub mod throttle;
pub mod timeline;
pub mod validation;
pub mod views;
pub mod webhook;

pub use catalog_event::{LogEvent, ProductChange, ProductEvent};
pub use event::{EventType, OrderEvent, ServerMessage, EVENT_SCHEMA_VERSION};
pub use lifecycle::{Actor, OrderStatus, TransitionError};
pub use money::format_cents;
