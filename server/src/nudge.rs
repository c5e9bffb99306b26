//! Tells this instance's consumer that its relay has just produced to a partition.
//!
//! Tansu answers a long-poll fetch only after sleeping out its wait (README, "Kafka notes"), so
//! an event produced while a fetch waits would sit there for up to the whole wait, most of the
//! checkout → browser latency (P1). Instead the consumer fetches without a broker wait and does
//! the waiting itself, here, where the relay can cut it short. Events produced by other
//! instances are picked up when the wait runs out.

use std::time::Duration;

use tokio::sync::Notify;

pub struct FetchNudge {
    partitions: Vec<Notify>,
}

impl FetchNudge {
    pub fn new(partitions: usize) -> FetchNudge {
        FetchNudge { partitions: (0..partitions).map(|_| Notify::new()).collect() }
    }

    /// The relay's produce to `partition` was acknowledged. A nudge given while the consumer is
    /// busy is kept (one, however many arrive) and ends its next wait at once.
    pub fn produced(&self, partition: usize) {
        if let Some(n) = self.partitions.get(partition) {
            n.notify_one();
        }
    }

    /// Waits for a nudge for `partition`, at most `idle`. True if nudged.
    pub async fn wait(&self, partition: usize, idle: Duration) -> bool {
        match self.partitions.get(partition) {
            Some(n) => tokio::time::timeout(idle, n.notified()).await.is_ok(),
            None => {
                tokio::time::sleep(idle).await;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test]
    async fn a_nudge_ends_the_wait_and_is_kept_until_then() {
        let nudge = FetchNudge::new(3);
        // Given before anyone waits: the next wait returns at once, not after 5 s.
        nudge.produced(1);
        nudge.produced(1);
        let t = Instant::now();
        assert!(nudge.wait(1, Duration::from_secs(5)).await);
        assert!(t.elapsed() < Duration::from_secs(4));
        // Two nudges were one: the following wait runs out.
        let t = Instant::now();
        assert!(!nudge.wait(1, Duration::from_millis(20)).await);
        assert!(t.elapsed() >= Duration::from_millis(20));
        // Other partitions are not woken.
        nudge.produced(0);
        assert!(!nudge.wait(2, Duration::from_millis(5)).await);
        // An unknown partition waits out its time instead of failing.
        nudge.produced(7);
        assert!(!nudge.wait(7, Duration::from_millis(1)).await);
    }

    #[tokio::test]
    async fn a_waiting_consumer_is_woken_by_the_relay() {
        let nudge = std::sync::Arc::new(FetchNudge::new(1));
        let waiter = tokio::spawn({
            let nudge = nudge.clone();
            async move { nudge.wait(0, Duration::from_secs(5)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let t = Instant::now();
        nudge.produced(0);
        assert!(waiter.await.unwrap(), "woken by the nudge, not by the 5 s timeout");
        assert!(t.elapsed() < Duration::from_secs(4));
    }
}
