//! The live connection: connection state for the indicator, and a fan-out of server messages to
//! whichever page is listening. How it is kept open (WebSocket, or the Server-Sent Events
//! fallback) is in `transport.rs`.
//!
//! Reconnects with capped exponential backoff and jitter. Every (re)connect that may have missed
//! something is announced to the listeners as [`LiveMsg::Resync`], so pages refetch and nothing
//! that happened while the connection was away is missed; duplicates are harmless because pages
//! ignore old `order_version`s.

#[cfg(feature = "hydrate")]
use std::rc::Rc;

use leptos::prelude::*;

use domain::OrderEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    /// Not signed in: no live updates.
    Idle,
    Connecting,
    Live,
    Reconnecting,
    Offline,
}

impl ConnState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Idle => "idle",
            ConnState::Connecting => "connecting",
            ConnState::Live => "live",
            ConnState::Reconnecting => "reconnecting",
            ConnState::Offline => "offline",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ConnState::Idle => "Not connected",
            ConnState::Connecting => "Connecting…",
            ConnState::Live => "Live",
            ConnState::Reconnecting => "Reconnecting…",
            ConnState::Offline => "Offline",
        }
    }
}

/// What carries the live connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    WebSocket,
    /// Server-Sent Events (`/events`): the fallback where WebSockets are blocked.
    Sse,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::WebSocket => "websocket",
            Transport::Sse => "sse",
        }
    }
}

#[derive(Clone, Debug)]
pub enum LiveMsg {
    Event(OrderEvent),
    /// Products as they are now (the live catalog); `archived`: ids no longer sold.
    Catalog {
        products: Vec<domain::views::ProductView>,
        archived: Vec<String>,
    },
    /// A notification for the signed-in shopper; `unread`: how many of theirs are unread now.
    Notification {
        notification: domain::notification::NotificationView,
        unread: u64,
    },
    /// Refetch: just (re)connected, or the server dropped messages for this socket.
    Resync,
}

#[cfg(feature = "hydrate")]
type Listener = Rc<dyn Fn(&LiveMsg)>;

/// Listeners hold `Rc` closures, which must stay on the browser's one thread. On the server
/// there are no live messages, and a thread-local store would be touched from other worker
/// threads, so the server keeps none.
#[cfg(feature = "hydrate")]
type Listeners = StoredValue<Vec<(u64, Listener)>, LocalStorage>;
#[cfg(not(feature = "hydrate"))]
type Listeners = ();

#[derive(Clone, Copy)]
pub struct Live {
    pub state: RwSignal<ConnState>,
    pub transport: RwSignal<Transport>,
    /// Whom the server says the connection speaks for: `staff`, `shopper` or `visitor`.
    pub role: RwSignal<String>,
    #[allow(dead_code)] // read in the browser only
    listeners: Listeners,
    #[allow(dead_code)] // read in the browser only
    next_id: StoredValue<u64>,
    /// Whose session the open socket speaks for (`None`: no socket; `Some("")`: a visitor's).
    #[allow(dead_code)] // read in the browser only
    user: StoredValue<Option<String>>,
    /// A page of the visit showed the catalog: a signed-out visitor keeps a socket for its
    /// public frames.
    #[allow(dead_code)] // read in the browser only
    wants_catalog: StoredValue<bool>,
    /// Ends the running connection loop, and with it the socket.
    #[cfg(feature = "hydrate")]
    stop: StoredValue<Option<futures::future::AbortHandle>>,
}

impl Live {
    fn new() -> Live {
        #[cfg(feature = "hydrate")]
        let listeners = StoredValue::new_local(vec![]);
        #[cfg(not(feature = "hydrate"))]
        let listeners = ();
        Live {
            state: RwSignal::new(ConnState::Idle),
            transport: RwSignal::new(Transport::WebSocket),
            role: RwSignal::new(String::new()),
            listeners,
            next_id: StoredValue::new(1),
            user: StoredValue::new(None),
            wants_catalog: StoredValue::new(false),
            #[cfg(feature = "hydrate")]
            stop: StoredValue::new(None),
        }
    }

    /// The request's live state on the server (always idle there).
    pub fn provide() -> Live {
        let live = Live::new();
        provide_context(live);
        live
    }

    /// The visit's one connection: the header's indicator opens and ends it, page islands listen.
    pub fn get() -> Live {
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        {
            thread_local!(static LIVE: std::cell::OnceCell<Live> = const { std::cell::OnceCell::new() });
            super::visit_state(&LIVE, Live::new)
        }
        #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
        {
            use_context::<Live>().unwrap_or_else(Live::provide)
        }
    }

    /// Calls `f` for every message while the calling component lives.
    pub fn listen(&self, f: impl Fn(&LiveMsg) + 'static) {
        #[cfg(not(feature = "hydrate"))]
        let _ = f;
        #[cfg(feature = "hydrate")]
        self.listen_in_browser(f);
    }

    #[cfg(feature = "hydrate")]
    fn listen_in_browser(&self, f: impl Fn(&LiveMsg) + 'static) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.listeners.update_value(|l| l.push((id, Rc::new(f))));
        let listeners = self.listeners;
        on_cleanup(move || {
            listeners.try_update_value(|l| l.retain(|(i, _)| *i != id));
        });
    }

