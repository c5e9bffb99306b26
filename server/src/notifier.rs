//! The notifications service: a durable reader of the topic (`durable.rs`), independent of the
//! live hub, that turns events into notifications for shoppers (`domain::notification` says
//! which) and writes them with its position (`backend::notifications::apply_batch`).
//!
//! Shoppers who want them get their notifications by e-mail too, sent after the notifications
//! are committed (`backend::notifications::send_mail`).

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use crate::durable::Sink;
use crate::metrics::Metrics;
use backend::positions::Applied;
use backend::{Shop, ShopError};
use domain::LogEvent;

pub struct Notifier {
    pub shop: Shop,
    pub metrics: Arc<Metrics>,
}

impl Notifier {
    /// Mails what waits to be mailed, beside the reading (a slow mail server holds up no
    /// notification).
    fn mail_soon(&self) {
        let shop = self.shop.clone();
        tokio::spawn(async move {
            if let Err(e) = backend::notifications::send_mail(&shop).await {
                tracing::warn!(error = %e, "mailing notifications failed; the next batch tries again");
            }
        });
    }
}

impl Sink for Notifier {
    const CONSUMER: &'static str = backend::notifications::CONSUMER;

    fn wants(&self, event: &LogEvent) -> bool {
        backend::notifications::may_notify(event)
    }

    async fn apply(&self, partition: i32, from: i64, to: i64, events: &[LogEvent]) -> Result<Applied, ShopError> {
        backend::notifications::apply_batch(&self.shop, partition, from, to, events).await
    }

    fn written(&self, n: usize) {
        Metrics::inc(&self.metrics.notifications_written, n as u64);
        if n > 0 {
            self.mail_soon();
        }
    }

    /// What an earlier run wrote but had not mailed yet.
    fn started(&self) {
        self.mail_soon();
    }

    fn errors(metrics: &Metrics) -> &AtomicU64 {
        &metrics.notifier_errors
    }

    fn ready(metrics: &Metrics) -> &AtomicBool {
        &metrics.notifier_ready
    }
}
