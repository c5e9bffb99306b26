//! `/events`: the live channel over Server-Sent Events, for networks that block WebSockets
//! (some corporate proxies and mobile carriers). The browser falls back to it by itself
//! (`app/src/state/live.rs`).
//!
//! The rules are those of `/ws` (`ws::admit`: Origin, session, per-account cap; the hub's
//! per-user filtering, bounded queue and resync). What differs is the wire: each event carries
//! an `id:`, and a stream that reconnects with `Last-Event-ID` (or `?last_event_id=`, for a
//! client that opens a new `EventSource`) gets the events it missed from this instance's recent
//! ones (`recent.rs`) and no refetch; when they are not here, its hello says so and the page
//! refetches. A heartbeat every 15 s keeps proxies from closing an idle stream and lets the
//! browser tell a dead link from a quiet one.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use axum::Extension;
use tokio::sync::mpsc;
use tokio::time::interval;

use crate::hub::{Outgoing, Subscription};
use crate::recent::{EventId, Resume};
use crate::startup::AppState;
use crate::ws::LiveParams;
use domain::ServerMessage;

const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);
/// A stream whose reader has not taken a message for this long is closed, as `/ws` closes a
/// socket whose send stalls.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn handler(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<LiveParams>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    let (viewer, (subscription, rx)) = match crate::ws::admit(&state, &headers, &params, peer.map(|Extension(ConnectInfo(a))| a.ip())).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let staff = viewer.staff;
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_owned).or(params.last_event_id);
    // Subscribed first: what is published from here on is queued, what came before is in the gap.
    let resume = last.map(|last| match EventId::parse(&last) {
        Some(id) => state.hub.resume(id, &viewer.user_id, staff),
        None => Resume::Lost,
    });
    match &resume {
        Some(Resume::Gap(_)) => state.metrics.sse_resumed.fetch_add(1, Ordering::Relaxed),
        Some(Resume::Lost) => state.metrics.sse_lost.fetch_add(1, Ordering::Relaxed),
        None => 0,
    };
    // One message in flight between the writer and the response body: a reader that stops
    // reading stops the writer at its next send, and the hub's queue does the buffering.
    let (body_tx, mut body_rx) = mpsc::channel::<Bytes>(1);
    let role = viewer.role;
    let span = tracing::info_span!("sse", user_id = %viewer.user_id, staff);
    let writer = Writer { tx: body_tx, epoch: state.hub.epoch() };
    let metrics = state.metrics.clone();
    tokio::spawn(async move {
        metrics.sse_streams.fetch_add(1, Ordering::Relaxed);
        writer.run(rx, subscription, role, resume, span).await;
        metrics.sse_streams.fetch_sub(1, Ordering::Relaxed);
    });
    let stream = futures::stream::poll_fn(move |cx| body_rx.poll_recv(cx).map(|b| b.map(Ok::<_, Infallible>)));
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // nginx buffers proxied answers unless told not to; a buffered stream arrives late or never.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

struct Writer {
    tx: mpsc::Sender<Bytes>,
    epoch: u64,
}

impl Writer {
    async fn run(self, mut rx: mpsc::Receiver<Outgoing>, subscription: Subscription, role: &str, resume: Option<Resume>, span: tracing::Span) {
        let (resumed, gap) = match resume {
            Some(Resume::Gap(gap)) => (true, gap),
            Some(Resume::Lost) | None => (false, vec![]),
        };
        let hello = ServerMessage::Hello { role: role.into(), resumed }.to_json();
        if !self.send(data(None, &hello)).await {
            return;
        }
        for (seq, frame) in gap {
            if !self.send(data(Some(self.id(seq)), frame.as_str())).await {
                return;
            }
        }
        let heartbeat = format!(": keep-alive\n{}", data(None, &ServerMessage::Heartbeat.to_json()));
        let resync = ServerMessage::Resync.to_json();
        let mut beat = interval(HEARTBEAT_EVERY);
        beat.tick().await;
        loop {
            let message = tokio::select! {
                biased;
                outgoing = rx.recv() => match outgoing {
                    // Catalog frames are not kept for resuming: they carry no id.
                    Some(Outgoing::Frame(seq, frame)) => data((seq != crate::hub::CATALOG_SEQ).then(|| self.id(seq)), frame.as_str()),
                    Some(Outgoing::Resync) => {
                        subscription.took_resync();
                        span.in_scope(|| tracing::info!("stream queue overflowed; told to resync"));
                        data(None, &resync)
                    }
                    // The hub closed the queue: the session ended or the server is shutting down.
                    None => return,
                },
                _ = beat.tick() => heartbeat.clone(),
            };
            if !self.send(message).await {
                span.in_scope(|| tracing::debug!("stream reader gone or stalled; closing"));
                return;
            }
        }
    }

    fn id(&self, seq: u64) -> EventId {
        EventId { epoch: self.epoch, seq }
    }

    async fn send(&self, message: String) -> bool {
        self.tx.send_timeout(Bytes::from(message), SEND_TIMEOUT).await.is_ok()
    }
}

/// One message in the `text/event-stream` format. A compact JSON text holds no line breaks.
fn data(id: Option<EventId>, json: &str) -> String {
    match id {
        Some(id) => format!("id: {id}\ndata: {json}\n\n"),
        None => format!("data: {json}\n\n"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_have_the_event_stream_shape() {
        let id = crate::recent::EventId { epoch: 0xab, seq: 7 };
        assert_eq!(super::data(Some(id), r#"{"kind":"resync"}"#), "id: ab-7\ndata: {\"kind\":\"resync\"}\n\n");
        assert_eq!(super::data(None, "{}"), "data: {}\n\n");
    }
}
