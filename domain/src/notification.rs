//! Notifications: what the shop tells a shopper about, decided from the events on the log.
//!
//! The notifications service (`server/src/notifier.rs`) reads every event of the topic once and
//! asks these rules which notifications it makes: an order of yours changed status, or a product
//! you asked about ("Notify me") is back in stock. Each notification it writes is announced on
//! the log too ([`NotificationEvent`]), so that whichever instance holds the shopper's open pages
//! pushes it to them.

use serde::{Deserialize, Serialize};

use crate::catalog_event::{ProductChange, ProductEvent};
use crate::event::{EventType, OrderEvent, EVENT_SCHEMA_VERSION};
use crate::lifecycle::OrderStatus;
use crate::views::short_id;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// An order of the shopper's changed status.
    OrderStatus,
    /// A product the shopper asked to hear about is for sale again.
    BackInStock,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::OrderStatus => "order_status",
            NotificationKind::BackInStock => "back_in_stock",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationKind> {
        match s {
            "order_status" => Some(NotificationKind::OrderStatus),
            "back_in_stock" => Some(NotificationKind::BackInStock),
            _ => None,
        }
    }
}

/// A notification to write: for whom, what it says, where it leads, and the event it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub user_id: String,
    pub kind: NotificationKind,
    pub title: String,
    /// A path in the shop: the order's page, or the product's.
    pub link: String,
    pub source_event_id: String,
}

/// The notification an order event makes for the order's owner. Placing an order makes none
/// (the shopper was there); every later status does, cancels included (staff may cancel).
pub fn for_order(event: &OrderEvent) -> Option<Draft> {
    if event.kind != EventType::OrderStatusChanged {
        return None;
    }
    let order = short_id(&event.order_id);
    let title = match event.status {
        OrderStatus::Pending => return None,
        OrderStatus::Processing => format!("Your order {order} is being prepared"),
        OrderStatus::Shipped => format!("Your order {order} has shipped"),
        OrderStatus::Delivered => format!("Your order {order} was delivered"),
        OrderStatus::Cancelled => format!("Your order {order} was cancelled"),
    };
    Some(Draft {
        user_id: event.user_id.clone(),
        kind: NotificationKind::OrderStatus,
        title,
        link: format!("/orders/{}", event.order_id),
        source_event_id: event.event_id.clone(),
    })
}

/// The notification for a shopper who asked to hear when `product_name` is back.
pub fn back_in_stock(user_id: &str, product_id: &str, product_name: &str, source_event_id: &str) -> Draft {
    Draft {
        user_id: user_id.to_owned(),
        kind: NotificationKind::BackInStock,
        title: format!("{product_name} is back in stock"),
        link: format!("/products/{product_id}"),
        source_event_id: source_event_id.to_owned(),
    }
}

/// Whether a catalog event may have put a product back on sale: the service then asks the
/// database whether it really is (in stock, not archived) before it tells anyone.
pub fn may_restock(event: &ProductEvent) -> bool {
    !event.archived && event.stock > 0 && matches!(event.kind, ProductChange::StockChanged | ProductChange::Restored | ProductChange::Created)
}

/// Whether an order event may have put products back on sale: a cancel gives the stock back.
pub fn order_may_restock(event: &OrderEvent) -> bool {
    event.kind == EventType::OrderStatusChanged && event.status == OrderStatus::Cancelled
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotificationEventType {
    #[serde(rename = "notification.created")]
    Created,
}

/// On the log: a notification was written for `user_id`. Carries no text (that stays in the
/// database, which the reader asks); the live consumers push the stored notification to the
/// shopper's open pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationEvent {
    pub v: u32,
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: NotificationEventType,
    pub notification_id: String,
    pub user_id: String,
    /// RFC 3339, UTC.
    pub occurred_at: String,
}

impl NotificationEvent {
    pub fn new(event_id: String, notification_id: String, user_id: String, occurred_at: String) -> Self {
        NotificationEvent { v: EVENT_SCHEMA_VERSION, event_id, kind: NotificationEventType::Created, notification_id, user_id, occurred_at }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a NotificationEvent always serialises")
    }
}

/// A notification as a shopper's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: String,
    pub kind: NotificationKind,
    pub title: String,
    pub link: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub read: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(status: OrderStatus) -> OrderEvent {
        OrderEvent {
            total_cents: 1_999,
            occurred_at: "2026-12-06T20:00:00Z".into(),
            ..crate::fixtures::order_event(EventType::OrderStatusChanged, "01JABCDEFGHJKMNPQRSTVWXYZ0", "01JUSER", status, 2)
        }
    }

    #[test]
    fn each_later_status_tells_the_owner_and_placing_tells_nobody() {
        let shipped = for_order(&change(OrderStatus::Shipped)).expect("a notification");
        assert_eq!(shipped.user_id, "01JUSER");
        assert_eq!(shipped.title, "Your order #VWXYZ0 has shipped");
        assert_eq!(shipped.link, "/orders/01JABCDEFGHJKMNPQRSTVWXYZ0");
        assert_eq!(shipped.source_event_id, "01JEV");
        for status in [OrderStatus::Processing, OrderStatus::Delivered, OrderStatus::Cancelled] {
            assert!(for_order(&change(status)).is_some(), "{status}");
        }
        let placed = OrderEvent { kind: EventType::OrderCreated, status: OrderStatus::Pending, order_version: 1, ..change(OrderStatus::Pending) };
        assert_eq!(for_order(&placed), None);
        assert!(order_may_restock(&change(OrderStatus::Cancelled)));
        assert!(!order_may_restock(&change(OrderStatus::Shipped)));
    }

    #[test]
    fn only_a_change_that_leaves_stock_on_sale_may_restock() {
        let restock = crate::fixtures::restock();
        assert!(may_restock(&restock));
        assert!(!may_restock(&ProductEvent { stock: 0, ..restock.clone() }));
        assert!(!may_restock(&ProductEvent { archived: true, ..restock.clone() }));
        assert!(!may_restock(&ProductEvent { kind: ProductChange::Updated, ..restock.clone() }));
        assert!(may_restock(&ProductEvent { kind: ProductChange::Restored, ..restock }));
        let draft = back_in_stock("u1", "lumen-lamp", "Lumen Desk Lamp", "e1");
        assert_eq!((draft.title.as_str(), draft.link.as_str()), ("Lumen Desk Lamp is back in stock", "/products/lumen-lamp"));
    }

    #[test]
    fn kinds_read_back_what_they_write() {
        for kind in [NotificationKind::OrderStatus, NotificationKind::BackInStock] {
            assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NotificationKind::parse("spam"), None);
    }
}
