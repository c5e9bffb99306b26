//! How the browser keeps the visit's live connection open (browser only): WebSockets first,
//! Server-Sent Events when WebSockets do not get through.
//!
//! Some proxies and mobile carriers refuse the WebSocket upgrade, or cut the socket soon after.
//! After two WebSocket attempts in a row that never went live, or died within a short while,
//! the connection switches to `/events` (SSE, plain HTTP), and from there tries a WebSocket
//! again every minute, switching back when one goes live. When the fallback does not get through
//! either, the server is more likely away than both transports blocked, and the next attempt is
//! a WebSocket again. `?transport=sse` in the address of
//! the first page forces the fallback, for support cases.
//!
//! Every (re)connect is announced to the pages as a resync, except an SSE stream that resumed
//! where it stopped (`Last-Event-ID`): its hello says so, and nothing was missed.

use futures::{FutureExt, StreamExt};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

use super::live::{backoff_ms, ConnState, Live, LiveMsg, Transport};
use domain::ServerMessage;

/// The server sends a heartbeat every 15 s; this long without a message means a dead link.
const SILENCE_MS: u32 = 40_000;
/// WebSocket attempts that fail in a row before the fallback is used.
const FAILURES_BEFORE_FALLBACK: u32 = 2;
/// A socket that dies sooner than this after going live counts as a failed attempt.
const SHORT_LIVED_MS: f64 = 30_000.0;
/// On the fallback, how often a WebSocket is tried again, and how long it has to say hello.
const PROBE_EVERY_MS: u32 = 60_000;
const PROBE_WAIT_MS: u32 = 5_000;

/// How a connection attempt ended.
enum Ended {
    /// It never went live.
    Failed,
    /// It was live for this many milliseconds.
    WasLive(f64),
    /// (On the fallback) a WebSocket went live again: switch back.
    WebSocketsWork,
}

pub(super) async fn run(live: Live) {
    let Some(location) = web_sys::window().map(|w| w.location()) else { return };
    let scheme = if location.protocol().ok().as_deref() == Some("https:") { "wss" } else { "ws" };
    // Every browser connection also takes the catalog's public frames (`?catalog=1`): the
    // visit's one connection serves whichever page is open.
    let ws_url = format!("{scheme}://{}/ws?catalog=1", location.host().unwrap_or_default());
    let forced = location.search().ok().is_some_and(|q| q.trim_start_matches('?').split('&').any(|p| p == "transport=sse"));
    let mut attempt: u32 = 0;
    let mut ws_failures: u32 = 0;
    let mut last_event_id: Option<String> = None;
    loop {
        let fallback = forced || ws_failures >= FAILURES_BEFORE_FALLBACK;
        live.transport.set(if fallback { Transport::Sse } else { Transport::WebSocket });
        let ended = if fallback { sse(live, &ws_url, &mut last_event_id, !forced).await } else { websocket(live, &ws_url).await };
        let switching = match ended {
            Ended::WebSocketsWork => {
                ws_failures = 0;
                true
            }
            Ended::WasLive(ms) if !fallback && ms >= SHORT_LIVED_MS => {
                ws_failures = 0;
                false
            }
            _ if !fallback => {
                ws_failures += 1;
                ws_failures == FAILURES_BEFORE_FALLBACK
            }
            // Neither got through: more likely the server is away (a restart) than both blocked,
            // so the next attempts start from a WebSocket again.
            Ended::Failed if !forced => {
                ws_failures = 0;
                false
            }
            _ => false,
        };
        if matches!(ended, Ended::WasLive(_)) {
            attempt = 0;
        }
        if switching {
            // Straight to the other transport: waiting would only delay the updates.
            continue;
        }
        attempt += 1;
        live.state.set(if attempt > 6 { ConnState::Offline } else { ConnState::Reconnecting });
        TimeoutFuture::new(backoff_ms(attempt, js_sys::Math::random())).await;
    }
}

