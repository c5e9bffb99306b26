//! The event browser's view of the topic (`/staff/events`): what staff ask for (a start, a
//! partition, filters), a page of decoded records, where the next and previous pages start, and
//! each partition's health.
//!
//! Paging over several partitions at once works on a position per partition: a page forward
//! takes the oldest matching records at or after the positions, a page back the newest before
//! them; rows of all partitions are merged by record time. The cursor of the next page is read
//! off the rows shown ([`next_positions`]), so paging forward and back again shows the same rows.

use serde::{Deserialize, Serialize};

use crate::catalog_event::LogEvent;

/// Rows on one page.
pub const PAGE_ROWS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogStart {
    /// The oldest record the broker still keeps.
    Earliest,
    /// The newest records (the page shows those before the end of the log).
    Latest,
    /// A record offset (one partition) or the same offset in each partition.
    Offset(i64),
    /// The first record at or after this time (Unix milliseconds).
    Time(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// The records at or after the positions, oldest first.
    Forward,
    /// The records before the positions, newest first.
    Back,
}

/// One partition's position: the offset a page starts at (forward) or ends before (back).
pub type Positions = Vec<(i32, i64)>;

/// What a row must be to be shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFilter {
    /// A record `type`, or a prefix ending in a dot (`product.`).
    pub kind: Option<String>,
    /// An order id (order events) or product id (catalog events).
    pub subject: Option<String>,
}

impl LogFilter {
    pub fn matches(&self, row: &LogRow) -> bool {
        let kind_ok = self.kind.as_deref().is_none_or(|k| if k.ends_with('.') { row.kind.starts_with(k) } else { row.kind == k });
        kind_ok && self.subject.as_deref().is_none_or(|s| row.subject.as_deref() == Some(s))
    }
}

/// What staff asked the browser for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    /// One partition, or all.
    pub partition: Option<i32>,
    pub start: LogStart,
    /// A page next to one already shown (its `newer` or `older` positions); `None`: from `start`.
    pub page: Option<(Direction, Positions)>,
    pub filter: LogFilter,
}

impl LogQuery {
    /// Reads the browser's form (every field optional text, as a query string carries it):
    /// `partition` (a number, or empty for all), `start` (`earliest`, `latest`, `offset`,
    /// `time`), `at` (the offset, or a UTC time `2026-12-07T10:30`), `kind`, `subject`, and a page
    /// (`dir` `newer`/`older` with `cursor`). Says what is wrong in words a person can act on.
    pub fn from_form(partition: &str, start: &str, at: &str, kind: &str, subject: &str, dir: &str, cursor: &str) -> Result<LogQuery, String> {
        let partition = match partition.trim() {
            "" | "all" => None,
            p => Some(p.parse::<i32>().ok().filter(|p| *p >= 0).ok_or_else(|| format!("\"{}\" is not a partition number.", cut(p)))?),
        };
        let at = at.trim();
        let start = match start.trim() {
            "" | "latest" => LogStart::Latest,
            "earliest" => LogStart::Earliest,
            "offset" => LogStart::Offset(at.parse::<i64>().ok().filter(|o| *o >= 0).ok_or("Give the offset to start at (a whole number, 0 or more).")?),
            "time" => {
                let text = match at.len() {
                    16 => format!("{at}:00Z"),
                    19 => format!("{at}Z"),
                    _ => at.to_owned(),
                };
                LogStart::Time(crate::figures::utc_ms_from_rfc3339(&text).ok_or("Give the time to start at, in UTC: 2026-12-07T10:30.")?)
            }
            other => return Err(format!("\"{}\" is not a start: earliest, latest, offset or time.", cut(other))),
        };
        let page = match dir.trim() {
            "" => None,
            d @ ("newer" | "older") => {
                let positions = positions_from_text(cursor.trim()).ok_or("The page link is damaged; start again from the form.")?;
                Some((if d == "newer" { Direction::Forward } else { Direction::Back }, positions))
            }
            other => return Err(format!("\"{}\" is not a page direction.", cut(other))),
        };
        let text = |t: &str| Some(t.trim()).filter(|t| !t.is_empty()).map(|t| t.chars().take(100).collect::<String>());
        Ok(LogQuery { partition, start, page, filter: LogFilter { kind: text(kind), subject: text(subject) } })
    }
}

fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

/// One record, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRow {
    pub partition: i32,
    pub offset: i64,
    /// The record's timestamp (Unix milliseconds).
    pub at_ms: i64,
    /// The event's `type`, or "unreadable".
    pub kind: String,
    /// The order (or product, or shopper of a notification) the event is about.
    pub subject: Option<String>,
    pub status: Option<String>,
    pub version: Option<i64>,
    pub actor: Option<String>,
    /// The record as it is on the topic, indented.
    pub json: String,
}

