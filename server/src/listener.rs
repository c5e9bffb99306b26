//! The HTTP listener: accepts connections under limits, so that no visitor can hold the shop's
//! connections and lock the others out.
//!
//! `axum::serve` sets no timer on hyper, so hyper's header-read timeout is off: a client that
//! sends half a request line holds its connection (and a file descriptor) for ever. Here every
//! connection is served by hyper with a timer:
//! - a request's headers must arrive within [`Limits::header_timeout`], and an idle keep-alive
//!   connection waits no longer than that for its next request;
//! - one client address holds at most [`Limits::per_ip`] connections, and the process at most
//!   [`Limits::max_connections`] (below its open-file limit);
//! - at either cap a new connection is still served: the connection that has been idle longest
//!   (no request in flight, not a WebSocket) is closed to make room. Only when every connection
//!   is busy is the new one refused. A flood of half-open connections therefore evicts itself and
//!   never keeps a shopper from checking out.
//!
//! Each request carries the client's address ([`axum::extract::ConnectInfo`]) and its
//! connection's [`Slot`]; `/ws` keeps the slot for the socket's life, so sockets count against the
//! caps and are never evicted as idle.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

use crate::metrics::Metrics;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: usize,
    pub per_ip: usize,
    pub header_timeout: Duration,
    /// Load balancers whose connections may say whose they are with a PROXY header
    /// (`proxy_protocol.rs`); the caps then count the client's address, not theirs.
    pub trusted_proxies: Vec<IpAddr>,
}

/// One accepted connection's place under the caps; freed when the last holder drops it.
pub struct Slot {
    id: u64,
    ip: IpAddr,
    in_flight: AtomicUsize,
    /// Milliseconds since the registry's epoch at the last request start or end.
    last_active: AtomicU64,
    upgraded: AtomicBool,
    evict: Notify,
    registry: Weak<Registry>,
}

impl Slot {
    /// Marks the connection as a WebSocket: it is never closed to make room.
    pub fn mark_upgraded(&self) {
        self.upgraded.store(true, Ordering::Relaxed);
    }
    pub fn ip(&self) -> IpAddr {
        self.ip
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.release(self.id, self.ip);
        }
    }
}

/// The connections held now, by id and by client address.
pub struct Registry {
    limits: Limits,
    epoch: Instant,
    next_id: AtomicU64,
    inner: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    slots: HashMap<u64, Weak<Slot>>,
    per_ip: HashMap<IpAddr, usize>,
}

impl Registry {
    pub fn new(limits: Limits) -> Arc<Registry> {
        Arc::new(Registry { limits, epoch: Instant::now(), next_id: AtomicU64::new(0), inner: Mutex::new(Held::default()) })
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// A slot for a new connection from `ip`, closing the longest-idle connection (of that
    /// address when it is the address's cap that is reached) if a cap is reached; `None` when
    /// every connection under the cap is busy.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Arc<Slot>> {
        // Candidates are looked at outside the lock: a slot upgraded here may be the last
        // reference to it, and dropping it takes the lock (Slot::drop).
        let (candidates, only) = {
            let held = self.inner.lock().expect("registry lock");
            let ip_full = held.per_ip.get(&ip).copied().unwrap_or(0) >= self.limits.per_ip;
            let full = ip_full || held.slots.len() >= self.limits.max_connections;
            (full.then(|| held.slots.values().cloned().collect::<Vec<_>>()), ip_full.then_some(ip))
        };
        if let Some(candidates) = candidates {
            evict_idlest(&candidates, only)?;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot {
            id,
            ip,
            in_flight: AtomicUsize::new(0),
            last_active: AtomicU64::new(self.now_ms()),
            upgraded: AtomicBool::new(false),
            evict: Notify::new(),
            registry: Arc::downgrade(self),
        });
        // The evicted connection leaves the maps when its task ends; until then the new one
        // is counted beside it (the caps are exceeded by at most the connections being closed).
        let mut held = self.inner.lock().expect("registry lock");
        held.slots.insert(id, Arc::downgrade(&slot));
        *held.per_ip.entry(ip).or_default() += 1;
        Some(slot)
    }

    fn release(&self, id: u64, ip: IpAddr) {
        let mut held = self.inner.lock().expect("registry lock");
        held.slots.remove(&id);
        if let Some(n) = held.per_ip.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                held.per_ip.remove(&ip);
            }
        }
    }

    pub fn held(&self) -> usize {
        self.inner.lock().expect("registry lock").slots.len()
    }
}

/// Tells the longest-idle connection (no request in flight, not a socket, not already told) of
/// `candidates`, of address `only` if given, to close; `None` if there is none.
fn evict_idlest(candidates: &[Weak<Slot>], only: Option<IpAddr>) -> Option<()> {
    let idlest = candidates
        .iter()
        .filter_map(Weak::upgrade)
        .filter(|s| only.is_none_or(|ip| s.ip == ip))
        .filter(|s| s.in_flight.load(Ordering::Relaxed) == 0 && !s.upgraded.load(Ordering::Relaxed))
        .filter(|s| s.last_active.load(Ordering::Relaxed) != GOING)
        .min_by_key(|s| s.last_active.load(Ordering::Relaxed))?;
    idlest.last_active.store(GOING, Ordering::Relaxed);
    idlest.evict.notify_one();
    Some(())
}

