//! The shop's audit: does the event log tell the same story as the database?
//!
//! The log (`order-events`, written only through the outbox) should hold, for every order, one
//! event per version the order ever had, each agreeing with the database's history, and its
//! last event should be the order's current state. [`compare`] says where that fails; it is what
//! `server replay --verify` prints. Duplicate deliveries are not differences (the outbox is
//! at-least-once); a record that is not an order event, or an event the database cannot vouch
//! for, is one.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::event::{OrderEvent, OrderFacts};
use crate::lifecycle::OrderStatus;

/// An order as the database has it now: what vouches for its events, and its current row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbOrder {
    pub facts: OrderFacts,
    pub version: i64,
    pub status: OrderStatus,
}

/// Where a log record sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub partition: i32,
    pub offset: i64,
}

impl Position {
    /// The "partition" of events still in the outbox, on their way to the log (`offset` is then
    /// their place in the outbox's queue).
    pub const OUTBOX: i32 = -1;
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.partition == Position::OUTBOX {
            write!(f, "outbox event {}", self.offset + 1)
        } else {
            write!(f, "partition {} offset {}", self.partition, self.offset)
        }
    }
}

/// One way the log and the database disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A record that does not decode as an order event.
    Unreadable { at: Position, why: String },
    /// An event about an order the database does not have.
    UnknownOrder { at: Position, order_id: String },
    /// An event the database's owner, total, placing time or history contradicts.
    Contradicted { at: Position, order_id: String, version: i64, status: OrderStatus },
    /// A version of the order with no event in the log.
    MissingVersion { order_id: String, version: i64, status: OrderStatus },
    /// The order's row is not where its history and log end.
    RowDiffers { order_id: String, row: (i64, OrderStatus), log: Option<(i64, OrderStatus)> },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = |id: &str| id.chars().take(64).collect::<String>().escape_debug().to_string();
        match self {
            Difference::Unreadable { at, why } => write!(f, "{at}: not an order event ({why})"),
            Difference::UnknownOrder { at, order_id } => write!(f, "{at}: order {} is not in the database", short(order_id)),
            Difference::Contradicted { at, order_id, version, status } => {
                write!(f, "{at}: order {} version {version} {}: the database's order or history says otherwise", short(order_id), status.as_str())
            }
            Difference::MissingVersion { order_id, version, status } => {
                write!(f, "order {order_id}: version {version} ({}) has no event in the log", status.as_str())
            }
            Difference::RowDiffers { order_id, row, log } => {
                let log = log.map_or("no event".to_owned(), |(v, s)| format!("version {v} ({})", s.as_str()));
                write!(f, "order {order_id}: the database row is at version {} ({}), its log ends at {log}", row.0, row.1.as_str())
            }
        }
    }
}

/// What the log holds, decoded, with where each record sits.
pub type LogRecords = Vec<(Position, Result<OrderEvent, String>)>;

