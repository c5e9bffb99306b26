//! The in-process hub between the Kafka consumer and the WebSocket clients.
//!
//! Each event is encoded once and the same bytes are queued for every socket that may see it:
//! the shopper who owns the order and every staff socket. (An event a staff member made is
//! encoded once more without their id for the shopper; a note goes to staff only.) Sockets of other shoppers are never
//! touched (no wake-ups for events they do not get). Each socket's queue is bounded; when it is
//! full the event is dropped for that socket only and the socket is told to resync.
//!
//! The hub serves both live channels, `/ws` and its Server-Sent Events fallback `/events`, and
//! keeps the last events it sent (`recent.rs`) so that a dropped stream can resume.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::mpsc;

use crate::metrics::Metrics;
use crate::recent::{EventId, Recent, Resume};
use domain::{OrderEvent, ServerMessage};

/// What the hub queues for a socket.
#[derive(Debug)]
pub enum Outgoing {
    /// An encoded event frame, shared by every socket it goes to, with its sequence number
    /// (`recent.rs`).
    Frame(u64, Utf8Bytes),
    /// The queue filled up: events were dropped for this socket, which must refetch.
    Resync,
}

/// The sequence number of catalog and notification frames: they are not kept for resuming
/// (`recent.rs`), and a stream gives them no `id:`.
pub const CATALOG_SEQ: u64 = 0;

/// The hub's side of one socket. The sender lives here only, so a closed hub closes every
/// socket's queue (`Hub::close`), which is how sockets learn of a shutdown without each of them
/// watching a shared signal on every wake-up.
#[derive(Clone)]
struct Entry {
    tx: mpsc::Sender<Outgoing>,
    overflowed: Arc<AtomicBool>,
    /// The session the socket was opened with: when it ends, the socket is closed.
    session: String,
}

#[derive(Default)]
struct Registry {
    /// A shopper has a socket per open tab: a short list.
    by_user: HashMap<String, Vec<(u64, Entry)>>,
    /// Keyed by subscriber id, so that a socket leaves in constant time: with a list, each of
    /// 10,000 staff sockets closing scanned all the others under the write lock, which holds up
    /// every publish meanwhile.
    staff: HashMap<u64, Entry>,
    /// Sockets that asked for the public catalog frames (every browser's; visitors' only get
    /// those), keyed like `staff`.
    catalog: HashMap<u64, Entry>,
    /// Sockets held per user, staff included (`WS_PER_USER` caps it).
    per_user: HashMap<String, usize>,
    closed: bool,
}

pub struct Hub {
    registry: RwLock<Registry>,
    /// One publish at a time (one consumer loop per partition may call it): a queue's free
    /// capacity, read before queueing, then stays true until the queue is written.
    publishing: Mutex<()>,
    /// Written under `publishing`, so sequence numbers follow the order events are queued in.
    recent: Mutex<Recent>,
    next_id: AtomicU64,
    metrics: Arc<Metrics>,
}

/// Removes the socket from the hub when the socket ends.
pub struct Subscription {
    hub: Arc<Hub>,
    user_id: String,
    staff: bool,
    id: u64,
    /// Set by the hub when it queued `Outgoing::Resync`; cleared by [`Subscription::took_resync`].
    overflowed: Arc<AtomicBool>,
}

impl Subscription {
    /// The connection took `Outgoing::Resync` off its queue: from now on the hub queues events
    /// for it again, and the refetch the browser makes on that message shows what was dropped.
    pub fn took_resync(&self) {
        self.overflowed.store(false, Ordering::Release);
    }

    /// Whether the hub gave up on this connection's queue and owes it a resync.
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Acquire)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut reg = self.hub.registry.write().expect("hub lock");
        let id = self.id;
        reg.catalog.remove(&id);
        if let Some(n) = reg.per_user.get_mut(&self.user_id) {
            *n -= 1;
            if *n == 0 {
                reg.per_user.remove(&self.user_id);
            }
        }
        if self.staff {
            reg.staff.remove(&id);
        } else if let Some(list) = reg.by_user.get_mut(&self.user_id) {
            list.retain(|(i, _)| *i != id);
            if list.is_empty() {
                reg.by_user.remove(&self.user_id);
            }
        }
    }
}

