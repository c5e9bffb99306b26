//! The outbox relay: publishes unpublished outbox rows to Kafka, in order, in batches, with one
//! long-lived producer client, and marks them published.
//!
//! Woken right after each commit that wrote an outbox row, and every second regardless (a row
//! written by another instance, or left over from a crash). When Kafka is away, checkouts keep
//! succeeding: rows wait in the outbox and the relay retries with capped, jittered backoff.
//! Delivery is at-least-once (a timed-out produce may have been written); consumers dedupe.

use std::sync::Arc;
use std::time::Duration;

use rskafka::client::partition::{Compression, PartitionClient};
use rskafka::record::Record;
use tokio::sync::watch;

use crate::kafka;
use crate::metrics::Metrics;
use crate::nudge::FetchNudge;
use backend::outbox::{PendingEvent, Placed};
use backend::Shop;

pub const BATCH: u64 = 500;

pub struct KafkaTarget {
    pub brokers: Vec<String>,
    pub security: crate::kafka_security::KafkaSecurity,
    pub topic: String,
    pub partitions: i32,
    /// How produced batches are compressed (`KAFKA_COMPRESSION`).
    pub compression: Compression,
}

struct Producer {
    // Kept alive: the partition clients share its connections.
    _client: rskafka::client::Client,
    partitions: Vec<Arc<PartitionClient>>,
    compression: Compression,
}

impl Producer {
    async fn connect(target: &KafkaTarget) -> Result<Producer, String> {
        let client = kafka::connect_with(&target.brokers, &target.security).await?;
        kafka::ensure_topic(&client, &target.topic, target.partitions).await?;
        let partitions = kafka::partition_clients(&client, &target.topic, target.partitions).await?;
        Ok(Producer { _client: client, partitions, compression: target.compression })
    }

    /// Produces the rows, grouped by partition with their order kept; partitions in parallel.
    /// Each acknowledged partition nudges this instance's consumer. Returns where each row went.
    async fn send(&self, rows: &[PendingEvent], nudge: &FetchNudge) -> Result<Vec<Placed>, String> {
        let n = self.partitions.len() as i32;
        let mut per_partition: Vec<Vec<Record>> = vec![Vec::new(); n as usize];
        let mut row_ids: Vec<Vec<i32>> = vec![Vec::new(); n as usize];
        let now = chrono::Utc::now();
        for row in rows {
            let p = kafka::partition_for(&row.key, n) as usize;
            row_ids[p].push(row.id);
            per_partition[p].push(Record {
                key: Some(row.key.clone().into_bytes()),
                value: Some(row.payload.clone().into_bytes()),
                // No headers: Tansu's SQLite engine slows down as its header table grows.
                headers: Default::default(),
                timestamp: now,
            });
        }
        let sends = per_partition.into_iter().zip(row_ids).enumerate().filter(|(_, (r, _))| !r.is_empty()).map(|(p, (records, ids))| {
            let (pc, compression) = (self.partitions[p].clone(), self.compression);
            async move {
                let offsets = kafka::bounded(&format!("producing to partition {p}"), pc.produce(records, compression)).await?;
                nudge.produced(p);
                if offsets.len() != ids.len() {
                    return Err(format!("partition {p} acknowledged {} of {} records", offsets.len(), ids.len()));
                }
                Ok::<_, String>(ids.into_iter().zip(offsets).map(|(id, offset)| Placed { id, partition: p as i32, offset }).collect::<Vec<_>>())
            }
        });
        futures::future::try_join_all(sends).await.map(|placed| placed.into_iter().flatten().collect())
    }
}

pub async fn run(shop: Shop, target: KafkaTarget, metrics: Arc<Metrics>, nudge: Arc<FetchNudge>, mut shutdown: watch::Receiver<bool>) {
    let mut producer: Option<Arc<Producer>> = None;
    let mut failures: u32 = 0;
    loop {
        let wait = if failures > 0 { kafka::retry_delay(failures) } else { Duration::from_secs(1) };
        tokio::select! {
            _ = shop.outbox_written().notified(), if failures == 0 => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        loop {
            if producer.is_none() {
                match Producer::connect(&target).await {
                    Ok(p) => producer = Some(Arc::new(p)),
                    Err(e) => {
                        failures += 1;
                        Metrics::inc(&metrics.relay_errors, 1);
                        if failures == 1 || failures.is_multiple_of(10) {
                            tracing::warn!(error = %e, failures, "outbox relay cannot reach Kafka; events wait in the outbox");
                        }
                        break;
                    }
                }
            }
            let p = producer.clone().expect("connected above");
            let n = nudge.clone();
            let result = backend::outbox::publish_batch(&shop, BATCH, move |rows| Box::pin(async move { p.send(rows, &n).await })).await;
            match result {
                Ok(0) => {
                    failures = 0;
                    break;
                }
                Ok(n) => {
                    if failures > 0 {
                        tracing::info!("outbox relay reconnected to Kafka");
                    }
                    failures = 0;
                    Metrics::inc(&metrics.events_produced, n as u64);
                    tracing::debug!(events = n, "published outbox events");
                }
                Err(e) => {
                    failures += 1;
                    Metrics::inc(&metrics.relay_errors, 1);
                    tracing::warn!(error = %e, failures, "publishing outbox events failed; will retry");
                    producer = None;
                    break;
                }
            }
        }
    }
}
