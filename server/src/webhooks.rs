//! The webhooks service. Two halves, joined by the `webhook_deliveries` table:
//!
//! - [`WebhookSink`], a durable reader of the topic (`durable.rs`), writes one delivery per
//!   event and interested webhook, with its position (`backend::webhooks::deliveries`).
//! - [`Sender`] claims due deliveries and POSTs each one, signed, then settles it: delivered,
//!   due again later on the retry schedule (`domain::webhook`), or dead.
//!
//! The sender connects only to addresses the webhook rules allow, resolved at connection time
//! by [`Guard`], and follows no redirects and no proxy: a registered URL cannot be turned into
//! a way to reach the shop's own network.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::watch;

use crate::durable::Sink;
use crate::metrics::Metrics;
use backend::positions::Applied;
use backend::webhooks::deliveries::{self, Due, Outcome};
use backend::webhooks::target;
use backend::{Shop, ShopError};
use domain::webhook::ATTEMPT_TIMEOUT_MS;
use domain::LogEvent;

pub struct WebhookSink {
    pub shop: Shop,
    pub metrics: Arc<Metrics>,
}

impl Sink for WebhookSink {
    const CONSUMER: &'static str = deliveries::CONSUMER;

    fn wants(&self, event: &LogEvent) -> bool {
        deliveries::may_deliver(event)
    }

    async fn apply(&self, partition: i32, from: i64, to: i64, events: &[LogEvent]) -> Result<Applied, ShopError> {
        deliveries::apply_batch(&self.shop, partition, from, to, events).await
    }

    fn written(&self, n: usize) {
        Metrics::inc(&self.metrics.webhook_deliveries_written, n as u64);
    }

    fn errors(metrics: &Metrics) -> &AtomicU64 {
        &metrics.webhook_errors
    }

    fn ready(metrics: &Metrics) -> &AtomicBool {
        &metrics.webhooks_ready
    }
}

/// Deliveries claimed at a time, and sent at once.
const CLAIM: u64 = 16;
const CONCURRENT: usize = 8;
/// The longest the sender sleeps without looking (another instance may have written or
/// requeued a delivery; this one is woken only by its own).
const IDLE: Duration = Duration::from_secs(2);

pub struct Sender {
    shop: Shop,
    metrics: Arc<Metrics>,
    client: reqwest::Client,
}

impl Sender {
    pub fn new(shop: Shop, metrics: Arc<Metrics>) -> Sender {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(Guard { private_ok: shop.private_webhook_targets() }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_millis(ATTEMPT_TIMEOUT_MS))
            .user_agent(concat!("PulseShop-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the webhook client's settings are valid");
        Sender { shop, metrics, client }
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.round().await {
                Metrics::inc(&self.metrics.webhook_errors, 1);
                tracing::warn!(error = %e, "sending webhooks failed; trying again shortly");
            }
            let wait = match deliveries::next_due_at(&self.shop).await {
                Ok(Some(at)) => Duration::from_millis((at - backend::now_ms()).clamp(10, IDLE.as_millis() as i64) as u64),
                _ => IDLE,
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.shop.webhook_due().notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Sends everything due now.
    async fn round(&self) -> Result<(), ShopError> {
        loop {
            let due = deliveries::claim_due(&self.shop, CLAIM).await?;
            if due.is_empty() {
                return Ok(());
            }
            futures::stream::iter(due).for_each_concurrent(CONCURRENT, |d| self.send(d)).await;
        }
    }

    async fn send(&self, due: Due) {
        let outcome = self.attempt(&due).await;
        let ok = matches!(outcome, Ok(s) if (200..300).contains(&s));
        Metrics::inc(if ok { &self.metrics.webhook_attempts_ok } else { &self.metrics.webhook_attempts_failed }, 1);
        match deliveries::settle(&self.shop, &due, &outcome).await {
            Ok(state) => tracing::debug!(delivery = %due.id, ?outcome, ?state, "webhook attempt"),
            // Its lease runs out and it is tried again: at least once, never lost.
            Err(e) => tracing::warn!(delivery = %due.id, error = %e, "a webhook attempt could not be recorded"),
        }
    }

    async fn attempt(&self, due: &Due) -> Outcome {
        // A URL with an address in it is not resolved, so the resolver cannot check it.
        let (host, port) = target::host_and_port(&due.url)?;
        if host.parse::<IpAddr>().is_ok() {
            target::resolve_host(&host, port, self.shop.private_webhook_targets()).await?;
        }
        let timestamp = backend::now_ms() / 1000;
        let response = self
            .client
            .post(&due.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Shop-Event", &due.event_type)
            .header("X-Shop-Event-Id", &due.event_id)
            .header("X-Shop-Delivery", &due.id)
            .header("X-Shop-Timestamp", timestamp.to_string())
            .header("X-Shop-Signature", deliveries::signature(&due.secret, timestamp, &due.payload))
            .body(due.payload.clone())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        Ok(response.status().as_u16())
    }
}

/// A failed request, with its causes (the resolver's refusal is one of them).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() { "timed out".to_owned() } else { "no answer".to_owned() };
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Resolves webhook hosts and refuses the addresses the rules do not allow, so the address
/// checked is the address connected to.
struct Guard {
    private_ok: bool,
}

impl reqwest::dns::Resolve for Guard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let private_ok = self.private_ok;
        Box::pin(async move {
            // The connector puts the URL's port on the addresses it gets back.
            let addrs = target::resolve_host(name.as_str(), 0, private_ok).await.map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}
