//! The event browser's reader (`/staff/events`): pages of the topic from any partition and
//! start (earliest, latest, an offset, a time), filtered, with each partition's health.
//!
//! It reads with a Kafka client of its own, and only reads: the live consumer's positions are
//! never moved (they are only looked at, for the lag). A page reads at most [`BUDGET`] records
//! per partition, so a filter that matches little cannot make one request read the whole log;
//! the page then says it was cut short, and the next page goes on from where it stopped.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rskafka::client::partition::{OffsetAt, PartitionClient};
use tokio::sync::Mutex;

use crate::consumer::Positions;
use crate::kafka;
use crate::relay::KafkaTarget;
use app::api::events::EventLog;
use backend::Shop;
use domain::log_view::{merge_page, Direction, LogPage, LogQuery, LogRow, LogStart, PartitionHealth, ReadError, Rebuild, Scanned, PAGE_ROWS};

/// The most records one page reads from one partition.
pub const BUDGET: usize = 5_000;
/// How many offsets a scan fetches at a time.
const CHUNK: i64 = 200;

pub struct LogBrowser {
    pub target: KafkaTarget,
    /// The live consumer's next offset per partition (read only).
    pub positions: Positions,
    pub shop: Shop,
    clients: Mutex<Option<(rskafka::client::Client, Vec<Arc<PartitionClient>>)>>,
}

impl LogBrowser {
    pub fn new(target: KafkaTarget, positions: Positions, shop: Shop) -> LogBrowser {
        LogBrowser { target, positions, shop, clients: Mutex::new(None) }
    }

    /// The partition clients, connecting on first use and again after a failure.
    async fn partitions(&self) -> Result<Vec<Arc<PartitionClient>>, String> {
        let mut held = self.clients.lock().await;
        if let Some((_, pcs)) = held.as_ref() {
            return Ok(pcs.clone());
        }
        let client = kafka::connect_with(&self.target.brokers, &self.target.security).await?;
        kafka::ensure_topic(&client, &self.target.topic, self.target.partitions).await?;
        let pcs = kafka::partition_clients(&client, &self.target.topic, self.target.partitions).await?;
        *held = Some((client, pcs.clone()));
        Ok(pcs)
    }

    async fn read_page(&self, query: LogQuery) -> Result<LogPage, ReadError> {
        let pcs = self.partitions().await.map_err(ReadError::Broker)?;
        let chosen: Vec<usize> = match query.partition {
            None => (0..pcs.len()).collect(),
            Some(p) if (p as usize) < pcs.len() => vec![p as usize],
            Some(p) => return Err(ReadError::NoSuchPartition(p, pcs.len())),
        };
        self.read_partitions(&pcs, &chosen, query).await.map_err(ReadError::Broker)
    }

    async fn read_partitions(&self, pcs: &[Arc<PartitionClient>], chosen: &[usize], query: LogQuery) -> Result<LogPage, String> {
        let mut health = Vec::with_capacity(pcs.len());
        for (p, pc) in pcs.iter().enumerate() {
            let earliest = kafka::bounded("reading the earliest offset", pc.get_offset(OffsetAt::Earliest)).await?;
            let high_watermark = kafka::bounded("reading the latest offset", pc.get_offset(OffsetAt::Latest)).await?;
            let consumer_position = self.positions.get(p).and_then(|m| *m.lock().expect("offset lock"));
            health.push(PartitionHealth { partition: p as i32, earliest, high_watermark, consumer_position });
        }
        let direction = query.page.as_ref().map_or(if query.start == LogStart::Latest { Direction::Back } else { Direction::Forward }, |(d, _)| *d);
        let start_at = query.start;
        let scans = chosen.iter().map(|&p| {
            let (pc, h) = (pcs[p].clone(), health[p].clone());
            let from_cursor = query.page.as_ref().and_then(|(_, at)| at.iter().find(|(q, _)| *q as usize == p).map(|(_, o)| *o));
            let filter = query.filter.clone();
            async move {
                let start = match from_cursor {
                    Some(o) => o.clamp(h.earliest, h.high_watermark),
                    None => match start_at {
                        LogStart::Earliest => h.earliest,
                        LogStart::Latest => h.high_watermark,
                        LogStart::Offset(o) => o.clamp(h.earliest, h.high_watermark),
                        LogStart::Time(ms) => offset_for_time(&pc, &h, ms).await?,
                    },
                };
                let mut scan = Scanned { partition: p as i32, start, rows: Vec::new(), reached: start };
                let mut scanned = 0usize;
                match direction {
                    Direction::Forward => {
                        let mut at = start;
                        while at < h.high_watermark && scan.rows.len() < PAGE_ROWS && scanned < BUDGET {
                            let records = read_range(&pc, at, (at + CHUNK).min(h.high_watermark)).await?;
                            if records.is_empty() {
                                break;
                            }
                            for row in records {
                                at = row.offset + 1;
                                scanned += 1;
                                if filter.matches(&row) {
                                    scan.rows.push(row);
                                    if scan.rows.len() == PAGE_ROWS {
                                        break;
                                    }
                                }
                            }
                        }
                        scan.reached = at;
                    }
                    Direction::Back => {
                        let mut end = start;
                        while end > h.earliest && scan.rows.len() < PAGE_ROWS && scanned < BUDGET {
                            let begin = (end - CHUNK).max(h.earliest);
                            let chunk = read_range(&pc, begin, end).await?;
                            scanned += chunk.len();
                            let mut matched: Vec<LogRow> = chunk.into_iter().filter(|r| filter.matches(r)).collect();
                            matched.append(&mut scan.rows);
                            scan.rows = matched;
                            end = begin;
                        }
                        // The newest PAGE_ROWS matches are what a page back can show.
                        let extra = scan.rows.len().saturating_sub(PAGE_ROWS);
                        if extra > 0 {
                            end = scan.rows[extra].offset;
                            scan.rows.drain(..extra);
                        }
                        scan.reached = end;
                    }
                }
                Ok::<_, String>((scan, scanned))
            }
        });
        let results = futures::future::try_join_all(scans).await?;
        let scanned: usize = results.iter().map(|(_, n)| n).sum();
        let cut_short = results.iter().any(|(s, n)| *n >= BUDGET && s.rows.len() < PAGE_ROWS);
        let (rows, newer, older) = merge_page(direction, results.into_iter().map(|(s, _)| s).collect(), PAGE_ROWS);
        let outbox_backlog = backend::outbox::backlog(&self.shop).await.map_err(|e| e.to_string())?;
        Ok(LogPage { rows, newer, older, scanned: scanned as u64, cut_short, health, outbox_backlog })
    }
}

