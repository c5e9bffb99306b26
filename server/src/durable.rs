//! A reader of the topic that must see every event exactly once, across restarts and
//! instances: the notifications service (`notifier.rs`) and the webhooks service
//! (`webhooks.rs`) are two of these, each a [`Sink`] that turns a batch of records into rows.
//!
//! Unlike the live consumer, which starts at the latest offset because browsers refetch on
//! connect, a durable reader keeps its position in the database (`backend::positions`) and
//! moves it in the transaction that writes what the records before it made. On its very first
//! start it begins at the latest offset, so a shop that already has a long log does not act on
//! its whole history.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rskafka::client::partition::{OffsetAt, PartitionClient};
use tokio::sync::watch;

use crate::kafka;
use crate::metrics::Metrics;
use crate::relay::KafkaTarget;
use backend::positions::Applied;
use backend::{Shop, ShopError};
use domain::LogEvent;

/// What a durable reader does with the records.
pub trait Sink: Send + Sync {
    /// Its name in `consumer_positions`.
    const CONSUMER: &'static str;
    /// Whether a record may make a row; the others only move the position.
    fn wants(&self, event: &LogEvent) -> bool;
    /// Writes what `events` (the wanted records of `from..to`) make and moves the position from
    /// `from` to `to`, in one transaction.
    fn apply(&self, partition: i32, from: i64, to: i64, events: &[LogEvent]) -> impl Future<Output = Result<Applied, ShopError>> + Send;
    /// After a batch wrote `n` rows (`n` may be 0).
    fn written(&self, n: usize);
    /// Once the positions are known, before the first fetch.
    fn started(&self) {}
    /// Its failures (each followed by a restart), and whether it knows where it reads every
    /// partition from: before that, an event could be produced that a first start would not see.
    fn errors(metrics: &Metrics) -> &AtomicU64;
    fn ready(metrics: &Metrics) -> &AtomicBool;
}

pub struct Durable<S> {
    pub target: KafkaTarget,
    pub shop: Shop,
    pub sink: S,
    pub metrics: Arc<Metrics>,
}

/// The pause after every fetch. These readers need no haste (a notification or a webhook a fifth
/// of a second later is as good), and fetching at the live consumer's pace would add to the
/// broker's work under load; batches grow instead.
const POLL: Duration = Duration::from_millis(200);

/// The longest the stored position lags behind records that made nothing.
const STORE_EVERY: Duration = Duration::from_secs(5);

impl<S: Sink> Durable<S> {
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let this = &self;
        let what = format!("{} service lost the broker or the database", S::CONSUMER);
        kafka::keep_running(&what, S::errors(&self.metrics), shutdown, || async move {
            let client = kafka::connect_with(&this.target.brokers, &this.target.security).await?;
            kafka::ensure_topic(&client, &this.target.topic, this.target.partitions).await?;
            let clients = kafka::partition_clients(&client, &this.target.topic, this.target.partitions).await?;
            let mut starts = Vec::with_capacity(clients.len());
            for (p, pc) in clients.iter().enumerate() {
                let latest = kafka::bounded("reading the latest offset", pc.get_offset(OffsetAt::Latest)).await?;
                let start = backend::positions::load(&this.shop, S::CONSUMER, p as i32, latest)
                    .await
                    .map_err(|e| format!("reading the {} position: {e}", S::CONSUMER))?;
                starts.push(start);
            }
            S::ready(&this.metrics).store(true, Ordering::Relaxed);
            this.sink.started();
            let loops = clients.into_iter().zip(starts).enumerate().map(|(p, (pc, start))| this.partition_loop(pc, p, start));
            futures::future::try_join_all(loops).await.map(|_| ())
        })
        .await
    }

    /// Reads `p` from `stored`, the position in the database. Batches that make nothing (for
    /// notifications most records: placed orders) only move the position in memory; it is
    /// written with the next batch that does, or after [`STORE_EVERY`] at the latest, so a
    /// restart re-reads at most that much of records that make nothing.
    async fn partition_loop(&self, pc: Arc<PartitionClient>, p: usize, mut stored: i64) -> Result<(), String> {
        let mut offset = stored;
        let mut pending: Vec<LogEvent> = Vec::new();
        let mut stored_at = tokio::time::Instant::now();
        loop {
            let (records, high_watermark) = kafka::bounded("fetching records", pc.fetch_records(offset, 1..4_000_000, 0)).await?;
            if records.is_empty() && high_watermark < offset {
                // The broker lost its log (storage wiped): what it has now is all there is.
                tracing::warn!(consumer = S::CONSUMER, partition = p, offset, high_watermark, "offset beyond the broker's log; rewinding");
                offset = high_watermark;
            }
            for r in records {
                offset = offset.max(r.offset + 1);
                // Undecodable records are the live consumer's to log and count; here they are skipped.
                if let Some(Ok(event)) = r.record.value.as_deref().map(LogEvent::from_json) {
                    if self.sink.wants(&event) {
                        pending.push(event);
                    }
                }
            }
            let due = offset != stored && stored_at.elapsed() >= STORE_EVERY;
            if !pending.is_empty() || due {
                let write = |events: Vec<LogEvent>| async move {
                    self.sink.apply(p as i32, stored, offset, &events).await.map_err(|e| format!("{} service writing: {e}", S::CONSUMER))
                };
                let mut applied = write(std::mem::take(&mut pending)).await?;
                if applied == Applied::Skipped && due {
                    applied = write(Vec::new()).await?;
                }
                match applied {
                    Applied::Skipped => {}
                    Applied::Written(n) => {
                        self.sink.written(n);
                        stored = offset;
                        stored_at = tokio::time::Instant::now();
                    }
                    // The row is gone (an operator deleted it): start again, which writes it anew.
                    Applied::Moved(to) if to == stored => return Err(format!("partition {p}: the stored {} position is missing", S::CONSUMER)),
                    // Another instance wrote these records' rows: read on from where it got to.
                    Applied::Moved(to) => {
                        stored = to;
                        offset = to;
                        stored_at = tokio::time::Instant::now();
                    }
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