impl Hub {
    pub fn new(metrics: Arc<Metrics>) -> Arc<Hub> {
        let recent = Mutex::new(Recent::new(rand::random(), crate::recent::KEPT));
        Arc::new(Hub { registry: RwLock::default(), publishing: Mutex::new(()), recent, next_id: AtomicU64::new(1), metrics })
    }

    /// A queue of `queue` entries for a new socket, or `None` when the user already holds
    /// `max_per_user` sockets. After `close`, the queue comes back already closed.
    pub fn subscribe(
        self: &Arc<Self>,
        user_id: &str,
        session: &str,
        staff: bool,
        catalog: bool,
        queue: usize,
        max_per_user: usize,
    ) -> Option<(Subscription, mpsc::Receiver<Outgoing>)> {
        // Room for at least one frame and the resync that may follow it.
        let (tx, rx) = mpsc::channel(queue.max(2));
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let overflowed = Arc::new(AtomicBool::new(false));
        {
            let mut reg = self.registry.write().expect("hub lock");
            let held = reg.per_user.entry(user_id.to_owned()).or_default();
            if *held >= max_per_user {
                return None;
            }
            *held += 1;
            if !reg.closed {
                let entry = Entry { tx, overflowed: overflowed.clone(), session: session.to_owned() };
                if catalog {
                    reg.catalog.insert(id, entry.clone());
                }
                if staff {
                    reg.staff.insert(id, entry);
                } else {
                    reg.by_user.entry(user_id.to_owned()).or_default().push((id, entry));
                }
            }
        }
        Some((Subscription { hub: self.clone(), user_id: user_id.to_owned(), staff, id, overflowed }, rx))
    }

    /// Whether this instance holds a socket of `user_id` (staff sockets are not counted): what
    /// is only for them needs no work here otherwise.
    pub fn has_user(&self, user_id: &str) -> bool {
        self.registry.read().expect("hub lock").by_user.contains_key(user_id)
    }

    /// Queues a message for `user_id`'s own sockets only (a notification). Like catalog
    /// frames, it is not kept for resuming: a resumed stream refetches the count instead.
    pub fn publish_to_user(&self, user_id: &str, message: &ServerMessage) -> usize {
        let frame = Utf8Bytes::from(message.to_json());
        let _one_at_a_time = self.publishing.lock().expect("publish lock");
        let reg = self.registry.read().expect("hub lock");
        let owners = reg.by_user.get(user_id).map(Vec::as_slice).unwrap_or_default();
        self.offer(owners.iter().map(|(_, e)| e), CATALOG_SEQ, &frame)
    }

    /// Queues `event` for its owner's sockets (as `OrderEvent::for_owner` has it: a note not at
    /// all) and every staff socket. Never waits for a socket.
    pub fn publish(&self, event: &OrderEvent) -> usize {
        let encode = |event: &OrderEvent| Utf8Bytes::from(ServerMessage::Event { event: event.clone() }.to_json());
        let frame = encode(event);
        let owner_frame = event.for_owner().map(|e| match e {
            std::borrow::Cow::Borrowed(_) => frame.clone(),
            std::borrow::Cow::Owned(e) => encode(&e),
        });
        let _one_at_a_time = self.publishing.lock().expect("publish lock");
        let seq = self.recent.lock().expect("recent lock").push(&event.user_id, frame.clone(), owner_frame.clone());
        let reg = self.registry.read().expect("hub lock");
        let mut queued = 0;
        if let Some(owner_frame) = owner_frame {
            let owners = reg.by_user.get(&event.user_id).map(Vec::as_slice).unwrap_or_default();
            queued += self.offer(owners.iter().map(|(_, e)| e), seq, &owner_frame);
        }
        queued + self.offer(reg.staff.values(), seq, &frame)
    }

    /// Queues a catalog frame (`ServerMessage::Catalog`) for every socket that watches the
    /// catalog. Never waits for a socket.
    pub fn publish_catalog(&self, message: &ServerMessage) -> usize {
        let frame = Utf8Bytes::from(message.to_json());
        let _one_at_a_time = self.publishing.lock().expect("publish lock");
        let reg = self.registry.read().expect("hub lock");
        self.offer(reg.catalog.values(), CATALOG_SEQ, &frame)
    }