    #[cfg(feature = "hydrate")]
    pub(super) fn dispatch(&self, msg: &LiveMsg) {
        // Clone the list first: a listener may register or unregister others.
        let current: Vec<Listener> = self.listeners.with_value(|l| l.iter().map(|(_, f)| f.clone()).collect());
        for f in current {
            f(msg);
        }
    }

    /// Keeps a socket open for `user`'s session, or none for `None` (browser only). The visit
    /// has one socket; a socket speaks for the session that opened it, so signing out ends it
    /// and signing in as someone else replaces it.
    #[cfg(feature = "hydrate")]
    pub fn connect_as(self, user: Option<String>) {
        // Signed out on a visit that showed the catalog: a visitor's socket.
        let user = user.or_else(|| self.wants_catalog.get_value().then(String::new));
        if self.user.with_value(|u| *u == user) {
            return;
        }
        if let Some(stop) = self.stop.try_update_value(Option::take).flatten() {
            stop.abort();
        }
        self.user.set_value(user.clone());
        self.role.set(String::new());
        if user.is_none() {
            self.state.set(ConnState::Idle);
            return;
        }
        self.state.set(ConnState::Connecting);
        let (stop, registration) = futures::future::AbortHandle::new_pair();
        self.stop.set_value(Some(stop));
        leptos::task::spawn_local(async move {
            let _ = futures::future::Abortable::new(super::transport::run(self), registration).await;
        });
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn connect_as(self, _user: Option<String>) {}

    /// A page shows the catalog: its live frames are wanted even with nobody signed in.
    #[cfg(feature = "hydrate")]
    pub fn watch_catalog(self) {
        if self.wants_catalog.get_value() {
            return;
        }
        self.wants_catalog.set_value(true);
        // After the header's indicator had its turn (its effect runs once hydration is done): a
        // signed-in visit keeps its own socket, which carries the catalog's frames too.
        set_timeout(
            move || {
                if self.user.with_value(Option::is_none) {
                    self.connect_as(None);
                }
            },
            std::time::Duration::ZERO,
        );
    }
}

/// Delay before reconnect attempt `n` (1-based): 0.5 s doubling to at most 15 s, with ±50 % jitter.
pub fn backoff_ms(attempt: u32, random01: f64) -> u32 {
    let base = 500f64 * 2f64.powi(attempt.saturating_sub(1).min(10) as i32);
    let capped = base.min(15_000.0);
    (capped * (0.5 + random01.clamp(0.0, 1.0))) as u32
}

/// The Live / Reconnecting / Offline indicator, announced to screen readers. The header's
/// (`quiet` false) also keeps the visit's connection in step with who is signed in (`user`,
/// their account id): it opens the socket when it hydrates, and when navigation brings a
/// header for someone else (or for nobody) it replaces this island and the socket with it. A
/// page that shows a second indicator (beside a live heading) makes that one `quiet`: it only
/// shows the state and is not a live region, so a screen reader hears each change once.
#[island]
pub fn ConnectionIndicator(user: Option<String>, quiet: bool) -> impl IntoView {
    let live = Live::get();
    if quiet {
        super::page::scoped();
    } else {
        // After hydration, so the markup is taken over as the server rendered it (idle) first.
        Effect::new(move |_| live.connect_as(user.clone()));
    }
    let (state, transport) = (live.state, live.transport);
    let fallback = move || state.get() == ConnState::Live && transport.get() == Transport::Sse;
    view! {
        <span
            data-testid="connection-status"
            data-state=move || state.get().as_str()
            data-transport=move || transport.get().as_str()
            data-role=move || live.role.get()
            title=move || fallback().then_some("Live updates over Server-Sent Events: this network blocks WebSockets")
            role=(!quiet).then_some("status")
            aria-live=if quiet { "off" } else { "polite" }
            class=move || {
                let tone = match state.get() {
                    ConnState::Live => "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-950 dark:text-emerald-300",
                    ConnState::Reconnecting | ConnState::Connecting => "bg-amber-50 text-amber-700 ring-amber-600/20 dark:bg-amber-950 dark:text-amber-300",
                    ConnState::Offline => "bg-rose-50 text-rose-700 ring-rose-600/20 dark:bg-rose-950 dark:text-rose-300",
                    // Nobody signed in, so no live channel to speak of. Only `hidden`: next to
                    // `inline-flex` it would lose (both set `display`; the stylesheet's order
                    // decides), and signed-out visitors saw a red "Not connected" pill.
                    ConnState::Idle => return "hidden".to_owned(),
                };
                format!("inline-flex items-center gap-1.5 rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset {tone}")
            }
        >
            <span
                aria-hidden="true"
                class=move || {
                    let dot = match state.get() {
                        ConnState::Live => "bg-emerald-500 animate-pulse",
                        ConnState::Reconnecting | ConnState::Connecting => "bg-amber-500",
                        _ => "bg-rose-500",
                    };
                    format!("h-2 w-2 rounded-full {dot}")
                }
            ></span>
            // On a phone the dot says it; the words stay for screen readers (and from `sm` up).
            <span class="sr-only sm:not-sr-only">{move || if fallback() { "Live (SSE)" } else { state.get().label() }}</span>
        </span>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_caps_and_jitters() {
        assert_eq!(super::backoff_ms(1, 0.5), 500);
        assert_eq!(super::backoff_ms(2, 0.5), 1000);
        assert_eq!(super::backoff_ms(20, 0.5), 15_000);
        assert_eq!(super::backoff_ms(20, 1.0), 22_500);
        assert_eq!(super::backoff_ms(1, 0.0), 250);
    }
}
