//! The Kafka consumer: one per server instance, reading every partition of the topic (fan-out,
//! no consumer group) and handing each order event to the hub, each change of a product
//! (a catalog event, or an order that moved stock) to the live catalog (`catalog_feed.rs`), and
//! each notification written (`notifier.rs`) to its shopper's sockets on this instance.
//!
//! It starts at the latest offset (browsers resync on connect, so history is not replayed) and
//! keeps its offsets across reconnects, so a broker outage loses nothing that was produced.
//! A record that cannot be decoded is logged, counted and skipped; so is an event the database
//! does not vouch for: an order it does not have, another owner or total, a status the order
//! never had at that version (the topic is not trusted). Each event it takes also moves this
//! instance's staff figures (`backend/src/staff.rs`) before it reaches the sockets.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rskafka::client::partition::{OffsetAt, PartitionClient};
use tokio::sync::watch;

use crate::catalog_feed::CatalogFeed;
use crate::hub::Hub;
use crate::kafka;
use crate::metrics::Metrics;
use crate::nudge::FetchNudge;
use crate::relay::KafkaTarget;
use backend::Shop;
use domain::LogEvent;

/// The next offset this instance's consumer reads, per partition (None until it found where to
/// start). Shared with the event browser, which shows the lag.
pub type Positions = Arc<Vec<std::sync::Mutex<Option<i64>>>>;

/// Positions for `partitions` partitions, none known yet.
pub fn positions(partitions: usize) -> Positions {
    Arc::new((0..partitions).map(|_| std::sync::Mutex::new(None)).collect())
}

pub struct Consumer {
    pub target: KafkaTarget,
    pub hub: Arc<Hub>,
    pub shop: Shop,
    pub metrics: Arc<Metrics>,
    /// Set by this instance's relay when it produced to a partition.
    pub nudge: Arc<FetchNudge>,
    /// Told of every product whose stock or details changed, for the live catalog.
    pub catalog_feed: Arc<CatalogFeed>,
    /// How long an idle partition waits before fetching again: the longest an event produced by
    /// another instance waits here (this instance's own events come with a nudge).
    pub max_wait_ms: i32,
    /// Where it is in each partition (kept across reconnects).
    pub positions: Positions,
}