    /// Queues the frame for each socket (under `publishing`); a full queue gets the resync.
    fn offer<'a>(&self, entries: impl Iterator<Item = &'a Entry>, seq: u64, frame: &Utf8Bytes) -> usize {
        let (mut queued, mut dropped) = (0, 0);
        for entry in entries {
            if entry.overflowed.load(Ordering::Acquire) {
                // Already told to resync, which covers this event too.
                dropped += 1;
                continue;
            }
            // The last free place is kept for the resync: a socket that falls that far behind
            // always learns it missed something. The flag is set before the resync is queued:
            // the socket clears it when it takes the resync, which may happen at once.
            let resync = entry.tx.capacity() <= 1;
            let message = if resync {
                entry.overflowed.store(true, Ordering::Release);
                Outgoing::Resync
            } else {
                Outgoing::Frame(seq, frame.clone())
            };
            match entry.tx.try_send(message) {
                Ok(()) if resync => dropped += 1,
                Ok(()) => queued += 1,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    // Cannot happen (only the socket takes from its queue, and publishes are one
                    // at a time, so the place kept for the resync is there); if it did, the next
                    // publish tries the resync again.
                    if resync {
                        entry.overflowed.store(false, Ordering::Release);
                    }
                    dropped += 1;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        Metrics::inc(&self.metrics.events_dropped, dropped);
        Metrics::inc(&self.metrics.events_pushed, queued as u64);
        queued
    }

    /// What a stream that last saw `last` missed and may see; subscribe first, so that nothing
    /// published meanwhile falls between the two (an event in both arrives twice, which pages
    /// ignore by its version).
    pub fn resume(&self, last: EventId, user_id: &str, staff: bool) -> Resume {
        self.recent.lock().expect("recent lock").since(last, user_id, staff)
    }

    /// This process's epoch, the first half of every event id it gives out.
    pub fn epoch(&self) -> u64 {
        self.recent.lock().expect("recent lock").epoch()
    }

    /// Closes the queues of the sockets opened with these sessions (ended: logout, expiry,
    /// password or role change); their writers see the queue end and close the sockets.
    /// Returns how many were closed.
    pub fn close_sessions(&self, ended: &std::collections::HashSet<String>) -> usize {
        if ended.is_empty() {
            return 0;
        }
        let mut reg = self.registry.write().expect("hub lock");
        let before = reg.staff.len() + reg.by_user.values().map(Vec::len).sum::<usize>();
        reg.staff.retain(|_, e| !ended.contains(&e.session));
        reg.catalog.retain(|_, e| !ended.contains(&e.session));
        reg.by_user.retain(|_, list| {
            list.retain(|(_, e)| !ended.contains(&e.session));
            !list.is_empty()
        });
        before - (reg.staff.len() + reg.by_user.values().map(Vec::len).sum::<usize>())
    }

    /// Closes every socket's queue, now and for sockets that subscribe later (shutdown).
    pub fn close(&self) {
        let mut reg = self.registry.write().expect("hub lock");
        reg.closed = true;
        reg.by_user.clear();
        reg.staff.clear();
        reg.catalog.clear();
        reg.per_user.clear();
    }

    /// Whether any socket watches the catalog (else there is no catalog frame to build).
    pub fn watches_catalog(&self) -> bool {
        !self.registry.read().expect("hub lock").catalog.is_empty()
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
            placed_at_ms: None,
            previous_status: None,
            actor: None,
            actor_id: None,
            reason: None,
            note: None,
        }
    }

    #[test]
    fn routes_to_owner_and_staff_only() {
        let hub = Hub::new(Arc::default());
        let (_a, mut rx_a) = hub.subscribe("alice", "s-alice", false, false, 8, usize::MAX).unwrap();
        let (_b, mut rx_b) = hub.subscribe("bob", "s-bob", false, false, 8, usize::MAX).unwrap();
        let (_s, mut rx_s) = hub.subscribe("staff-1", "s-staff-1", true, false, 8, usize::MAX).unwrap();
        assert_eq!(hub.publish(&event("alice", 1)), 2);
        assert!(matches!(rx_a.try_recv().unwrap(), Outgoing::Frame(1, f) if f.as_str().contains("\"user_id\":\"alice\"")));
        assert!(rx_s.try_recv().is_ok());
        assert!(rx_b.try_recv().is_err(), "bob must not see alice's order");
    }

    #[test]
    fn notes_reach_staff_only_and_the_owner_never_sees_which_staff_member_acted() {
        let hub = Hub::new(Arc::default());
        let (_a, mut rx_a) = hub.subscribe("alice", "s-alice", false, false, 8, usize::MAX).unwrap();
        let (_s, mut rx_s) = hub.subscribe("staff-1", "s-staff-1", true, false, 8, usize::MAX).unwrap();
        let frame = |o: Outgoing| match o {
            Outgoing::Frame(_, f) => f.as_str().to_owned(),
            Outgoing::Resync => panic!("no resync expected"),
        };
        let shipped = OrderEvent {
            kind: EventType::OrderStatusChanged,
            status: OrderStatus::Shipped,
            actor: Some(domain::Actor::Staff),
            actor_id: Some("staff-1".into()),
            ..event("alice", 2)
        };
        assert_eq!(hub.publish(&shipped), 2);
        let (to_alice, to_staff) = (frame(rx_a.try_recv().unwrap()), frame(rx_s.try_recv().unwrap()));
        assert!(to_alice.contains("\"actor\":\"staff\"") && !to_alice.contains("staff-1"), "{to_alice}");
        assert!(to_staff.contains("\"actor_id\":\"staff-1\""), "{to_staff}");

        let note = OrderEvent { kind: EventType::OrderNoteAdded, note: Some("fragile: pack twice".into()), ..event("alice", 2) };
        assert_eq!(hub.publish(&note), 1);
        assert!(rx_a.try_recv().is_err(), "the shopper gets no note");
        assert!(frame(rx_s.try_recv().unwrap()).contains("fragile"));

        // Resuming: the shopper's gap holds the redacted change and not the note.
        let last = EventId { epoch: hub.epoch(), seq: 0 };
        let Resume::Gap(gap) = hub.resume(last, "alice", false) else { panic!("expected a gap") };
        assert_eq!(gap.len(), 1);
        assert!(!gap[0].1.as_str().contains("staff-1") && !gap[0].1.as_str().contains("fragile"));
        let Resume::Gap(gap) = hub.resume(last, "staff-1", true) else { panic!("expected a gap") };
        assert_eq!(gap.len(), 2);
    }

    #[test]
    fn a_full_queue_ends_with_a_resync_for_that_socket_only() {
        let hub = Hub::new(Arc::default());
        let (slow, mut rx_slow) = hub.subscribe("alice", "s-alice", false, false, 3, usize::MAX).unwrap();
        let (fast, mut rx_fast) = hub.subscribe("staff", "s-staff", true, false, 64, usize::MAX).unwrap();
        for v in 1..=5 {
            hub.publish(&event("alice", v));
        }
        assert!(slow.overflowed());
        assert!(!fast.overflowed());
        let slow_got: Vec<_> = std::iter::from_fn(|| rx_slow.try_recv().ok()).collect();
        assert!(matches!(slow_got.as_slice(), [Outgoing::Frame(1, _), Outgoing::Frame(2, _), Outgoing::Resync]), "{slow_got:?}");
        assert_eq!(std::iter::from_fn(|| rx_fast.try_recv().ok()).count(), 5, "the fast socket got everything");
        assert_eq!(hub.metrics.events_dropped.load(Ordering::Relaxed), 3);

        // Once the socket has taken the resync, it gets events again.
        slow.took_resync();
        hub.publish(&event("alice", 6));
        assert!(matches!(rx_slow.try_recv(), Ok(Outgoing::Frame(6, f)) if f.as_str().contains("\"order_version\":6")));
    }

    #[test]
    fn closing_the_hub_closes_every_queue_and_later_ones() {
        let hub = Hub::new(Arc::default());
        let (_a, mut rx_a) = hub.subscribe("alice", "s-alice", false, false, 8, usize::MAX).unwrap();
        let (_s, mut rx_s) = hub.subscribe("staff-1", "s-staff-1", true, false, 8, usize::MAX).unwrap();
        hub.close();
        assert!(matches!(rx_a.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
        assert!(matches!(rx_s.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
        let (_late, mut rx_late) = hub.subscribe("bob", "s-bob", false, false, 8, usize::MAX).unwrap();
        assert!(matches!(rx_late.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
        assert_eq!(hub.connections(), 0);
    }

    #[test]
    fn dropping_a_subscription_unregisters_it() {
        let hub = Hub::new(Arc::default());
        let (sub, _rx) = hub.subscribe("alice", "s-alice", false, false, 2, usize::MAX).unwrap();
        assert_eq!(hub.connections(), 1);
        drop(sub);
        assert_eq!(hub.connections(), 0);
        assert_eq!(hub.publish(&event("alice", 1)), 0);

        let staff: Vec<_> = (0..3).map(|i| hub.subscribe(&format!("staff-{i}"), &format!("s-{i}"), true, false, 2, usize::MAX).unwrap()).collect();
        let mut staff = staff.into_iter();
        let (first, second, third) = (staff.next().unwrap(), staff.next().unwrap(), staff.next().unwrap());
        drop(second);
        assert_eq!(hub.connections(), 2);
        assert_eq!(hub.publish(&event("alice", 2)), 2, "the staff sockets still open get the event");
        drop((first, third));
        assert_eq!(hub.connections(), 0);
    }

    #[test]
    fn a_user_holds_at_most_the_allowed_sockets() {
        let hub = Hub::new(Arc::new(Metrics::default()));
        let first = hub.subscribe("alice", "s-alice", false, false, 2, 2).unwrap();
        let _second = hub.subscribe("alice", "s-alice", false, false, 2, 2).unwrap();
        assert!(hub.subscribe("alice", "s-alice", false, false, 2, 2).is_none(), "a third socket is refused");
        assert!(hub.subscribe("bob", "s-bob", true, false, 2, 2).is_some(), "other users are not affected");
        drop(first);
        assert!(hub.subscribe("alice", "s-alice", false, false, 2, 2).is_some(), "a closed socket frees its place");
    }

    #[test]
    fn ending_a_session_closes_its_sockets_only() {
        let hub = Hub::new(Arc::new(Metrics::default()));
        let (_a1, mut rx_a1) = hub.subscribe("alice", "s-ended", false, false, 4, 8).unwrap();
        let (_a2, mut rx_a2) = hub.subscribe("alice", "s-kept", false, false, 4, 8).unwrap();
        let (_s, mut rx_s) = hub.subscribe("staff-1", "s-staff", true, false, 4, 8).unwrap();
        let ended = ["s-ended".to_owned()].into_iter().collect();
        assert_eq!(hub.close_sessions(&ended), 1);
        assert!(rx_a1.try_recv().is_err_and(|e| e == mpsc::error::TryRecvError::Disconnected), "the ended session's queue is closed");
        assert!(rx_a2.try_recv().is_err_and(|e| e == mpsc::error::TryRecvError::Empty));
        assert!(rx_s.try_recv().is_err_and(|e| e == mpsc::error::TryRecvError::Empty));
    }

    #[test]
    fn catalog_frames_reach_the_sockets_that_watch_the_catalog_only() {
        let hub = Hub::new(Arc::new(Metrics::default()));
        let (_visitor, mut rx_visitor) = hub.subscribe("visitor:127.0.0.1", "", false, true, 4, 8).unwrap();
        let (_alice, mut rx_alice) = hub.subscribe("alice", "s-alice", false, true, 4, 8).unwrap();
        let (_bench, mut rx_bench) = hub.subscribe("bob", "s-bob", false, false, 4, 8).unwrap();
        assert!(hub.watches_catalog());
        let message = ServerMessage::Catalog { products: vec![], archived: vec!["lumen-lamp".into()] };
        assert_eq!(hub.publish_catalog(&message), 2);
        assert!(matches!(rx_visitor.try_recv(), Ok(Outgoing::Frame(CATALOG_SEQ, f)) if f.as_str().contains("lumen-lamp")));
        assert!(matches!(rx_alice.try_recv(), Ok(Outgoing::Frame(CATALOG_SEQ, _))));
        assert!(rx_bench.try_recv().is_err(), "a socket that did not ask gets no catalog frames");
        hub.publish(&event("alice", 1));
        assert!(rx_visitor.try_recv().is_err(), "a visitor never gets an order event");
        assert!(rx_alice.try_recv().is_ok());
        drop((_visitor, _alice));
        assert!(!hub.watches_catalog(), "closed sockets leave the catalog's list");
    }
}
