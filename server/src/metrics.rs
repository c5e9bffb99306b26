//! Counters of the event pipeline, exposed at `/metrics` in Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

#[derive(Default, Debug)]
pub struct Metrics {
    /// Outbox rows acknowledged by Kafka.
    pub events_produced: AtomicU64,
    /// Records read from Kafka and decoded.
    pub events_consumed: AtomicU64,
    /// Records that could not be decoded (logged and skipped).
    pub events_malformed: AtomicU64,
    /// Events whose order the database does not have, or has with another owner (skipped).
    pub events_untrusted: AtomicU64,
    /// Frames queued for a socket.
    pub events_pushed: AtomicU64,
    /// Frames a socket's full queue could not take (that socket was told to resync).
    pub events_dropped: AtomicU64,
    pub relay_errors: AtomicU64,
    pub consumer_errors: AtomicU64,
    pub ws_connections: AtomicI64,
    /// Open Server-Sent Events streams (`/events`, the fallback for blocked WebSockets).
    pub sse_streams: AtomicI64,
    /// Streams that resumed from `Last-Event-ID` without a refetch, and those told to refetch.
    pub sse_resumed: AtomicU64,
    pub sse_lost: AtomicU64,
    /// Connections refused because every connection under a cap was busy (`listener.rs`).
    pub connections_refused: AtomicU64,
    /// Sockets refused because their user already held `WS_PER_USER` of them.
    pub ws_refused: AtomicU64,
    /// Unix millis of the consumer's last successful fetch (0: never).
    pub consumer_last_fetch_ms: AtomicI64,
    /// Notifications the notifications service wrote (`notifier.rs`).
    pub notifications_written: AtomicU64,
    pub notifier_errors: AtomicU64,
    /// The notifications service knows where it reads every partition from.
    pub notifier_ready: AtomicBool,
    /// Deliveries the webhooks service wrote, and its senders' attempts (`webhooks.rs`).
    pub webhook_deliveries_written: AtomicU64,
    pub webhook_attempts_ok: AtomicU64,
    pub webhook_attempts_failed: AtomicU64,
    pub webhook_errors: AtomicU64,
    pub webhooks_ready: AtomicBool,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::Relaxed);
    }

    pub fn render(&self, outbox_backlog: Option<u64>) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, v: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        };
        counter("shop_events_produced_total", "Order events acknowledged by Kafka.", self.events_produced.load(Ordering::Relaxed));
        counter("shop_events_consumed_total", "Order events read from Kafka.", self.events_consumed.load(Ordering::Relaxed));
        counter("shop_events_malformed_total", "Kafka records skipped because they could not be decoded.", self.events_malformed.load(Ordering::Relaxed));
        counter(
            "shop_events_untrusted_total",
            "Events skipped because the database does not know their order or owner.",
            self.events_untrusted.load(Ordering::Relaxed),
        );
        counter("shop_events_pushed_total", "Event frames queued for WebSocket clients.", self.events_pushed.load(Ordering::Relaxed));
        counter("shop_events_dropped_total", "Event frames dropped for slow WebSocket clients (told to resync).", self.events_dropped.load(Ordering::Relaxed));
        counter(
            "shop_connections_refused_total",
            "Connections refused at the connection caps with every connection busy.",
            self.connections_refused.load(Ordering::Relaxed),
        );
        counter("shop_ws_refused_total", "WebSockets refused because their user held the most allowed.", self.ws_refused.load(Ordering::Relaxed));
        counter("shop_sse_resumed_total", "Event streams that resumed where they stopped (Last-Event-ID).", self.sse_resumed.load(Ordering::Relaxed));
        counter("shop_sse_lost_total", "Event streams that could not resume (told to refetch).", self.sse_lost.load(Ordering::Relaxed));
        counter("shop_relay_errors_total", "Failed outbox publish attempts.", self.relay_errors.load(Ordering::Relaxed));
        counter("shop_consumer_errors_total", "Kafka consumer errors (each followed by a reconnect).", self.consumer_errors.load(Ordering::Relaxed));
        counter("shop_notifications_written_total", "Notifications written for shoppers.", self.notifications_written.load(Ordering::Relaxed));
        counter("shop_notifier_errors_total", "Notifications service errors (each followed by a restart).", self.notifier_errors.load(Ordering::Relaxed));
        counter(
            "shop_webhook_deliveries_total",
            "Webhook deliveries written (one per event and webhook).",
            self.webhook_deliveries_written.load(Ordering::Relaxed),
        );
        counter("shop_webhook_attempts_ok_total", "Webhook attempts answered with 2xx.", self.webhook_attempts_ok.load(Ordering::Relaxed));
        counter(
            "shop_webhook_attempts_failed_total",
            "Webhook attempts that failed (each retried or dead-lettered).",
            self.webhook_attempts_failed.load(Ordering::Relaxed),
        );
        counter("shop_webhook_errors_total", "Webhooks service errors (each followed by a restart).", self.webhook_errors.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP shop_ws_connections Open WebSocket connections.\n# TYPE shop_ws_connections gauge\nshop_ws_connections {}",
            self.ws_connections.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP shop_sse_streams Open Server-Sent Events streams.\n# TYPE shop_sse_streams gauge\nshop_sse_streams {}",
            self.sse_streams.load(Ordering::Relaxed)
        );
        if let Some(b) = outbox_backlog {
            let _ = writeln!(out, "# HELP shop_outbox_backlog Outbox rows not yet on Kafka.\n# TYPE shop_outbox_backlog gauge\nshop_outbox_backlog {b}");
        }
        out
    }
}