/// Applies one message; true if it was the hello that makes the connection live.
fn receive(live: Live, text: &str) -> bool {
    match serde_json::from_str::<ServerMessage>(text) {
        Ok(ServerMessage::Hello { resumed, role }) => {
            live.role.set(role);
            live.state.set(ConnState::Live);
            if !resumed {
                live.dispatch(&LiveMsg::Resync);
            }
            true
        }
        Ok(ServerMessage::Event { event }) => {
            live.dispatch(&LiveMsg::Event(event));
            false
        }
        Ok(ServerMessage::Catalog { products, archived }) => {
            live.dispatch(&LiveMsg::Catalog { products, archived });
            false
        }
        Ok(ServerMessage::Notification { notification, unread }) => {
            live.dispatch(&LiveMsg::Notification { notification, unread });
            false
        }
        Ok(ServerMessage::Resync) => {
            live.dispatch(&LiveMsg::Resync);
            false
        }
        Ok(ServerMessage::Heartbeat) => false,
        Err(e) => {
            leptos::logging::warn!("ignoring unreadable live message: {e}");
            false
        }
    }
}

async fn websocket(live: Live, url: &str) -> Ended {
    use gloo_net::websocket::{futures::WebSocket, Message};
    let Ok(ws) = WebSocket::open(url) else { return Ended::Failed };
    let (_write, mut read) = ws.split();
    let mut live_since: Option<f64> = None;
    loop {
        let Some(Some(Ok(Message::Text(text)))) = within(SILENCE_MS, read.next()).await else { break };
        if receive(live, &text) {
            live_since = Some(js_sys::Date::now());
        }
    }
    live_since.map_or(Ended::Failed, |since| Ended::WasLive(js_sys::Date::now() - since))
}

/// The fallback stream. The browser's `EventSource` reconnects by itself after a drop, sending
/// `Last-Event-ID`; when it gives up (the server refused it), this opens a new one that names
/// the last id in its address instead.
async fn sse(live: Live, ws_url: &str, last_event_id: &mut Option<String>, probe: bool) -> Ended {
    use gloo_net::eventsource::futures::EventSource;
    let url = match last_event_id.as_deref() {
        Some(id) => format!("/events?catalog=1&last_event_id={}", js_sys::encode_uri_component(id)),
        None => "/events?catalog=1".to_owned(),
    };
    let Ok(mut source) = EventSource::new(&url) else { return Ended::Failed };
    let Ok(mut messages) = source.subscribe("message") else { return Ended::Failed };
    let mut live_since: Option<f64> = None;
    let probe_timer = TimeoutFuture::new(PROBE_EVERY_MS).fuse();
    futures::pin_mut!(probe_timer);
    let ended = loop {
        let msg = futures::select! {
            m = within(SILENCE_MS, messages.next()).fuse() => m.flatten(),
            _ = probe_timer => {
                if probe && live_since.is_some() && websocket_goes_live(ws_url).await {
                    break Ended::WebSocketsWork;
                }
                probe_timer.set(TimeoutFuture::new(PROBE_EVERY_MS).fuse());
                continue;
            }
        };
        let Some(Ok((_, event))) = msg else {
            break live_since.map_or(Ended::Failed, |since| Ended::WasLive(js_sys::Date::now() - since));
        };
        let id = event.last_event_id();
        if !id.is_empty() {
            *last_event_id = Some(id);
        }
        if let Some(text) = event.data().as_string() {
            if receive(live, &text) {
                live_since = Some(js_sys::Date::now());
            }
        }
    };
    source.close();
    ended
}

/// Opens a WebSocket and waits briefly for its hello; closes it either way.
async fn websocket_goes_live(url: &str) -> bool {
    use gloo_net::websocket::{futures::WebSocket, Message};
    let Ok(ws) = WebSocket::open(url) else { return false };
    let (_write, mut read) = ws.split();
    let msg = within(PROBE_WAIT_MS, read.next()).await;
    matches!(msg, Some(Some(Ok(Message::Text(text)))) if matches!(serde_json::from_str(&text), Ok(ServerMessage::Hello { .. })))
}

/// What `future` gives, or `None` when `ms` milliseconds pass first.
async fn within<T>(ms: u32, future: impl std::future::Future<Output = T>) -> Option<T> {
    let future = future.fuse();
    let timer = TimeoutFuture::new(ms).fuse();
    futures::pin_mut!(future, timer);
    futures::select! {
        value = future => Some(value),
        _ = timer => None,
    }
}
