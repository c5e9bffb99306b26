//! The staff dashboard's figures (today's orders, revenue, average, orders per status, and the
//! last hour's orders per minute) as a projection of order events.
//!
//! It exists so that reading the figures costs the same however many orders the day had: the
//! server loads them from the database once and then moves them by every event it takes, and the
//! dashboard in the browser moves its copy by the same events with this same code. "Today" is the
//! UTC day; the chart counts orders per clock minute.
//!
//! Applying is idempotent: an order this projection knows (loaded, or seen in an event) moves
//! only by a newer version of it, and a snapshot ([`Figures::from_snapshot`]) already holds what
//! happened up to its time. Events carry when their order was placed and the status they left
//! ([`OrderEvent::placed_at_ms`], [`OrderEvent::previous_status`]), which is what lets a copy
//! that never saw an order count its changes.

use std::collections::{BTreeMap, HashMap};

use crate::event::{EventType, OrderEvent};
use crate::lifecycle::OrderStatus;
use crate::views::DayFigures;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// Minutes in the chart, the current one last.
pub const CHART_MINUTES: usize = 60;
/// Orders placed this long before midnight are still known after it: the chart shows the last
/// hour across midnight, and their late status changes must not count as today's.
pub const KEEP_BEFORE_MIDNIGHT_MS: i64 = 2 * 3600 * 1000;

/// The UTC midnight that starts the day `now_ms` is in (the staff's "today").
pub fn utc_midnight(now_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(DAY_MS)
}

/// What the projection remembers of one order.
#[derive(Debug, Clone, Copy)]
struct Known {
    placed_at_ms: i64,
    version: i64,
    status: OrderStatus,
}

#[derive(Debug, Clone)]
pub struct Figures {
    /// The UTC midnight that starts the day the counts are for.
    day_start: i64,
    orders: u64,
    revenue_cents: i64,
    /// Today's orders that are not cancelled (what the average divides by).
    kept: u64,
    per_status: [u64; OrderStatus::ALL.len()],
    /// Orders placed per clock minute (minutes since the epoch), for the chart.
    minutes: BTreeMap<i64, u32>,
    known: HashMap<String, Known>,
    /// Events that happened up to this time are already counted (a snapshot's time).
    settled_until_ms: Option<i64>,
    /// The newest placing time counted. A viewer's clock is an estimate of the server's and may
    /// run behind it: the figures are never read as of an earlier time, so an order just placed
    /// is never left off the chart's right edge.
    newest_ms: i64,
}

fn slot(status: OrderStatus) -> usize {
    OrderStatus::ALL.iter().position(|&s| s == status).unwrap_or_default()
}

impl Figures {
    /// No orders yet, for the day `now_ms` is in.
    pub fn new(now_ms: i64) -> Figures {
        Figures {
            day_start: utc_midnight(now_ms),
            orders: 0,
            revenue_cents: 0,
            kept: 0,
            per_status: [0; OrderStatus::ALL.len()],
            minutes: BTreeMap::new(),
            known: HashMap::new(),
            settled_until_ms: None,
            newest_ms: i64::MIN,
        }
    }

    /// The figures as the server reported them at `as_of_ms` (the day's figures and the chart,
    /// current minute last): events that happened up to then are taken as counted in them.
    pub fn from_snapshot(today: &DayFigures, per_minute: &[u32], as_of_ms: i64) -> Figures {
        let mut figures = Figures::new(as_of_ms);
        for &(status, n) in &today.per_status {
            figures.per_status[slot(status)] = n;
        }
        figures.orders = today.orders;
        figures.revenue_cents = today.revenue_cents;
        figures.kept = today.orders.saturating_sub(figures.per_status[slot(OrderStatus::Cancelled)]);
        let last = as_of_ms.div_euclid(MINUTE_MS);
        let first = last - per_minute.len() as i64 + 1;
        for (i, &n) in per_minute.iter().enumerate() {
            if n > 0 {
                figures.minutes.insert(first + i as i64, n);
            }
        }
        figures.settled_until_ms = Some(as_of_ms);
        figures
    }

    /// Counts one order as the database has it (loading the figures). Orders placed before
    /// midnight count in the chart only.
    pub fn record(&mut self, order_id: &str, placed_at_ms: i64, version: i64, status: OrderStatus, total_cents: i64) {
        if let Some(known) = self.known.get(order_id).copied() {
            if version > known.version {
                self.change(order_id, known, version, status, total_cents);
            }
            return;
        }
        self.roll_to(placed_at_ms);
        if placed_at_ms < self.day_start - KEEP_BEFORE_MIDNIGHT_MS {
            return;
        }
        self.known.insert(order_id.to_owned(), Known { placed_at_ms, version, status });
        self.place(placed_at_ms, status, total_cents);
    }