/// `last_active` of a connection told to close.
const GOING: u64 = u64::MAX;

/// Counts a request as in flight on its connection until its response body is done.
struct Busy(Arc<Slot>, Arc<Registry>);

impl Busy {
    fn new(slot: Arc<Slot>, registry: Arc<Registry>) -> Busy {
        slot.in_flight.fetch_add(1, Ordering::Relaxed);
        slot.last_active.store(registry.now_ms(), Ordering::Relaxed);
        Busy(slot, registry)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.last_active.store(self.1.now_ms(), Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `router` on `listener` until `shutdown` turns true; then open connections finish
/// their requests and close, and this returns when the last one has.
pub async fn serve(listener: TcpListener, router: Router, registry: Arc<Registry>, metrics: Arc<Metrics>, mut shutdown: watch::Receiver<bool>) {
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(registry.limits.header_timeout);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(registry.limits.header_timeout));
    let builder = Arc::new(builder);
    // One clone per connection task: the count says how many are still finishing.
    let open = Arc::new(());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors, or a connection reset before accept: keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let (router, registry2, builder, mut shutdown) = (router.clone(), registry.clone(), builder.clone(), shutdown.clone());
        let (open, metrics) = (open.clone(), metrics.clone());
        tokio::spawn(async move {
            let _open = open;
            let mut stream = stream;
            let peer = if registry2.limits.trusted_proxies.contains(&peer.ip()) {
                match crate::proxy_protocol::client_addr(&mut stream, peer, registry2.limits.header_timeout).await {
                    Ok(client) => client,
                    Err(e) => {
                        tracing::info!(%peer, error = %e, "connection from a trusted proxy closed");
                        return;
                    }
                }
            } else {
                peer
            };
            let Some(slot) = registry2.admit(peer.ip()) else {
                metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
                return;
            };
            let request_slot = slot.clone();
            let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.extensions_mut().insert(request_slot.clone());
                let busy = Busy::new(request_slot.clone(), registry2.clone());
                let router = router.clone();
                async move {
                    let response = router.oneshot(req).await;
                    // The request stays in flight until its body is sent (or dropped).
                    response.map(|r| {
                        r.map(move |body| {
                            body.map_frame(move |frame| {
                                let _in_flight = &busy;
                                frame
                            })
                            .boxed_unsync()
                        })
                    })
                }
            });
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = slot.evict.notified() => return,
                _ = shutdown.changed() => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
    }
    while Arc::strong_count(&open) > 1 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: usize, per_ip: usize) -> Limits {
        Limits { max_connections: max, per_ip, header_timeout: Duration::from_secs(1), trusted_proxies: Vec::new() }
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn at_the_cap_the_longest_idle_connection_makes_room() {
        let reg = Registry::new(limits(2, 10));
        let a = reg.admit(ip(2)).unwrap();
        let b = reg.admit(ip(2)).unwrap();
        a.last_active.store(1, Ordering::Relaxed);
        b.last_active.store(5, Ordering::Relaxed);
        let _c = reg.admit(ip(1)).expect("an idle connection is closed to make room");
        assert_eq!(a.last_active.load(Ordering::Relaxed), GOING, "the idlest was told to go");
        assert_ne!(b.last_active.load(Ordering::Relaxed), GOING);
        drop(a);
        assert_eq!(reg.held(), 2);
    }

    #[test]
    fn busy_connections_and_sockets_are_never_evicted() {
        let reg = Registry::new(limits(2, 10));
        let a = reg.admit(ip(1)).unwrap();
        let b = reg.admit(ip(1)).unwrap();
        let _busy = Busy::new(a.clone(), reg.clone());
        b.mark_upgraded();
        assert!(reg.admit(ip(2)).is_none(), "nothing to evict: refused");
    }

    #[test]
    fn one_address_is_capped_without_touching_others() {
        let reg = Registry::new(limits(100, 2));
        let mine = reg.admit(ip(1)).unwrap();
        let other = reg.admit(ip(9)).unwrap();
        let second = reg.admit(ip(1)).unwrap();
        mine.last_active.store(1, Ordering::Relaxed);
        other.last_active.store(0, Ordering::Relaxed);
        second.last_active.store(5, Ordering::Relaxed);
        let _third = reg.admit(ip(1)).expect("one of its own idle connections makes room");
        assert_eq!(mine.last_active.load(Ordering::Relaxed), GOING);
        assert_ne!(other.last_active.load(Ordering::Relaxed), GOING, "another address is untouched");
        drop(mine);
        assert_eq!(reg.held(), 3);
    }
}
