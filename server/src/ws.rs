//! `/ws`: the live channel to the browser.
//!
//! The session cookie is checked before the upgrade (401 without a live session) and so is the
//! `Origin` (403 for another site); when the session ends later, the session watcher closes the
//! socket (`sessions.rs`). After the upgrade the socket gets a `hello`, then the events it may
//! see from the hub. A ping every 15 s (plus an application-level heartbeat the browser can
//! see) and a 45 s read deadline close dead peers; a send that takes longer than 10 s closes a
//! peer that stopped reading.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc::Receiver;
use tokio::time::{interval, timeout, Instant};

use crate::hub::{Outgoing, Subscription};
use crate::listener::Slot;
use crate::startup::AppState;
use domain::ServerMessage;

const PING_EVERY: Duration = Duration::from_secs(15);
const DEAD_AFTER: Duration = Duration::from_secs(45);
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Per-socket buffers. tungstenite's defaults (a 128 KiB read buffer and a 128 KiB write buffer
/// per connection) are sized for bulk transfer; our frames are under 1 KiB and a browser sends
/// only pongs and heartbeats, so one instance can hold tens of thousands of sockets in little
/// memory (P3). Frames are written and flushed one at a time.
const READ_BUFFER: usize = 4 * 1024;
const WRITE_BUFFER: usize = 0;
/// Nothing a browser sends us is larger; a bigger message closes the socket instead of being
/// buffered.
const MAX_INCOMING_MESSAGE: usize = 16 * 1024;

pub async fn handler(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<LiveParams>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    slot: Option<Extension<Arc<Slot>>>,
) -> Response {
    let (viewer, queue) = match admit(&state, &headers, &params, peer.map(|Extension(ConnectInfo(a))| a.ip())).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    // The socket keeps its connection's place under the connection caps, and is never closed
    // to make room (listener.rs).
    let slot = slot.map(|Extension(slot)| slot);
    if let Some(slot) = &slot {
        slot.mark_upgraded();
    }
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_INCOMING_MESSAGE)
        .max_frame_size(MAX_INCOMING_MESSAGE)
        .on_upgrade(move |socket| serve(socket, viewer, queue, state, slot))
}

#[tracing::instrument(name = "ws", skip_all, fields(user_id = %viewer.user_id, staff = viewer.staff))]
async fn serve(socket: WebSocket, viewer: Viewer, queue: (Subscription, Receiver<Outgoing>), state: AppState, _slot: Option<Arc<Slot>>) {
    let (subscription, rx) = queue;
    state.metrics.ws_connections.fetch_add(1, Ordering::Relaxed);
    tracing::debug!("socket open");
    let (sink, mut stream) = socket.split();
    let role = viewer.role;
    let heard = Arc::new(Heard::new());
    // Two tasks per socket. The writer sleeps on its queue and its ping timer only, so an event
    // wakes it, it writes, and it waits again without touching the read side; this task reads,
    // which happens every 15 s (pongs and heartbeats), not once per event: with thousands of
    // staff sockets, polling the read side on every wake-up would weigh on each fan-out (P4).
    let writer = write_loop(sink, rx, subscription, role, heard.clone(), tracing::Span::current());
    let mut writer = tokio::spawn(writer);
    let writer_ended = loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break false,
                Some(Ok(_)) => heard.now(),
            },
            // The writer stopped (shutdown, a dead or stuck peer): nothing left to read for.
            _ = &mut writer => break true,
        }
    };
    if !writer_ended {
        writer.abort();
        // Wait until the writer (and its subscription) is gone, so the gauge never counts a
        // socket that is still registered with the hub. (A finished handle must not be polled
        // again: tokio panics.)
        let _ = writer.await;
    }
    state.metrics.ws_connections.fetch_sub(1, Ordering::Relaxed);
    tracing::debug!("socket closed");
}

/// Who a live channel speaks for.
pub(crate) struct Viewer {
    /// The hub's key: the account's id, or `visitor:<address>` for a signed-out visitor.
    pub user_id: String,
    pub staff: bool,
    /// What the hello says: `staff`, `shopper` or `visitor`.
    pub role: &'static str,
}

/// What the browser asks of a live channel: `?catalog=1` adds the public catalog frames
/// (`ServerMessage::Catalog`); without a session, only those are open to it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LiveParams {
    #[serde(default)]
    catalog: Option<String>,
    /// Server-Sent Events only: the stream's last event, where `Last-Event-ID` cannot be set.
    #[serde(default)]
    pub last_event_id: Option<String>,
}

impl LiveParams {
    fn catalog(&self) -> bool {
        self.catalog.as_deref() == Some("1")
    }
}