impl EventLog for LogBrowser {
    fn page(&self, query: LogQuery) -> Pin<Box<dyn Future<Output = Result<LogPage, ReadError>> + Send + '_>> {
        Box::pin(async move {
            let result = self.read_page(query).await;
            if matches!(result, Err(ReadError::Broker(_))) {
                // A broken connection is not kept: the next page connects again.
                *self.clients.lock().await = None;
            }
            result
        })
    }

    fn rebuild(&self, since_ms: Option<i64>) -> Pin<Box<dyn Future<Output = Result<Rebuild, ReadError>> + Send + '_>> {
        Box::pin(async move {
            let args = crate::replay::ReplayArgs { since_ms, verify: true };
            let audit = crate::replay::audit(&self.shop, &self.target, &args, backend::now_ms()).await.map_err(ReadError::Broker)?;
            Ok(audit.into_rebuild())
        })
    }
}

/// The records at offsets `from..to` of one partition (fewer if the broker returns less at once),
/// decoded for the browser.
async fn read_range(pc: &PartitionClient, from: i64, to: i64) -> Result<Vec<LogRow>, String> {
    let mut rows = Vec::new();
    let mut at = from;
    while at < to {
        let (batch, _) = kafka::bounded("reading the log", pc.fetch_records(at, 1..4_000_000, 0)).await?;
        let Some(last) = batch.last().map(|r| r.offset) else { break };
        for r in batch.into_iter().filter(|r| r.offset >= at && r.offset < to) {
            let value = r.record.value.unwrap_or_default();
            rows.push(LogRow::decode(pc.partition(), r.offset, r.record.timestamp.timestamp_millis(), &value));
        }
        if last < at {
            break;
        }
        at = last + 1;
    }
    Ok(rows)
}

/// The first offset whose record is at or after `ms`: the broker's answer to ListOffsets by
/// timestamp, checked against the records on either side of it; where the broker's answer does
/// not hold, a binary search over the records' own timestamps.
async fn offset_for_time(pc: &PartitionClient, h: &PartitionHealth, ms: i64) -> Result<i64, String> {
    let at = |o: i64| async move {
        let (batch, _) = kafka::bounded("reading a record's time", pc.fetch_records(o, 1..1_000_000, 0)).await?;
        Ok::<_, String>(batch.into_iter().find(|r| r.offset >= o).map(|r| r.record.timestamp.timestamp_millis()))
    };
    let time = chrono::DateTime::from_timestamp_millis(ms).ok_or("a time out of range")?;
    if let Ok(o) = kafka::bounded("looking up an offset by time", pc.get_offset(OffsetAt::Timestamp(time))).await {
        let o = o.clamp(h.earliest, h.high_watermark);
        let before_ok = o == h.earliest || at(o - 1).await?.is_some_and(|t| t < ms);
        let here_ok = o == h.high_watermark || at(o).await?.is_some_and(|t| t >= ms);
        if before_ok && here_ok {
            tracing::debug!(partition = pc.partition(), ms, offset = o, "offset by time: the broker's answer holds");
            return Ok(o);
        }
        tracing::debug!(partition = pc.partition(), ms, offset = o, "offset by time: the broker's answer does not hold; searching");
    }
    // Record times grow with offsets (the relay stamps each batch when it produces it).
    let (mut low, mut high) = (h.earliest, h.high_watermark);
    while low < high {
        let mid = low + (high - low) / 2;
        match at(mid).await? {
            Some(t) if t < ms => low = mid + 1,
            _ => high = mid,
        }
    }
    Ok(low)
}