impl Consumer {
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let offsets = self.positions.clone();
        let figures_loaded = std::sync::atomic::AtomicBool::new(false);
        let (this, figures_loaded) = (&self, &figures_loaded);
        kafka::keep_running("Kafka consumer lost the broker", &self.metrics.consumer_errors, shutdown, || {
            let offsets = offsets.clone();
            async move {
                let client = kafka::connect_with(&this.target.brokers, &this.target.security).await?;
                kafka::ensure_topic(&client, &this.target.topic, this.target.partitions).await?;
                let clients = kafka::partition_clients(&client, &this.target.topic, this.target.partitions).await?;
                // Every partition gets its starting position before any of them fetches: the first
                // fetch is what makes /readyz answer "ready", and an instance that says it is ready
                // must not miss an event produced after that on a partition still looking up
                // where to start.
                for (p, pc) in clients.iter().enumerate() {
                    if offsets[p].lock().expect("offset lock").is_none() {
                        let latest = kafka::bounded("reading the latest offset", pc.get_offset(OffsetAt::Latest)).await?;
                        *offsets[p].lock().expect("offset lock") = Some(latest);
                    }
                }
                // The staff figures start from the database now that the starting offsets are
                // fixed: an order committed before this load is in it, one committed after is
                // produced after those offsets; an order in both is counted once.
                if !figures_loaded.load(Ordering::Relaxed) {
                    let n = backend::staff::load_figures(&this.shop, backend::now_ms()).await.map_err(|e| format!("loading today's figures: {e}"))?;
                    figures_loaded.store(true, Ordering::Relaxed);
                    tracing::info!(orders = n, "staff figures loaded");
                }
                let loops = clients.into_iter().enumerate().map(|(p, pc)| this.partition_loop(pc, offsets.clone(), p));
                futures::future::try_join_all(loops).await.map(|_| ())
            }
        })
        .await
    }

    /// Sends a notification to its shopper's sockets here, as the database has it: a record
    /// naming someone else, or no notification at all, shows nobody anything.
    async fn push_notification(&self, id: &str, user_id: &str) -> Result<(), String> {
        let read = |e: backend::ShopError| format!("reading a notification: {e}");
        let Some((owner, notification)) = backend::notifications::find(&self.shop, id).await.map_err(read)? else { return Ok(()) };
        if owner != user_id {
            Metrics::inc(&self.metrics.events_untrusted, 1);
            return Ok(());
        }
        let unread = backend::notifications::unread(&self.shop, &owner).await.map_err(read)?;
        self.hub.publish_to_user(&owner, &domain::ServerMessage::Notification { notification, unread });
        Ok(())
    }

    async fn partition_loop(&self, pc: Arc<PartitionClient>, offsets: Positions, p: usize) -> Result<(), String> {
        // Set by `run` before the loops start.
        let mut offset = offsets[p].lock().expect("offset lock").ok_or("partition without a starting offset")?;
        // Fetches ask the broker not to wait (its long-poll is a sleep loop that cannot be cut
        // short); the waiting happens in `nudge.wait`, which the relay ends when it produced.
        let idle = Duration::from_millis(self.max_wait_ms.max(1) as u64);
        loop {
            let (records, high_watermark) = kafka::bounded("fetching records", pc.fetch_records(offset, 1..4_000_000, 0)).await?;
            self.metrics.consumer_last_fetch_ms.store(backend::now_ms(), Ordering::Relaxed);
            if records.is_empty() {
                if high_watermark < offset {
                    // The broker lost its log (storage wiped): start again from what it has.
                    tracing::warn!(partition = p, offset, high_watermark, "offset beyond the broker's log; rewinding");
                    offset = high_watermark;
                    *offsets[p].lock().expect("offset lock") = Some(offset);
                }
                self.nudge.wait(p, idle).await;
                continue;
            }
            let mut events = Vec::with_capacity(records.len());
            for r in records {
                offset = offset.max(r.offset + 1);
                let Some(value) = r.record.value else { continue };
                match LogEvent::from_json(&value) {
                    Ok(LogEvent::Order(event)) => events.push((r.offset, event)),
                    Ok(LogEvent::Product(event)) => {
                        // The feed sends the product as the database has it, so an invented
                        // event shows nobody anything the database does not hold.
                        Metrics::inc(&self.metrics.events_consumed, 1);
                        self.shop.catalog().invalidate();
                        self.catalog_feed.product_changed(&event.product_id);
                    }
                    Ok(LogEvent::Notification(event)) => {
                        if self.hub.has_user(&event.user_id) {
                            self.push_notification(&event.notification_id, &event.user_id).await?;
                        }
                    }
                    Err(e) => {
                        Metrics::inc(&self.metrics.events_malformed, 1);
                        // Cut: the parser's message quotes the input, which anyone can make huge.
                        let error: String = e.to_string().chars().take(200).collect();
                        tracing::warn!(partition = p, offset = r.offset, error = %error.escape_debug(), "skipping an undecodable record");
                    }
                }
            }
            // Who owns each order is the database's word, not the record's: anyone who can write
            // to the topic could otherwise show a shopper an order that is not theirs. (A
            // database error ends this session before the offset moves: the batch is fetched
            // again.)
            let ids: Vec<&str> = events.iter().map(|(_, e)| e.order_id.as_str()).collect();
            let notes = events.iter().any(|(_, e)| e.kind == domain::EventType::OrderNoteAdded);
            let facts = backend::orders::facts(&self.shop, &ids, notes).await.map_err(|e| format!("reading the orders of a batch: {e}"))?;
            for (at, mut event) in events {
                let Some(order) = facts.get(&event.order_id).filter(|f| event.agrees_with(f)) else {
                    Metrics::inc(&self.metrics.events_untrusted, 1);
                    tracing::warn!(partition = p, offset = at, order_id = %event.order_id.chars().take(64).collect::<String>().escape_debug(), "skipping an event the database does not vouch for (order, owner, total or status)");
                    continue;
                };
                // Events written before they carried these fields get them from the database.
                event.complete_from(order);
                Metrics::inc(&self.metrics.events_consumed, 1);
                if event.changes_order() {
                    backend::staff::apply_to_figures(&self.shop, &event);
                }
                if event.moved_stock() {
                    // Maybe on another instance: this one's cached catalog is stale.
                    self.shop.catalog().invalidate();
                    if self.hub.watches_catalog() {
                        self.catalog_feed.order_moved_stock(&event.order_id);
                    }
                }
                let span = tracing::debug_span!("event", order_id = %event.order_id, event_id = %event.event_id);
                let _enter = span.enter();
                let n = self.hub.publish(&event);
                tracing::debug!(sockets = n, "event pushed");
            }
            *offsets[p].lock().expect("offset lock") = Some(offset);
        }
    }
}
