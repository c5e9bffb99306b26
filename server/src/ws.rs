//! `/ws`: the live channel to the browser.
//!
//! The session cookie is checked before the upgrade (401 without one) and so is the `Origin`
//! (403 for another site). After the upgrade the socket gets a `hello`, then the events it may
//! see from the hub. A ping every 15 s (plus an application-level heartbeat the browser can
//! see) and a 45 s read deadline close dead peers; a send that takes longer than 10 s closes a
//! peer that stopped reading.

use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use tokio::time::{interval, timeout, Instant};

use crate::startup::AppState;
use backend::auth::Session;
use domain::ServerMessage;

const PING_EVERY: Duration = Duration::from_secs(15);
const DEAD_AFTER: Duration = Duration::from_secs(45);
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Per-socket buffers. tungstenite's defaults (a 128 KiB read buffer and a 128 KiB write buffer
/// per connection) are sized for bulk transfer; our frames are under 1 KiB and a browser sends
/// only pongs and heartbeats, so one instance can hold tens of thousands of sockets in little
/// memory (BENCHMARKS.md, P3). Frames are written and flushed one at a time.
const READ_BUFFER: usize = 4 * 1024;
const WRITE_BUFFER: usize = 0;
/// Nothing a browser sends us is larger; a bigger message closes the socket instead of being
/// buffered.
const MAX_INCOMING_MESSAGE: usize = 16 * 1024;

pub async fn handler(ws: WebSocketUpgrade, State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !crate::security::origin_allowed(&headers) {
        return (StatusCode::FORBIDDEN, "cross-origin WebSocket refused").into_response();
    }
    let Some(session) = state.shop.auth.session_from_headers(&headers) else {
        return (StatusCode::UNAUTHORIZED, "sign in to receive live updates").into_response();
    };
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_INCOMING_MESSAGE)
        .max_frame_size(MAX_INCOMING_MESSAGE)
        .on_upgrade(move |socket| serve(socket, session, state))
}

#[tracing::instrument(name = "ws", skip_all, fields(user_id = %session.user_id, staff = session.is_staff()))]
async fn serve(socket: WebSocket, session: Session, state: AppState) {
    let (subscription, mut rx) = state.hub.subscribe(&session.user_id, session.is_staff(), state.ws_queue);
    state.metrics.ws_connections.fetch_add(1, Ordering::Relaxed);
    tracing::debug!("socket open");
    let (mut sink, mut stream) = socket.split();
    let hello = ServerMessage::Hello { role: if session.is_staff() { "staff".into() } else { "shopper".into() } }.to_json();
    let heartbeat = Utf8Bytes::from(ServerMessage::Heartbeat.to_json());
    let resync = Utf8Bytes::from(ServerMessage::Resync.to_json());
    let mut ok = send(&mut sink, Message::Text(hello.into())).await;
    let mut ping = interval(PING_EVERY);
    ping.tick().await;
    let mut last_heard = Instant::now();
    let sub = subscription.subscriber.clone();
    let mut shutdown = state.shutdown.clone();
    // Created once, not per frame: a fresh `changed()` or `notified()` each turn would register
    // and unregister this socket with a notifier, and the shutdown one is shared by every socket
    // (with 10,000 staff sockets that is 20,000 lock round trips per event; BENCHMARKS.md, P4).
    let shutting_down = shutdown.changed();
    tokio::pin!(shutting_down);
    let overflow = sub.wake.notified();
    tokio::pin!(overflow);

    while ok {
        let turn = tokio::select! {
            frame = rx.recv() => match frame {
                Some(f) => Turn::Send(Message::Text(f)),
                None => Turn::Close,
            },
            _ = &mut overflow => Turn::Overflowed,
            _ = ping.tick() => Turn::Ping,
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => Turn::Close,
                Some(Ok(_)) => Turn::Heard,
            },
            _ = &mut shutting_down => Turn::Shutdown,
        };
        ok = match turn {
            Turn::Send(message) => send(&mut sink, message).await,
            Turn::Heard => {
                last_heard = Instant::now();
                true
            }
            Turn::Overflowed => {
                overflow.set(sub.wake.notified());
                if !sub.overflowed.swap(false, Ordering::AcqRel) {
                    continue;
                }
                // Whatever is still queued is older than what the refetch will show.
                while rx.try_recv().is_ok() {}
                tracing::info!("socket queue overflowed; told to resync");
                send(&mut sink, Message::Text(resync.clone())).await
            }
            Turn::Ping => {
                if last_heard.elapsed() > DEAD_AFTER {
                    tracing::info!("peer silent for {DEAD_AFTER:?}; closing");
                    break;
                }
                send(&mut sink, Message::Ping(Default::default())).await && send(&mut sink, Message::Text(heartbeat.clone())).await
            }
            Turn::Shutdown => {
                let _ = timeout(Duration::from_secs(1), sink.send(Message::Close(None))).await;
                break;
            }
            Turn::Close => break,
        };
    }
    drop(subscription);
    state.metrics.ws_connections.fetch_sub(1, Ordering::Relaxed);
    tracing::debug!("socket closed");
}

/// What woke the socket's task.
enum Turn {
    Send(Message),
    Overflowed,
    Ping,
    Heard,
    Shutdown,
    Close,
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
