//! sea-orm entities, one file per table (schema in `migrations/`).

pub mod consumer_position;
pub mod login_failure;
pub mod notification;
pub mod order;
pub mod order_item;
pub mod order_note;
pub mod order_status_history;
pub mod outbox;
pub mod password_reset;
pub mod product;
pub mod restock_watch;
pub mod session;
pub mod user;
pub mod webhook;
pub mod webhook_delivery;
