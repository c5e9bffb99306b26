//! A list of orders kept current by live events: rows whose status and version change in
//! place, and the subscription that applies events to them (with a toast for each).

pub use domain::views::short_id;
use leptos::prelude::*;

use crate::api::orders::get_order;
use crate::state::live::{Live, LiveMsg};
use crate::state::toast::{use_toasts, Tone};
use domain::event::VersionTracker;
use domain::views::OrderSummary;
use domain::{format_cents, EventType, OrderStatus};

/// One row of a live order list: the status and version can change in place.
#[derive(Clone)]
pub struct OrderRow {
    pub order: OrderSummary,
    pub status: RwSignal<OrderStatus>,
    pub version: RwSignal<i64>,
}

impl OrderRow {
    pub fn new(order: OrderSummary) -> Self {
        OrderRow { status: RwSignal::new(order.status), version: RwSignal::new(order.version), order }
    }
}

/// A list of orders kept current by live events. Used by `/orders` and by the staff feed.
#[derive(Clone, Copy)]
pub struct LiveOrders {
    pub rows: RwSignal<Vec<OrderRow>>,
    seen: StoredValue<VersionTracker>,
}

impl LiveOrders {
    pub fn new() -> Self {
        LiveOrders { rows: RwSignal::new(vec![]), seen: StoredValue::new(VersionTracker::default()) }
    }

    /// Shows `orders` (a first load or a refetch after a resync). An order already shown keeps
    /// its row, updated: `For` keeps the view of a key it already shows, bound to that row's
    /// signals, so a new row for the same order would receive status changes no view reads.
    pub fn replace(&self, orders: Vec<OrderSummary>) {
        self.seen.update_value(|t| orders.iter().for_each(|o| t.observe(&o.id, o.version)));
        let shown = self.rows.get_untracked();
        let rows = orders
            .into_iter()
            .map(|order| match shown.iter().find(|r| r.order.id == order.id) {
                Some(row) => {
                    // A refetch can be older than an event already applied: keep the newer.
                    if order.version > row.version.get_untracked() {
                        row.status.set(order.status);
                        row.version.set(order.version);
                    }
                    row.clone()
                }
                None => OrderRow::new(order),
            })
            .collect();
        self.rows.set(rows);
    }

    /// Applies a status change in place. Returns false if the event is old or the order unknown.
    pub fn apply_status(&self, order_id: &str, status: OrderStatus, version: i64) -> bool {
        let fresh = self.seen.try_update_value(|t| t.accept(order_id, version)).unwrap_or(false);
        if !fresh {
            return false;
        }
        self.rows.with_untracked(|rows| match rows.iter().find(|r| r.order.id == order_id) {
            Some(r) => {
                r.status.set(status);
                r.version.set(version);
                true
            }
            None => false,
        })
    }

    pub fn insert_top(&self, order: OrderSummary) {
        self.seen.update_value(|t| t.observe(&order.id, order.version));
        self.rows.update(|rows| {
            if !rows.iter().any(|r| r.order.id == order.id) {
                rows.insert(0, OrderRow::new(order));
            }
        });
    }

    pub fn contains(&self, order_id: &str) -> bool {
        self.rows.with_untracked(|rows| rows.iter().any(|r| r.order.id == order_id))
    }
}

impl Default for LiveOrders {
    fn default() -> Self {
        Self::new()
    }
}

/// Subscribes `list` to live events. `staff` is the staff view; `filter` the status shown.
pub fn follow_live(list: LiveOrders, filter: Option<OrderStatus>, refetch: impl Fn() + 'static, staff: bool) {
    let live = Live::get();
    let toasts = use_toasts();
    live.listen(move |msg| match msg {
        LiveMsg::Resync => refetch(),
        LiveMsg::Catalog { .. } | LiveMsg::Notification { .. } => {}
        LiveMsg::Event(e) => {
            let short = short_id(&e.order_id);
            match e.kind {
                EventType::OrderCreated => {
                    if list.contains(&e.order_id) {
                        return;
                    }
                    let wanted = filter.is_none_or(|f| f == e.status);
                    let toast = if staff {
                        format!("New order {short}: {}", format_cents(e.total_cents))
                    } else {
                        format!("Order {short} placed: {}", format_cents(e.total_cents))
                    };
                    toasts.push(Tone::Success, toast);
                    if wanted {
                        let id = e.order_id.clone();
                        leptos::task::spawn_local(async move {
                            if let Ok(detail) = get_order(id).await {
                                list.insert_top(detail.order);
                            }
                        });
                    }
                }
                EventType::OrderStatusChanged => {
                    if list.apply_status(&e.order_id, e.status, e.order_version) {
                        toasts.push(Tone::Info, format!("Order {short} is now {}.", e.status.label()));
                    }
                }
                // A staff note changes nothing a list shows (its order page shows it).
                EventType::OrderNoteAdded => {}
            }
        }
    });
}
