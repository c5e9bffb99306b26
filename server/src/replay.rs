//! `server replay [--since TIME] [--verify]`: the shop's audit, run by an operator.
//!
//! It reads the whole `order-events` topic with a client of its own (the live consumers' positions
//! are not touched), replays it into a fresh figures projection ([`domain::figures`]) beside the
//! figures the database gives, and with `--verify` checks every order against the log
//! ([`domain::audit::compare`]): one event per version, each agreeing with the database's
//! history, the last one the order's current row. Any difference makes the command fail, so it
//! can run from cron or CI as proof that the log and the database agree.
//!
//! Events still in the outbox count as on their way to the log. `--since` limits the check to the
//! orders placed from that time on (RFC 3339), for a topic whose retention dropped older events.

use std::collections::HashSet;
use std::fmt::Write as _;

use rskafka::client::partition::OffsetAt;

use crate::kafka;
use crate::relay::KafkaTarget;
use backend::Shop;
use domain::audit::{compare, Difference, LogRecords, Position};
use domain::figures::{utc_midnight, utc_ms_from_rfc3339, Figures, KEEP_BEFORE_MIDNIGHT_MS};
use domain::log_view::{Rebuild, RebuiltFigures};
use domain::{format_cents, LogEvent};

/// What the command was asked.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReplayArgs {
    pub since_ms: Option<i64>,
    pub verify: bool,
}

impl ReplayArgs {
    /// The words after `replay`; None when they are not `[--since TIME] [--verify]`.
    pub fn parse(words: &[String]) -> Result<ReplayArgs, String> {
        let mut args = ReplayArgs::default();
        let mut words = words.iter();
        while let Some(word) = words.next() {
            match word.as_str() {
                "--verify" => args.verify = true,
                "--since" => {
                    let time = words.next().ok_or("--since needs a time, such as 2026-12-06T00:00:00Z")?;
                    args.since_ms =
                        Some(utc_ms_from_rfc3339(time).ok_or_else(|| format!("--since: \"{time}\" is not an RFC 3339 time such as 2026-12-06T00:00:00Z"))?);
                }
                other => return Err(format!("replay: unknown argument \"{other}\"")),
            }
        }
        Ok(args)
    }
}

/// Every record of every partition, from the earliest the broker keeps to the end as it was
/// when reading began, decoded (or why not).
pub async fn read_log(target: &KafkaTarget) -> Result<LogRecords, String> {
    let client = kafka::connect_with(&target.brokers, &target.security).await?;
    let mut records = Vec::new();
    // A shop that never published anything has no topic yet: its log is empty.
    if !kafka::bounded("listing topics", client.list_topics()).await?.iter().any(|t| t.name == target.topic) {
        return Ok(records);
    }
    for (p, pc) in kafka::partition_clients(&client, &target.topic, target.partitions).await?.into_iter().enumerate() {
        let end = kafka::bounded("reading the end offset", pc.get_offset(OffsetAt::Latest)).await?;
        let mut offset = kafka::bounded("reading the earliest offset", pc.get_offset(OffsetAt::Earliest)).await?;
        while offset < end {
            let (batch, _) = kafka::bounded("reading the log", pc.fetch_records(offset, 1..8_000_000, 100)).await?;
            let Some(last) = batch.last().map(|r| r.offset) else {
                return Err(format!("partition {p} ends at offset {offset}, before its end offset {end}"));
            };
            for r in batch.into_iter().filter(|r| r.offset >= offset && r.offset < end) {
                let at = Position { partition: p as i32, offset: r.offset };
                // Catalog events share the topic; the orders' audit leaves them out.
                let event = match r.record.value.as_deref().map(LogEvent::from_json) {
                    Some(Ok(LogEvent::Product(_) | LogEvent::Notification(_))) => continue,
                    Some(Ok(LogEvent::Order(event))) => Ok(event),
                    Some(Err(e)) => Err(e.to_string()),
                    None => Err("a record without a value".to_owned()),
                };
                records.push((at, event));
            }
            offset = last + 1;
        }
    }
    Ok(records)
}

/// What the audit found: how much it read, today's figures both ways (when the range covers
/// today), and every difference between the log and the database.
#[derive(Debug)]
pub struct Audit {
    pub on_log: usize,
    pub in_outbox: usize,
    pub orders_checked: usize,
    /// Today's figures and orders per minute replayed from the log, and from the database.
    pub today: Option<(RebuiltFigures, RebuiltFigures)>,
    /// Empty when the database was not compared (`verify` off).
    pub differences: Vec<Difference>,
}

impl Audit {
    /// Whether the log and the database tell the same story.
    pub fn agrees(&self) -> bool {
        self.differences.is_empty() && self.today.as_ref().is_none_or(|(log, db)| log == db)
    }

