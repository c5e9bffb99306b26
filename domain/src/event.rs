//! The order-event schema: the one definition shared by the outbox, Kafka, the `/ws` route and
//! the browser.
//!
//! Versioned (`v`) and small. `order_version` grows by one with every change of an order, so a
//! consumer that remembers the highest version it applied per order can ignore duplicates and
//! reordered deliveries (Kafka delivery through the outbox is at-least-once).
//!
//! Who made a change (`actor`, `actor_id`), why (`reason`) and staff's internal notes
//! (`order.note_added`) were added without a new schema version: they are optional fields and
//! one more type, so events written before them still decode (the tests keep such a record),
//! and a reader of version 1 that does not know them reads the status changes as before and
//! skips the notes. A change that old readers would misread gets a new `v`.

use serde::{Deserialize, Serialize};

use crate::lifecycle::{Actor, OrderStatus};

/// The schema version written into every event.
pub const EVENT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "order.created")]
    OrderCreated,
    #[serde(rename = "order.status_changed")]
    OrderStatusChanged,
    /// Staff wrote an internal note on the order (`note`). The order does not change: the event
    /// carries its current version and status. Only staff ever receive it.
    #[serde(rename = "order.note_added")]
    OrderNoteAdded,
}

/// One change of one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    pub v: u32,
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub order_id: String,
    pub user_id: String,
    pub status: OrderStatus,
    pub order_version: i64,
    pub total_cents: i64,
    /// RFC 3339, UTC.
    pub occurred_at: String,
    /// When the order was placed (Unix milliseconds, UTC): what puts an event's order in a day's
    /// figures. Added after the first events were written: those lack it, and the consumer fills
    /// it in from the database before anyone sees them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at_ms: Option<i64>,
    /// The status the change left (status changes only; filled in like `placed_at_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<OrderStatus>,
    /// Who made the change. Events written before it existed lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    /// The staff member who made the change (staff only: a shopper is `user_id`, the system is
    /// nobody). Never sent to the shopper ([`OrderEvent::for_owner`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    /// Why, where the actor said (a cancellation's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The text of an internal note (`order.note_added` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl OrderEvent {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an OrderEvent always serialises")
    }

    /// Decodes a record value; refuses events of a schema version this build does not know.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DecodeError> {
        let event: OrderEvent = serde_json::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
        if event.v != EVENT_SCHEMA_VERSION {
            return Err(DecodeError::UnknownVersion(event.v));
        }
        Ok(event)
    }
}

/// What the database says about one order: what an event read from the topic is checked against
/// before anyone is shown it (the topic is not trusted: whoever can write to it could invent
/// orders, relabel someone else's, or make up a status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub user_id: String,
    pub total_cents: i64,
    /// When it was placed (Unix milliseconds).
    pub created_at_ms: i64,
    /// Every (version, status) the order has had.
    pub history: Vec<(i64, OrderStatus)>,
    /// The event ids of the order's notes (loaded only where notes are looked at: a note
    /// event is trusted only if its id is here).
    pub notes: Vec<String>,
}

impl OrderEvent {
    /// Whether the change this event reports moved stock: placing an order takes it, a cancel
    /// gives it back ([`crate::lifecycle::returns_stock`]). Whoever caches the catalog reads it again.
    pub fn moved_stock(&self) -> bool {
        match self.kind {
            EventType::OrderCreated => true,
            EventType::OrderStatusChanged => self.status == OrderStatus::Cancelled,
            EventType::OrderNoteAdded => false,
        }
    }

    /// Whether the order itself changed (a note leaves it as it was).
    pub fn changes_order(&self) -> bool {
        self.kind != EventType::OrderNoteAdded
    }

