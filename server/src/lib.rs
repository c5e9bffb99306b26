//! The server: configuration, start-up and the background tasks that carry order events from
//! the outbox to the browsers.
//!
//! Where an order event goes, in file order: `backend::checkout` writes it to the outbox →
//! [`relay`] produces it to Kafka → [`consumer`] reads it back (on every instance) → [`hub`]
//! picks the sockets that may see it → [`ws`] sends it to the browser. A second reader of the
//! same topic, [`notifier`], keeps its own position and writes shoppers' notifications; a third,
//! [`webhooks`], writes a delivery per event for each registered webhook and sends them. Both
//! are [`durable`] readers: their position moves with what they write.

// The app's view types are deep (islands wrap each page's data in their own types); rendering
// them here computes their layouts and overflows the default query depth of 128.
#![recursion_limit = "256"]

pub mod assets;
pub mod broker;
pub mod catalog_feed;
pub mod cli;
pub mod config;
pub mod consumer;
pub mod durable;
pub mod event_log;
pub mod health;
pub mod hub;
pub mod kafka;
pub mod kafka_security;
pub mod listener;
pub mod media;
pub mod metrics;
pub mod notifier;
pub mod nudge;
pub mod proxy_protocol;
pub mod recent;
pub mod relay;
pub mod replay;
pub mod security;
pub mod sessions;
pub mod sse;
pub mod startup;
pub mod webhooks;
pub mod ws;

pub use config::Config;
pub use startup::{spawn, RunningApp};