    /// As the staff page shows it.
    pub fn into_rebuild(self) -> Rebuild {
        Rebuild {
            records: self.on_log as u64,
            in_outbox: self.in_outbox as u64,
            orders_checked: self.orders_checked as u64,
            today: self.today,
            differences: self.differences.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Reads the log (and the outbox) and the database, replays today's figures from the log, and
/// with `args.verify` compares every order.
pub async fn audit(shop: &Shop, target: &KafkaTarget, args: &ReplayArgs, now_ms: i64) -> Result<Audit, String> {
    let mut records = read_log(target).await?;
    let on_log = records.len();
    let waiting = backend::audit::unpublished(shop).await.map_err(|e| e.to_string())?;
    let in_outbox = waiting.len();
    records.extend(waiting.into_iter().enumerate().map(|(i, e)| (Position { partition: Position::OUTBOX, offset: i as i64 }, Ok(e))));

    let named: HashSet<String> = records.iter().filter_map(|(_, r)| r.as_ref().ok()).map(|e| e.order_id.clone()).collect();
    let orders = backend::audit::orders(shop, args.since_ms, &named).await.map_err(|e| e.to_string())?;
    // Old events get what they lack from the database, as the live consumer does.
    for (_, record) in records.iter_mut() {
        if let Ok(event) = record {
            if let Some(order) = orders.get(&event.order_id).filter(|o| event.agrees_with(&o.facts)) {
                event.complete_from(&order.facts);
            }
        }
    }
    if let Some(since) = args.since_ms {
        // Only the orders placed since then: their events, and records nothing places in time.
        records.retain(|(_, r)| r.as_ref().map_or(true, |e| e.placed_at_ms.is_none_or(|at| at >= since)));
    }
    let orders: std::collections::HashMap<_, _> = orders.into_iter().filter(|(_, o)| args.since_ms.is_none_or(|s| o.facts.created_at_ms >= s)).collect();

    let covers_today = args.since_ms.is_none_or(|s| s <= utc_midnight(now_ms) - KEEP_BEFORE_MIDNIGHT_MS);
    let today = if covers_today {
        let mut replayed = Figures::new(now_ms);
        for event in records.iter().filter_map(|(_, r)| r.as_ref().ok()) {
            if orders.get(&event.order_id).is_some_and(|o| event.agrees_with(&o.facts)) {
                replayed.apply(event);
            }
        }
        let mut from_db = backend::staff::figures_from_database(shop, now_ms).await.map_err(|e| e.to_string())?;
        let log = RebuiltFigures { figures: replayed.today(now_ms), per_minute: replayed.per_minute(now_ms) };
        let db = RebuiltFigures { figures: from_db.today(now_ms), per_minute: from_db.per_minute(now_ms) };
        Some((log, db))
    } else {
        None
    };
    let differences = if args.verify { compare(&records, &orders) } else { Vec::new() };
    Ok(Audit { on_log, in_outbox, orders_checked: orders.len(), today, differences })
}

/// Runs the audit and writes the report; `Err` holds the report when `--verify` found
/// differences.
pub async fn run(shop: &Shop, target: &KafkaTarget, args: &ReplayArgs, now_ms: i64) -> Result<String, String> {
    let audit = audit(shop, target, args, now_ms).await?;
    let mut report = String::new();
    let range = args.since_ms.map_or("every order".to_owned(), |s| format!("orders placed since {}", backend::rfc3339(s)));
    let _ = writeln!(
        report,
        "log: {} records on {} partitions of {}, {} events still in the outbox",
        audit.on_log, target.partitions, target.topic, audit.in_outbox
    );
    let _ = writeln!(report, "checked: {} orders ({range})", audit.orders_checked);
    let figures_differ = match &audit.today {
        Some((log, db)) => {
            let _ = writeln!(report, "today's figures from the log:      {}", describe(log));
            let _ = writeln!(report, "today's figures from the database: {}", describe(db));
            log != db
        }
        None => {
            let _ = writeln!(report, "today's figures: not replayed (the range starts after today's first orders)");
            false
        }
    };
    if !args.verify {
        return Ok(report.trim_end().to_owned());
    }
    if audit.agrees() {
        let _ = write!(report, "the log and the database agree");
        return Ok(report);
    }
    let n = audit.differences.len() + usize::from(figures_differ);
    let _ = writeln!(report, "{n} difference{} between the log and the database:", if n == 1 { "" } else { "s" });
    if figures_differ {
        let _ = writeln!(report, "  today's figures differ (above)");
    }
    for d in &audit.differences {
        let _ = writeln!(report, "  {d}");
    }
    Err(report.trim_end().to_owned())
}

fn describe(r: &RebuiltFigures) -> String {
    let f = &r.figures;
    let statuses: Vec<String> = f.per_status.iter().map(|(s, n)| format!("{} {n}", s.as_str())).collect();
    let last_hour: u32 = r.per_minute.iter().sum();
    format!(
        "{} orders, revenue {}, average {}; {}; {last_hour} in the last hour",
        f.orders,
        format_cents(f.revenue_cents),
        format_cents(f.average_cents),
        statuses.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::ReplayArgs;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_its_arguments() {
        assert_eq!(ReplayArgs::parse(&[]).unwrap(), ReplayArgs::default());
        let both = ReplayArgs::parse(&words(&["--since", "2026-12-06T00:00:00Z", "--verify"])).unwrap();
        assert_eq!(both, ReplayArgs { since_ms: Some(1_796_515_200_000), verify: true });
        assert!(ReplayArgs::parse(&words(&["--since"])).unwrap_err().contains("needs a time"));
        assert!(ReplayArgs::parse(&words(&["--since", "yesterday"])).unwrap_err().contains("not an RFC 3339 time"));
        assert!(ReplayArgs::parse(&words(&["--fast"])).unwrap_err().contains("unknown argument"));
    }
}
