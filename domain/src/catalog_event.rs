//! Catalog events: what staff changed about a product, written to the outbox in the same
//! transaction as the change and published to the same topic as the order events.
//!
//! One topic, not two: the relay, the consumer and the audit already read it in order, and a
//! product's events are keyed by its id, so they stay in order on their partition. Readers tell
//! the kinds apart by `type` (`order.*`, `product.*` or `notification.*`, see [`LogEvent`]); a reader that only
//! wants orders skips the rest, as the kafkajs consumer in the tests does.
//!
//! Stock taken by a checkout or given back by a cancel is not a catalog event: the order event
//! already records it (an order's lines never change), and the checkout, the shop's hot path,
//! writes nothing more for it.

use serde::{Deserialize, Serialize};

use crate::catalog::StockReason;
use crate::event::{DecodeError, OrderEvent, EVENT_SCHEMA_VERSION};
use crate::notification::NotificationEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductChange {
    #[serde(rename = "product.created")]
    Created,
    /// Name, description, category or price edited.
    #[serde(rename = "product.updated")]
    Updated,
    #[serde(rename = "product.archived")]
    Archived,
    #[serde(rename = "product.restored")]
    Restored,
    #[serde(rename = "product.stock_changed")]
    StockChanged,
}

/// One change of one product, with the product as the change left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEvent {
    pub v: u32,
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: ProductChange,
    pub product_id: String,
    /// Grows by one with every edit, archive and restore (not with stock changes, which are
    /// atomic increments that never conflict with an edit).
    pub product_version: i64,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    /// The price before, when this change moved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_price_cents: Option<i64>,
    pub stock: i64,
    /// Units added or removed, for stock changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_delta: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<StockReason>,
    pub archived: bool,
    /// The staff member who made the change (user id).
    pub actor_id: String,
    /// RFC 3339, UTC.
    pub occurred_at: String,
}

impl ProductEvent {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a ProductEvent always serialises")
    }
}

/// Any record of the shop's topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    Order(OrderEvent),
    Product(ProductEvent),
    /// A notification was written for a shopper (`crate::notification`).
    Notification(NotificationEvent),
}

impl LogEvent {
    /// Decodes a record value by its `type`; refuses schema versions this build does not know.
    /// Order events, nearly every record, are read in one pass; only what is not one is looked
    /// at again.
    pub fn from_json(bytes: &[u8]) -> Result<LogEvent, DecodeError> {
        let not_an_order = match OrderEvent::from_json(bytes) {
            Ok(event) => return Ok(LogEvent::Order(event)),
            Err(e) => e,
        };
        #[derive(Deserialize)]
        struct Head<'a> {
            v: u32,
            #[serde(rename = "type", borrow)]
            kind: std::borrow::Cow<'a, str>,
        }
        match serde_json::from_slice::<Head>(bytes) {
            Ok(head) if head.v != EVENT_SCHEMA_VERSION && (head.kind.starts_with("product.") || head.kind.starts_with("notification.")) => {
                Err(DecodeError::UnknownVersion(head.v))
            }
            Ok(head) if head.kind.starts_with("product.") => {
                serde_json::from_slice(bytes).map(LogEvent::Product).map_err(|e| DecodeError::Malformed(e.to_string()))
            }
            Ok(head) if head.kind.starts_with("notification.") => {
                serde_json::from_slice(bytes).map(LogEvent::Notification).map_err(|e| DecodeError::Malformed(e.to_string()))
            }
            _ => Err(not_an_order),
        }
    }

    /// The id every event carries, unique over the log.
    pub fn event_id(&self) -> &str {
        match self {
            LogEvent::Order(e) => &e.event_id,
            LogEvent::Product(e) => &e.event_id,
            LogEvent::Notification(e) => &e.event_id,
        }
    }

    /// The key the record is written under: the order's or the product's id, or for a
    /// notification its shopper's (their notifications stay in order).
    pub fn key(&self) -> &str {
        match self {
            LogEvent::Order(e) => &e.order_id,
            LogEvent::Product(e) => &e.product_id,
            LogEvent::Notification(e) => &e.user_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::restock;

    #[test]
    fn product_events_have_the_documented_shape_and_round_trip() {
        let json: serde_json::Value = serde_json::from_str(&restock().to_json()).unwrap();
        assert_eq!(json["type"], "product.stock_changed");
        assert_eq!(json["reason"], "received");
        assert_eq!(json["stock_delta"], 5);
        assert!(json.get("previous_price_cents").is_none());
        assert_eq!(LogEvent::from_json(restock().to_json().as_bytes()), Ok(LogEvent::Product(restock())));
    }

    #[test]
    fn the_log_reader_tells_orders_from_products() {
        let order = br#"{"v":1,"event_id":"e","type":"order.created","order_id":"o1","user_id":"u1","status":"PENDING","order_version":1,"total_cents":1999,"occurred_at":"2026-12-02T00:05:00.000Z"}"#;
        let LogEvent::Order(e) = LogEvent::from_json(order).unwrap() else { panic!("an order event") };
        assert_eq!(LogEvent::Order(e).key(), "o1");
        assert_eq!(LogEvent::Product(restock()).key(), "lumen-lamp");
        let future = restock().to_json().replace("\"v\":1", "\"v\":2");
        assert_eq!(LogEvent::from_json(future.as_bytes()), Err(DecodeError::UnknownVersion(2)));
        assert!(matches!(LogEvent::from_json(br#"{"v":1,"type":"product.melted"}"#), Err(DecodeError::Malformed(_))));
        assert!(matches!(LogEvent::from_json(b"[]"), Err(DecodeError::Malformed(_))));
    }

    #[test]
    fn the_log_reader_knows_notifications() {
        let n = NotificationEvent::new("e2".into(), "n1".into(), "u1".into(), "2026-12-06T20:00:00Z".into());
        let json: serde_json::Value = serde_json::from_str(&n.to_json()).unwrap();
        assert_eq!(json["type"], "notification.created");
        let read = LogEvent::from_json(n.to_json().as_bytes()).unwrap();
        assert_eq!(read.key(), "u1");
        assert_eq!(read, LogEvent::Notification(n.clone()));
        let future = n.to_json().replace("\"v\":1", "\"v\":2");
        assert_eq!(LogEvent::from_json(future.as_bytes()), Err(DecodeError::UnknownVersion(2)));
    }
}