/// Every difference between the log's `records` and the database's `orders` (the orders the
/// records name, and every order the log should cover), in a stable order.
pub fn compare(records: &LogRecords, orders: &HashMap<String, DbOrder>) -> Vec<Difference> {
    let mut differences = Vec::new();
    // Per order, the versions the log has, each with its status (a contradicting event is
    // reported and not counted).
    let mut logged: HashMap<&str, BTreeMap<i64, OrderStatus>> = HashMap::new();
    for (at, record) in records {
        let event = match record {
            Ok(event) => event,
            Err(why) => {
                differences.push(Difference::Unreadable { at: *at, why: why.clone() });
                continue;
            }
        };
        let Some(order) = orders.get(&event.order_id) else {
            differences.push(Difference::UnknownOrder { at: *at, order_id: event.order_id.clone() });
            continue;
        };
        if !event.agrees_with(&order.facts) {
            differences.push(Difference::Contradicted { at: *at, order_id: event.order_id.clone(), version: event.order_version, status: event.status });
            continue;
        }
        // A note is checked like a change, but it is no version of the order.
        if event.changes_order() {
            logged.entry(&event.order_id).or_default().insert(event.order_version, event.status);
        }
    }
    let mut ids: Vec<&String> = orders.keys().collect();
    ids.sort();
    for id in ids {
        let order = &orders[id];
        let versions = logged.get(id.as_str());
        let mut history = order.facts.history.clone();
        history.sort();
        for &(version, status) in &history {
            if !versions.is_some_and(|v| v.contains_key(&version)) {
                differences.push(Difference::MissingVersion { order_id: id.clone(), version, status });
            }
        }
        let last_logged = versions.and_then(|v| v.last_key_value()).map(|(&v, &s)| (v, s));
        let last_history = history.last().copied();
        if Some((order.version, order.status)) != last_history || last_history != last_logged {
            differences.push(Difference::RowDiffers { order_id: id.clone(), row: (order.version, order.status), log: last_logged });
        }
    }
    differences
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventType, EVENT_SCHEMA_VERSION};
    use OrderStatus::*;

    fn event(order: &str, version: i64, status: OrderStatus, previous: Option<OrderStatus>) -> OrderEvent {
        OrderEvent {
            v: EVENT_SCHEMA_VERSION,
            event_id: format!("{order}-{version}"),
            kind: if version == 1 { EventType::OrderCreated } else { EventType::OrderStatusChanged },
            order_id: order.into(),
            user_id: "u1".into(),
            status,
            order_version: version,
            total_cents: 1999,
            occurred_at: "2026-12-06T10:00:00.000Z".into(),
            placed_at_ms: Some(1_000),
            previous_status: previous,
            actor: None,
            actor_id: None,
            reason: None,
            note: None,
        }
    }

    fn order(history: &[(i64, OrderStatus)]) -> DbOrder {
        let &(version, status) = history.last().unwrap();
        DbOrder {
            facts: OrderFacts { user_id: "u1".into(), total_cents: 1999, created_at_ms: 1_000, history: history.to_vec(), notes: vec![] },
            version,
            status,
        }
    }

    fn at(partition: i32, offset: i64) -> Position {
        Position { partition, offset }
    }

    fn shipped_log() -> LogRecords {
        vec![
            (at(0, 0), Ok(event("a", 1, Pending, None))),
            (at(0, 1), Ok(event("a", 2, Processing, Some(Pending)))),
            (at(0, 2), Ok(event("a", 2, Processing, Some(Pending)))),
            (at(0, 3), Ok(event("a", 3, Shipped, Some(Processing)))),
            (at(1, 0), Ok(event("b", 1, Pending, None))),
        ]
    }

    fn shipped_db() -> HashMap<String, DbOrder> {
        HashMap::from([("a".into(), order(&[(1, Pending), (2, Processing), (3, Shipped)])), ("b".into(), order(&[(1, Pending)]))])
    }

    #[test]
    fn a_log_that_tells_the_database_story_has_no_differences() {
        assert_eq!(compare(&shipped_log(), &shipped_db()), vec![], "a duplicate delivery is not a difference");
    }

    #[test]
    fn a_row_changed_behind_the_shops_back_is_found() {
        let mut db = shipped_db();
        let a = db.get_mut("a").unwrap();
        (a.version, a.status) = (4, Delivered);
        let found = compare(&shipped_log(), &db);
        assert_eq!(found, vec![Difference::RowDiffers { order_id: "a".into(), row: (4, Delivered), log: Some((3, Shipped)) }]);
        assert_eq!(found[0].to_string(), "order a: the database row is at version 4 (DELIVERED), its log ends at version 3 (SHIPPED)");
    }

    #[test]
    fn missing_events_and_orders_without_events_are_found() {
        let mut log = shipped_log();
        log.retain(|(p, _)| ![at(0, 1), at(0, 2), at(1, 0)].contains(p));
        let found = compare(&log, &shipped_db());
        assert_eq!(
            found,
            vec![
                Difference::MissingVersion { order_id: "a".into(), version: 2, status: Processing },
                Difference::MissingVersion { order_id: "b".into(), version: 1, status: Pending },
                Difference::RowDiffers { order_id: "b".into(), row: (1, Pending), log: None },
            ]
        );
    }

    #[test]
    fn forged_and_unreadable_records_are_found() {
        let mut log = shipped_log();
        log.push((at(2, 0), Err("expected value at line 1 column 1".into())));
        log.push((at(2, 1), Ok(event("ghost", 1, Pending, None))));
        log.push((at(2, 2), Ok(event("b", 2, Cancelled, Some(Pending)))));
        log.push((at(2, 3), Ok(OrderEvent { total_cents: 1, ..event("b", 1, Pending, None) })));
        let found = compare(&log, &shipped_db());
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(matches!(&found[0], Difference::Unreadable { at: Position { partition: 2, offset: 0 }, .. }));
        assert_eq!(found[1], Difference::UnknownOrder { at: at(2, 1), order_id: "ghost".into() });
        assert_eq!(found[2], Difference::Contradicted { at: at(2, 2), order_id: "b".into(), version: 2, status: Cancelled });
        assert_eq!(found[3], Difference::Contradicted { at: at(2, 3), order_id: "b".into(), version: 1, status: Pending });
        assert!(found[2].to_string().starts_with("partition 2 offset 2: order b version 2 CANCELLED"));
    }
}
