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
mod tests;
