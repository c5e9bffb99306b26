//! Kafka plumbing shared by the relay and the topic's readers: bounded-time client creation,
//! topic creation, partitioning, backoff and the readers' restart loop.
//!
//! rskafka retries forever by default and has no request timeout, so every client gets a
//! `BackoffConfig` with a deadline and every call is wrapped in [`bounded`].

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rskafka::client::error::{Error as KafkaError, ProtocolError};
use rskafka::client::partition::{PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::BackoffConfig;
use tokio::sync::watch;

use crate::kafka_security::KafkaSecurity;

pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs one Kafka call with a time limit ([`CALL_TIMEOUT`]).
pub async fn bounded<T>(what: &str, fut: impl Future<Output = Result<T, KafkaError>>) -> Result<T, String> {
    match tokio::time::timeout(CALL_TIMEOUT, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: no answer within {CALL_TIMEOUT:?}")),
    }
}

fn backoff() -> BackoffConfig {
    BackoffConfig { init_backoff: Duration::from_millis(50), max_backoff: Duration::from_millis(500), base: 2.0, deadline: Some(Duration::from_secs(3)) }
}

/// A client of a cluster without TLS or SASL (the embedded broker, tests).
pub async fn connect(brokers: &[String]) -> Result<Client, String> {
    connect_with(brokers, &KafkaSecurity::default()).await
}

/// A client with the TLS and SASL settings of `security`.
pub async fn connect_with(brokers: &[String], security: &KafkaSecurity) -> Result<Client, String> {
    let builder = security.apply(ClientBuilder::new(brokers.to_vec()).client_id("shop").backoff_config(backoff()))?;
    bounded("connecting to Kafka", builder.build()).await
}

/// Creates the topic if it does not exist; "already exists" is success.
///
/// The relay and the consumer both call this at start. The topic list is asked first because
/// rskafka logs a refused `create_topic` (TopicAlreadyExists) at ERROR level, and an error line
/// on every normal start would teach operators to ignore errors. Within one process the calls
/// take turns; two instances starting at once can still race, and the loser's "already exists"
/// is then accepted below.
pub async fn ensure_topic(client: &Client, topic: &str, partitions: i32) -> Result<(), String> {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    if bounded("listing topics", client.list_topics()).await?.iter().any(|t| t.name == topic) {
        return Ok(());
    }
    let controller = client.controller_client().map_err(|e| format!("controller client: {e}"))?;
    match tokio::time::timeout(CALL_TIMEOUT, controller.create_topic(topic, partitions, 1, 5_000)).await {
        Ok(Ok(())) => {
            tracing::info!(topic, partitions, "created Kafka topic");
            Ok(())
        }
        Ok(Err(KafkaError::ServerError { protocol_error: ProtocolError::TopicAlreadyExists, .. })) => Ok(()),
        Ok(Err(e)) => Err(format!("creating topic {topic}: {e}")),
        Err(_) => Err(format!("creating topic {topic}: no answer within {CALL_TIMEOUT:?}")),
    }
}

pub async fn partition_clients(client: &Client, topic: &str, partitions: i32) -> Result<Vec<Arc<PartitionClient>>, String> {
    let mut out = Vec::with_capacity(partitions as usize);
    for p in 0..partitions {
        let pc = bounded(&format!("partition {p}"), client.partition_client(topic.to_owned(), p, UnknownTopicHandling::Retry)).await?;
        out.push(Arc::new(pc));
    }
    Ok(out)
}

/// The partition of an order: FNV-1a of the key, so all events of one order stay in order.
pub fn partition_for(key: &str, partitions: i32) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        hash ^= b as u32;
        hash = hash.wrapping_mul(0x0100_0193);
    }
    (hash % partitions.max(1) as u32) as i32
}

/// Runs `session` until shutdown. A session ends only by failing (the broker or the database
/// lost); it is then started again after a capped, jittered backoff. Failures are counted in
/// `errors` and logged, the first and every tenth, as "`what`; starting again".
pub async fn keep_running<F, Fut>(what: &str, errors: &AtomicU64, mut shutdown: watch::Receiver<bool>, mut session: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut failures: u32 = 0;
    loop {
        let result = tokio::select! {
            r = session() => r,
            _ = shutdown.changed() => return,
        };
        if let Err(e) = result {
            failures += 1;
            errors.fetch_add(1, Ordering::Relaxed);
            if failures == 1 || failures.is_multiple_of(10) {
                tracing::warn!(error = %e, failures, "{what}; starting again");
            }
            tokio::select! {
                _ = tokio::time::sleep(retry_delay(failures)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Capped exponential backoff with ±50 % jitter: 200 ms, 400 ms, … up to 10 s.
pub fn retry_delay(failures: u32) -> Duration {
    use rand::Rng;
    let base = 200f64 * 2f64.powi(failures.saturating_sub(1).min(16) as i32);
    let capped = base.min(10_000.0);
    Duration::from_millis((capped * rand::rng().random_range(0.5..1.5)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitioning_is_stable_and_in_range() {
        for p in [1, 3, 7] {
            for key in ["a", "01JORDER", "another-order-id"] {
                let part = partition_for(key, p);
                assert!((0..p).contains(&part));
                assert_eq!(part, partition_for(key, p));
            }
        }
        let spread: std::collections::HashSet<i32> = (0..100).map(|i| partition_for(&format!("order-{i}"), 3)).collect();
        assert_eq!(spread.len(), 3, "keys spread over every partition");
    }

    #[test]
    fn retry_delay_grows_and_caps() {
        assert!(retry_delay(1) <= Duration::from_millis(300));
        assert!(retry_delay(30) <= Duration::from_millis(15_000));
        assert!(retry_delay(30) >= Duration::from_millis(5_000));
    }
}