impl LogRow {
    /// Decodes a record's value for the browser; anything that is not an event of ours is
    /// still shown, as "unreadable", with its text.
    pub fn decode(partition: i32, offset: i64, at_ms: i64, value: &[u8]) -> LogRow {
        let json = serde_json::from_slice::<serde_json::Value>(value)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| String::from_utf8_lossy(&value[..value.len().min(4096)]).into_owned());
        let mut row = LogRow { partition, offset, at_ms, kind: "unreadable".into(), subject: None, status: None, version: None, actor: None, json };
        match LogEvent::from_json(value) {
            Ok(LogEvent::Order(e)) => {
                row.kind = serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                row.subject = Some(e.order_id);
                row.status = Some(e.status.as_str().to_owned());
                row.version = Some(e.order_version);
                row.actor = e.actor.map(|a| a.as_str().to_owned());
            }
            Ok(LogEvent::Product(e)) => {
                row.kind = serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                row.subject = Some(e.product_id);
                row.version = Some(e.product_version);
                row.actor = Some("staff".into());
            }
            Ok(LogEvent::Notification(e)) => {
                row.kind = "notification.created".into();
                row.subject = Some(e.user_id);
            }
            Err(_) => {}
        }
        row
    }
}

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("There is no partition {0}: the topic has {1}, numbered from 0.")]
    NoSuchPartition(i32, usize),
    #[error("The event log cannot be read right now: {0}")]
    Broker(String),
}

/// One partition as the broker and this instance see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionHealth {
    pub partition: i32,
    /// The oldest offset kept.
    pub earliest: i64,
    /// The offset the next record will get (the high watermark).
    pub high_watermark: i64,
    /// The next offset this instance's live consumer will read (None before it started).
    pub consumer_position: Option<i64>,
}

impl PartitionHealth {
    /// Records produced that this instance's consumer has not read yet.
    pub fn lag(&self) -> Option<i64> {
        self.consumer_position.map(|p| (self.high_watermark - p).max(0))
    }
}

/// A page of the event browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPage {
    /// Newest first.
    pub rows: Vec<LogRow>,
    /// Where the page of newer rows starts (forward), and where the page of older rows ends
    /// (back).
    pub newer: Positions,
    pub older: Positions,
    /// How many records were read to find the rows (filters may skip many).
    pub scanned: u64,
    /// True when the scan stopped at its budget before the page was full: there may be more.
    pub cut_short: bool,
    pub health: Vec<PartitionHealth>,
    /// Events written but not yet on the topic.
    pub outbox_backlog: u64,
}

/// "Rebuild figures from the log": today's figures replayed from the topic beside those the
/// database gives, and every difference the audit found (`server replay --verify`, the same code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rebuild {
    pub records: u64,
    pub in_outbox: u64,
    pub orders_checked: u64,
    /// From the log and from the database: the day's figures and orders per minute of the last
    /// hour. `None` when the range starts after today's first orders.
    pub today: Option<(RebuiltFigures, RebuiltFigures)>,
    /// Each difference in words; none when they agree.
    pub differences: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuiltFigures {
    pub figures: crate::views::DayFigures,
    pub per_minute: Vec<u32>,
}

impl Rebuild {
    pub fn agrees(&self) -> bool {
        self.differences.is_empty() && self.today.as_ref().is_none_or(|(log, db)| log == db)
    }
}

/// What one partition's scan found: the matching rows in offset order, and where the scan ended
/// (forward: the offset after the last record read; back: the lowest offset read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scanned {
    pub partition: i32,
    pub start: i64,
    pub rows: Vec<LogRow>,
    pub reached: i64,
}

/// Merges the partitions' scans into one page of at most `limit` rows (newest first), and the
/// positions of the pages on either side of it.
pub fn merge_page(direction: Direction, scans: Vec<Scanned>, limit: usize) -> (Vec<LogRow>, Positions, Positions) {
    let mut all: Vec<LogRow> = scans.iter().flat_map(|s| s.rows.iter().cloned()).collect();
    let key = |r: &LogRow| (r.at_ms, r.partition, r.offset);
    all.sort_by_key(key);
    let kept: Vec<LogRow> = match direction {
        Direction::Forward => all.into_iter().take(limit).collect(),
        Direction::Back => {
            let skip = all.len().saturating_sub(limit);
            all.into_iter().skip(skip).collect()
        }
    };
    let (mut newer, mut older) = (Vec::new(), Vec::new());
    for s in &scans {
        let mine: Vec<&LogRow> = kept.iter().filter(|r| r.partition == s.partition).collect();
        let dropped = s.rows.len() > mine.len();
        let (low, high) = (mine.iter().map(|r| r.offset).min(), mine.iter().map(|r| r.offset).max());
        let (n, o) = match direction {
            // Rows not kept lie after the kept ones: the next page forward starts at them.
            Direction::Forward => (high.map_or(if dropped { s.start } else { s.reached }, |h| h + 1), low.unwrap_or(s.start)),
            Direction::Back => (high.map_or(s.start, |h| h + 1), low.unwrap_or(if dropped { s.start } else { s.reached })),
        };
        newer.push((s.partition, n));
        older.push((s.partition, o));
    }
    let mut rows = kept;
    rows.reverse();
    (rows, newer, older)
}

/// Positions as the page's links carry them: `0:12,1:40,2:7`.
pub fn positions_to_text(positions: &Positions) -> String {
    positions.iter().map(|(p, o)| format!("{p}:{o}")).collect::<Vec<_>>().join(",")
}

/// Reads [`positions_to_text`]; anything malformed is `None`.
pub fn positions_from_text(text: &str) -> Option<Positions> {
    if text.len() > 1000 {
        return None;
    }
    text.split(',').map(|pair| pair.split_once(':').and_then(|(p, o)| Some((p.trim().parse().ok()?, o.trim().parse().ok()?)))).collect()
}

#[cfg(test)]
mod tests;
