//! The notifications service: a second reader of the topic, independent of the live hub, that
//! turns events into notifications for shoppers (`domain::notification` says which).
//!
//! Unlike the live consumer, which starts at the latest offset because browsers refetch on
//! connect, this one must see every event exactly once, across restarts and instances. Its
//! position lives in the database and moves in the transaction that writes the notifications
//! (`backend::notifications::apply_batch`). On its very first start it begins at the latest
//! offset, so a shop that already has a long log does not notify its whole history.
//!
//! Shoppers who want them get their notifications by e-mail too, sent after the notifications
//! are committed (`backend::notifications::send_mail`).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rskafka::client::partition::{OffsetAt, PartitionClient};
use tokio::sync::watch;

use crate::kafka;
use crate::metrics::Metrics;
use crate::relay::KafkaTarget;
use backend::notifications::Applied;
use backend::Shop;
use domain::LogEvent;

pub struct Notifier {
    pub target: KafkaTarget,
    pub shop: Shop,
    pub metrics: Arc<Metrics>,
}

/// The pause after every fetch. The service needs no haste (a notification a fifth of a second
/// later is as good), and fetching at the live consumer's pace would double the broker's work
/// under load; batches grow instead.
const POLL: Duration = Duration::from_millis(200);

impl Notifier {
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let this = &self;
        kafka::keep_running("notifications service lost the broker or the database", &self.metrics.notifier_errors, shutdown, || async move {
            let client = kafka::connect_with(&this.target.brokers, &this.target.security).await?;
            kafka::ensure_topic(&client, &this.target.topic, this.target.partitions).await?;
            let clients = kafka::partition_clients(&client, &this.target.topic, this.target.partitions).await?;
            let mut starts = Vec::with_capacity(clients.len());
            for (p, pc) in clients.iter().enumerate() {
                let latest = kafka::bounded("reading the latest offset", pc.get_offset(OffsetAt::Latest)).await?;
                let start =
                    backend::notifications::position(&this.shop, p as i32, latest).await.map_err(|e| format!("reading the notifier's position: {e}"))?;
                starts.push(start);
            }
            this.metrics.notifier_ready.store(true, Ordering::Relaxed);
            // What an earlier run wrote but had not mailed yet.
            this.mail_soon();
            let loops = clients.into_iter().zip(starts).enumerate().map(|(p, (pc, start))| this.partition_loop(pc, p, start));
            futures::future::try_join_all(loops).await.map(|_| ())
        })
        .await
    }

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

    /// Reads `p` from `stored`, the position in the database. Batches that make no notification
    /// (most records: placed orders) only move the position in memory; it is written with the
    /// next batch that does, or after [`STORE_EVERY`] at the latest, so a restart re-reads at
    /// most that much of records that make nothing.
    async fn partition_loop(&self, pc: Arc<PartitionClient>, p: usize, mut stored: i64) -> Result<(), String> {
        let mut offset = stored;
        let mut pending: Vec<LogEvent> = Vec::new();
        let mut stored_at = tokio::time::Instant::now();
        loop {
            let (records, high_watermark) = kafka::bounded("fetching records", pc.fetch_records(offset, 1..4_000_000, 0)).await?;
            if records.is_empty() && high_watermark < offset {
                // The broker lost its log (storage wiped): what it has now is all there is.
                tracing::warn!(partition = p, offset, high_watermark, "notifier's offset beyond the broker's log; rewinding");
                offset = high_watermark;
            }
            for r in records {
                offset = offset.max(r.offset + 1);
                // Undecodable records are the live consumer's to log and count; here they are skipped.
                if let Some(Ok(event)) = r.record.value.as_deref().map(LogEvent::from_json) {
                    if backend::notifications::may_notify(&event) {
                        pending.push(event);
                    }
                }
            }
            let due = offset != stored && stored_at.elapsed() >= STORE_EVERY;
            if !pending.is_empty() || due {
                let applied = backend::notifications::apply_batch(&self.shop, p as i32, stored, offset, &pending)
                    .await
                    .map_err(|e| format!("writing notifications: {e}"))?;
                pending.clear();
                stored_at = tokio::time::Instant::now();
                match applied {
                    Applied::Written(n) => {
                        Metrics::inc(&self.metrics.notifications_written, n as u64);
                        stored = offset;
                        if n > 0 {
                            self.mail_soon();
                        }
                    }
                    // The row is gone (an operator deleted it): start again, which writes it anew.
                    Applied::Moved(to) if to == stored => return Err(format!("partition {p}: the stored position is missing")),
                    // Another instance wrote these records' notifications: read on from where it got to.
                    Applied::Moved(to) => {
                        stored = to;
                        offset = to;
                    }
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The longest the stored position lags behind records that made nothing.
const STORE_EVERY: Duration = Duration::from_secs(5);
