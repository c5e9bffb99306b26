//! The in-process hub between the Kafka consumer and the WebSocket clients.
//!
//! Each event is encoded once and the same bytes are queued for every socket that may see it:
//! the shopper who owns the order and every staff socket. Sockets of other shoppers are never
//! touched (no wake-ups for events they do not get). Each socket's queue is bounded; when it is
//! full the event is dropped for that socket only and the socket is told to resync.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, Notify};

use crate::metrics::Metrics;
use domain::{OrderEvent, ServerMessage};

pub struct Subscriber {
    id: u64,
    tx: mpsc::Sender<Utf8Bytes>,
    /// Set when a frame could not be queued; the socket task then sends "resync".
    pub overflowed: AtomicBool,
    pub wake: Notify,
}

#[derive(Default)]
struct Registry {
    /// A shopper has a socket per open tab: a short list.
    by_user: HashMap<String, Vec<Arc<Subscriber>>>,
    /// Keyed by subscriber id, so that a socket leaves in constant time: with a list, each of
    /// 10,000 staff sockets closing scanned all the others under the write lock, which holds up
    /// every publish meanwhile.
    staff: HashMap<u64, Arc<Subscriber>>,
}

pub struct Hub {
    registry: RwLock<Registry>,
    next_id: AtomicU64,
    metrics: Arc<Metrics>,
}

/// Removes the subscriber from the hub when the socket ends.
pub struct Subscription {
    hub: Arc<Hub>,
    user_id: String,
    staff: bool,
    pub subscriber: Arc<Subscriber>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut reg = self.hub.registry.write().expect("hub lock");
        let id = self.subscriber.id;
        if self.staff {
            reg.staff.remove(&id);
        } else if let Some(list) = reg.by_user.get_mut(&self.user_id) {
            list.retain(|s| s.id != id);
            if list.is_empty() {
                reg.by_user.remove(&self.user_id);
            }
        }
    }
}

impl Hub {
    pub fn new(metrics: Arc<Metrics>) -> Arc<Hub> {
        Arc::new(Hub { registry: RwLock::default(), next_id: AtomicU64::new(1), metrics })
    }

    pub fn subscribe(self: &Arc<Self>, user_id: &str, staff: bool, queue: usize) -> (Subscription, mpsc::Receiver<Utf8Bytes>) {
        let (tx, rx) = mpsc::channel(queue);
        let subscriber =
            Arc::new(Subscriber { id: self.next_id.fetch_add(1, Ordering::Relaxed), tx, overflowed: AtomicBool::new(false), wake: Notify::new() });
        {
            let mut reg = self.registry.write().expect("hub lock");
            if staff {
                reg.staff.insert(subscriber.id, subscriber.clone());
            } else {
                reg.by_user.entry(user_id.to_owned()).or_default().push(subscriber.clone());
            }
        }
        (Subscription { hub: self.clone(), user_id: user_id.to_owned(), staff, subscriber }, rx)
    }

    /// Queues `event` for its owner's sockets and every staff socket. Never blocks.
    pub fn publish(&self, event: &OrderEvent) -> usize {
        let frame = Utf8Bytes::from(ServerMessage::Event { event: event.clone() }.to_json());
        let reg = self.registry.read().expect("hub lock");
        let owners = reg.by_user.get(&event.user_id).map(Vec::as_slice).unwrap_or_default();
        let mut queued = 0;
        for sub in owners.iter().chain(reg.staff.values()) {
            match sub.tx.try_send(frame.clone()) {
                Ok(()) => queued += 1,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    Metrics::inc(&self.metrics.events_dropped, 1);
                    if !sub.overflowed.swap(true, Ordering::AcqRel) {
                        sub.wake.notify_one();
                    }
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        Metrics::inc(&self.metrics.events_pushed, queued as u64);
        queued
    }

    pub fn connections(&self) -> usize {
        let reg = self.registry.read().expect("hub lock");
        reg.staff.len() + reg.by_user.values().map(Vec::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{EventType, OrderStatus};

    fn event(user: &str, version: i64) -> OrderEvent {
        OrderEvent {
            v: 1,
            event_id: format!("e{version}"),
            kind: EventType::OrderCreated,
            order_id: "o1".into(),
            user_id: user.into(),
            status: OrderStatus::Pending,
            order_version: version,
            total_cents: 100,
            occurred_at: "2026-11-25T00:00:00Z".into(),
        }
    }

    #[test]
    fn routes_to_owner_and_staff_only() {
        let hub = Hub::new(Arc::default());
        let (_a, mut rx_a) = hub.subscribe("alice", false, 8);
        let (_b, mut rx_b) = hub.subscribe("bob", false, 8);
        let (_s, mut rx_s) = hub.subscribe("staff-1", true, 8);
        assert_eq!(hub.publish(&event("alice", 1)), 2);
        assert!(rx_a.try_recv().unwrap().as_str().contains("\"user_id\":\"alice\""));
        assert!(rx_s.try_recv().is_ok());
        assert!(rx_b.try_recv().is_err(), "bob must not see alice's order");
    }

    #[test]
    fn a_full_queue_marks_only_that_socket_for_resync() {
        let hub = Hub::new(Arc::default());
        let (slow, _rx_slow) = hub.subscribe("alice", false, 2);
        let (fast, mut rx_fast) = hub.subscribe("staff", true, 64);
        for v in 1..=5 {
            hub.publish(&event("alice", v));
        }
        assert!(slow.subscriber.overflowed.load(Ordering::Acquire));
        assert!(!fast.subscriber.overflowed.load(Ordering::Acquire));
        let mut n = 0;
        while rx_fast.try_recv().is_ok() {
            n += 1;
        }
        assert_eq!(n, 5, "the fast socket got everything");
        assert_eq!(hub.metrics.events_dropped.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn dropping_a_subscription_unregisters_it() {
        let hub = Hub::new(Arc::default());
        let (sub, _rx) = hub.subscribe("alice", false, 2);
        assert_eq!(hub.connections(), 1);
        drop(sub);
        assert_eq!(hub.connections(), 0);
        assert_eq!(hub.publish(&event("alice", 1)), 0);

        let staff: Vec<_> = (0..3).map(|i| hub.subscribe(&format!("staff-{i}"), true, 2)).collect();
        let mut staff = staff.into_iter();
        let (first, second, third) = (staff.next().unwrap(), staff.next().unwrap(), staff.next().unwrap());
        drop(second);
        assert_eq!(hub.connections(), 2);
        assert_eq!(hub.publish(&event("alice", 2)), 2, "the staff sockets still open get the event");
        drop((first, third));
        assert_eq!(hub.connections(), 0);
    }
}