    /// Moves the figures by an event; true when they changed. An event without its order's
    /// placing time, one already counted, one older than what is known, or a note changes nothing.
    pub fn apply(&mut self, event: &OrderEvent) -> bool {
        let Some(placed) = event.placed_at_ms.filter(|_| event.changes_order()) else { return false };
        self.roll_to(placed);
        if let Some(known) = self.known.get(&event.order_id).copied() {
            if event.order_version <= known.version {
                return false;
            }
            return self.change(&event.order_id, known, event.order_version, event.status, event.total_cents);
        }
        if placed < self.day_start - KEEP_BEFORE_MIDNIGHT_MS {
            return false;
        }
        let created = event.kind == EventType::OrderCreated;
        let happened = if created { Some(placed) } else { utc_ms_from_rfc3339(&event.occurred_at) };
        let settled = self.settled_until_ms.is_some_and(|until| happened.is_none_or(|at| at <= until));
        self.known.insert(event.order_id.clone(), Known { placed_at_ms: placed, version: event.order_version, status: event.status });
        if settled {
            return false;
        }
        if created {
            self.place(placed, event.status, event.total_cents);
            return true;
        }
        // A change to an order this copy never saw placed: it was counted under the status the
        // change left.
        match event.previous_status {
            Some(from) if placed >= self.day_start => {
                self.shift(from, event.status, event.total_cents);
                true
            }
            _ => false,
        }
    }

    /// Today's figures, as of `now_ms` (a new UTC day starts from nothing).
    pub fn today(&mut self, now_ms: i64) -> DayFigures {
        self.roll_to(now_ms.max(self.newest_ms));
        DayFigures {
            orders: self.orders,
            revenue_cents: self.revenue_cents,
            average_cents: if self.kept == 0 { 0 } else { self.revenue_cents / self.kept as i64 },
            per_status: OrderStatus::ALL.into_iter().map(|s| (s, self.per_status[slot(s)])).collect(),
        }
    }

    /// Orders placed per clock minute over the last [`CHART_MINUTES`], the minute of `now_ms`
    /// last.
    pub fn per_minute(&mut self, now_ms: i64) -> Vec<u32> {
        let now_ms = now_ms.max(self.newest_ms);
        self.roll_to(now_ms);
        let last = now_ms.div_euclid(MINUTE_MS);
        let first = last - CHART_MINUTES as i64 + 1;
        self.minutes = self.minutes.split_off(&first);
        (first..=last).map(|m| self.minutes.get(&m).copied().unwrap_or(0)).collect()
    }

    /// How many orders the projection remembers (today's and those of the last hours before
    /// midnight).
    pub fn known_orders(&self) -> usize {
        self.known.len()
    }

    /// Counts a newly placed order: in the chart, and in today's figures if placed today.
    fn place(&mut self, placed_at_ms: i64, status: OrderStatus, total_cents: i64) {
        self.newest_ms = self.newest_ms.max(placed_at_ms);
        *self.minutes.entry(placed_at_ms.div_euclid(MINUTE_MS)).or_default() += 1;
        if placed_at_ms < self.day_start {
            return;
        }
        self.orders += 1;
        self.per_status[slot(status)] += 1;
        if status != OrderStatus::Cancelled {
            self.revenue_cents += total_cents;
            self.kept += 1;
        }
    }

    /// A known order reached a newer version.
    fn change(&mut self, order_id: &str, known: Known, version: i64, status: OrderStatus, total_cents: i64) -> bool {
        self.known.insert(order_id.to_owned(), Known { version, status, ..known });
        if known.placed_at_ms < self.day_start || known.status == status {
            return false;
        }
        self.shift(known.status, status, total_cents);
        true
    }

    /// One of today's orders went from one status to another.
    fn shift(&mut self, from: OrderStatus, to: OrderStatus, total_cents: i64) {
        let from_slot = &mut self.per_status[slot(from)];
        *from_slot = from_slot.saturating_sub(1);
        self.per_status[slot(to)] += 1;
        match (from == OrderStatus::Cancelled, to == OrderStatus::Cancelled) {
            (false, true) => {
                self.revenue_cents -= total_cents;
                self.kept = self.kept.saturating_sub(1);
            }
            (true, false) => {
                self.revenue_cents += total_cents;
                self.kept += 1;
            }
            _ => {}
        }
    }

    /// Starts a new day if `at_ms` is in a later UTC day than the counts are for.
    fn roll_to(&mut self, at_ms: i64) {
        let midnight = utc_midnight(at_ms);
        if midnight <= self.day_start {
            return;
        }
        self.day_start = midnight;
        self.orders = 0;
        self.revenue_cents = 0;
        self.kept = 0;
        self.per_status = [0; OrderStatus::ALL.len()];
        self.known.retain(|_, k| k.placed_at_ms >= midnight - KEEP_BEFORE_MIDNIGHT_MS);
    }
}

/// Unix milliseconds of an RFC 3339 time such as the events' `occurred_at`
/// (`2026-12-02T00:05:00.000Z`, or with a `±hh:mm` offset); None if it is not one.
pub fn utc_ms_from_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let punct = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if !(punct(4, b"-") && punct(7, b"-") && punct(10, b"Tt ") && punct(13, b":") && punct(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut millis = 0;
    if punct(at, b".") {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return None;
        }
        let fraction = &text[start..at.min(start + 3)];
        millis = fraction.parse::<i64>().ok()? * 10i64.pow(3 - fraction.len() as u32);
    }
    let offset_min = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if at + 6 == b.len() && punct(at + 3, b":") => {
            let minutes = digits(at + 1, 2)? * 60 + digits(at + 4, 2)?;
            if sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm), proleptic Gregorian.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hour) * 60 + minute - offset_min) * MINUTE_MS + second * 1000 + millis)
}

#[cfg(test)]
mod tests;