    /// The event as its shopper may see it: notes are for staff only, and which staff member
    /// acted is staff's business. `None`: not for the shopper at all.
    pub fn for_owner(&self) -> Option<std::borrow::Cow<'_, OrderEvent>> {
        if self.kind == EventType::OrderNoteAdded {
            return None;
        }
        if self.actor_id.is_none() {
            return Some(std::borrow::Cow::Borrowed(self));
        }
        Some(std::borrow::Cow::Owned(OrderEvent { actor_id: None, ..self.clone() }))
    }

    /// Whether the database vouches for this event: same owner, total and placing time, and the
    /// order really had this status at this version, and the previous status at the version
    /// before (created events are version 1 with no previous status, changes later ones).
    pub fn agrees_with(&self, facts: &OrderFacts) -> bool {
        let had = |v: i64, s: OrderStatus| facts.history.iter().any(|&(version, status)| version == v && status == s);
        let previous_ok = match (self.kind, self.previous_status) {
            (EventType::OrderCreated, previous) => previous.is_none(),
            (EventType::OrderStatusChanged, Some(previous)) => had(self.order_version - 1, previous),
            (EventType::OrderStatusChanged, None) => true,
            (EventType::OrderNoteAdded, previous) => previous.is_none() && facts.notes.contains(&self.event_id),
        };
        self.user_id == facts.user_id
            && self.total_cents == facts.total_cents
            && self.placed_at_ms.is_none_or(|at| at == facts.created_at_ms)
            && (self.kind != EventType::OrderStatusChanged || self.order_version > 1)
            && (self.kind != EventType::OrderCreated || self.order_version == 1)
            && had(self.order_version, self.status)
            && previous_ok
    }

    /// Fills in what events written before `placed_at_ms` and `previous_status` existed lack,
    /// from the facts the event was checked against ([`OrderEvent::agrees_with`]).
    pub fn complete_from(&mut self, facts: &OrderFacts) {
        self.placed_at_ms.get_or_insert(facts.created_at_ms);
        if self.kind == EventType::OrderStatusChanged && self.previous_status.is_none() {
            let before = self.order_version - 1;
            self.previous_status = facts.history.iter().find(|&&(version, _)| version == before).map(|&(_, status)| status);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("malformed order event: {0}")]
    Malformed(String),
    #[error("unknown order event schema version {0}")]
    UnknownVersion(u32),
}

/// What the server sends over `/ws`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Sent first on every live connection. `resumed`: the connection continues an earlier one
    /// with nothing missed (a Server-Sent Events stream that came back with `Last-Event-ID`), so
    /// there is nothing to refetch.
    Hello {
        role: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        resumed: bool,
    },
    /// An order event the receiver may see.
    Event { event: OrderEvent },
    /// Products as they are now, after staff changed them or orders moved their stock (public:
    /// every catalog page gets these, signed in or not). `archived`: ids no longer sold.
    Catalog {
        products: Vec<crate::views::ProductView>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        archived: Vec<String>,
    },
    /// A notification was written for the receiver (`crate::notification`); `unread`: how many
    /// of theirs are unread now.
    Notification { notification: crate::notification::NotificationView, unread: u64 },
    /// The server dropped messages for this socket (it read too slowly): refetch state.
    Resync,
    /// Sent periodically so the browser can tell a live link from a silently dead one.
    Heartbeat,
}

impl ServerMessage {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a ServerMessage always serialises")
    }
}

/// Remembers the highest `order_version` applied per order and says whether an event is new.
#[derive(Debug, Default, Clone)]
pub struct VersionTracker {
    seen: std::collections::HashMap<String, i64>,
}

impl VersionTracker {
    /// Records `version` for `order_id` and returns true if it is newer than anything applied.
    pub fn accept(&mut self, order_id: &str, version: i64) -> bool {
        match self.seen.get_mut(order_id) {
            Some(v) if *v >= version => false,
            Some(v) => {
                *v = version;
                true
            }
            None => {
                self.seen.insert(order_id.to_owned(), version);
                true
            }
        }
    }

    /// Current highest version known for an order (e.g. after a refetch).
    pub fn observe(&mut self, order_id: &str, version: i64) {
        let entry = self.seen.entry(order_id.to_owned()).or_insert(version);
        if *entry < version {
            *entry = version;
        }
    }
}

#[cfg(test)]
mod tests;