/// The checks both live channels (`/ws` and `/events`) make before they open: the `Origin`
/// (403 for another site), a live session (401 without one, unless only the public catalog is
/// asked for and no session cookie was sent), and the cap on live connections per account or,
/// for visitors, per address (429). Admitted, the caller holds the channel's place in the hub.
pub(crate) async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    params: &LiveParams,
    peer: Option<IpAddr>,
) -> Result<(Viewer, (Subscription, Receiver<Outgoing>)), Response> {
    if !crate::security::origin_allowed(headers) {
        return Err((StatusCode::FORBIDDEN, "cross-origin live connection refused").into_response());
    }
    let token = app::api::cookies::session_token(headers);
    let session = match &token {
        Some(token) => backend::sessions::current(&state.shop, token).await,
        None => Ok(None),
    };
    let (viewer, session_id, cap) = match session {
        Ok(Some(session)) => {
            let staff = session.is_staff();
            (Viewer { user_id: session.user_id, staff, role: if staff { "staff" } else { "shopper" } }, session.id, state.ws_per_user)
        }
        // A visitor: the catalog's public frames only. A cookie that no longer opens a session
        // is refused, so that a browser learns its session ended.
        Ok(None) if token.is_none() && params.catalog() => {
            let address = peer.map_or_else(String::new, |ip| ip.to_string());
            // Visitors behind one address (an office, a carrier's NAT) share its places.
            (
                Viewer { user_id: format!("visitor:{address}"), staff: false, role: "visitor" },
                String::new(),
                state.ws_per_user.saturating_mul(VISITORS_PER_ACCOUNT_CAP),
            )
        }
        Ok(None) => return Err((StatusCode::UNAUTHORIZED, "sign in to receive live updates").into_response()),
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            return Err((StatusCode::SERVICE_UNAVAILABLE, "try again shortly").into_response());
        }
    };
    let Some(queue) = state.hub.subscribe(&viewer.user_id, &session_id, viewer.staff, params.catalog(), state.ws_queue, cap) else {
        state.metrics.ws_refused.fetch_add(1, Ordering::Relaxed);
        return Err((StatusCode::TOO_MANY_REQUESTS, "too many live connections for this account: close another tab").into_response());
    };
    Ok((viewer, queue))
}

/// How many times an account's cap on live connections one address may hold as visitors.
const VISITORS_PER_ACCOUNT_CAP: usize = 4;

/// When the peer was last heard from, for the writer's dead-peer check.
struct Heard {
    since: Instant,
    at_ms: AtomicU64,
}

impl Heard {
    fn new() -> Heard {
        Heard { since: Instant::now(), at_ms: AtomicU64::new(0) }
    }
    fn now(&self) {
        self.at_ms.store(self.since.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    fn silent_for(&self) -> Duration {
        self.since.elapsed().saturating_sub(Duration::from_millis(self.at_ms.load(Ordering::Relaxed)))
    }
}

/// The socket's writer. `span` is the socket's, entered only to log: entering it on every poll
/// would be a cost paid per socket per event.
async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: Receiver<Outgoing>,
    subscription: Subscription,
    role: &'static str,
    heard: Arc<Heard>,
    span: tracing::Span,
) {
    let hello = ServerMessage::Hello { role: role.into(), resumed: false }.to_json();
    let heartbeat = Utf8Bytes::from(ServerMessage::Heartbeat.to_json());
    let resync = Utf8Bytes::from(ServerMessage::Resync.to_json());
    if !send(&mut sink, Message::Text(hello.into())).await {
        return;
    }
    let mut ping = interval(PING_EVERY);
    ping.tick().await;
    loop {
        let ok = tokio::select! {
            // The queue first: a frame goes out before a ping that fell due at the same time.
            biased;
            outgoing = rx.recv() => match outgoing {
                Some(Outgoing::Frame(_, f)) => send(&mut sink, Message::Text(f)).await,
                Some(Outgoing::Resync) => {
                    subscription.took_resync();
                    span.in_scope(|| tracing::info!("socket queue overflowed; told to resync"));
                    send(&mut sink, Message::Text(resync.clone())).await
                }
                // The hub closed every queue: the server is shutting down.
                None => {
                    let _ = timeout(Duration::from_secs(1), sink.send(Message::Close(None))).await;
                    false
                }
            },
            _ = ping.tick() => {
                if heard.silent_for() > DEAD_AFTER {
                    span.in_scope(|| tracing::info!("peer silent for {DEAD_AFTER:?}; closing"));
                    false
                } else {
                    send(&mut sink, Message::Ping(Default::default())).await && send(&mut sink, Message::Text(heartbeat.clone())).await
                }
            }
        };
        if !ok {
            return;
        }
    }
}

/// Sends one message; false if the peer is gone or has not taken it within `SEND_TIMEOUT`.
/// Almost every send completes at once (the kernel's buffer has room), and only one that has to
/// wait arms a timer: a timer per frame is measurable when an event goes to 10,000 sockets (P4).
async fn send(sink: &mut SplitSink<WebSocket, Message>, message: Message) -> bool {
    let mut sending = sink.send(message);
    if let Poll::Ready(result) = futures::poll!(&mut sending) {
        return result.is_ok();
    }
    timeout(SEND_TIMEOUT, sending).await.is_ok_and(|r| r.is_ok())
}
