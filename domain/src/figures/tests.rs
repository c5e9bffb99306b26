//! The projection's rules: what counts as today, idempotence, snapshots, the day's roll and the
//! chart's clock minutes.

use super::{utc_midnight, utc_ms_from_rfc3339, Figures, CHART_MINUTES};
use crate::event::{EventType, OrderEvent, EVENT_SCHEMA_VERSION};
use crate::lifecycle::OrderStatus::{self, *};

/// 2026-12-02T00:00:00Z.
const MIDNIGHT: i64 = 1_796_169_600_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn created(id: &str, placed: i64, total: i64) -> OrderEvent {
    OrderEvent {
        v: EVENT_SCHEMA_VERSION,
        event_id: format!("{id}-1"),
        kind: EventType::OrderCreated,
        order_id: id.into(),
        user_id: "u1".into(),
        status: Pending,
        order_version: 1,
        total_cents: total,
        occurred_at: iso(placed),
        placed_at_ms: Some(placed),
        previous_status: None,
        actor: None,
        actor_id: None,
        reason: None,
        note: None,
    }
}

fn changed(id: &str, placed: i64, total: i64, version: i64, from: OrderStatus, to: OrderStatus, at: i64) -> OrderEvent {
    OrderEvent {
        event_id: format!("{id}-{version}"),
        kind: EventType::OrderStatusChanged,
        status: to,
        order_version: version,
        occurred_at: iso(at),
        previous_status: Some(from),
        actor: None,
        actor_id: None,
        reason: None,
        note: None,
        ..created(id, placed, total)
    }
}

/// RFC 3339 for a time on 2026-12-01/02/03, enough for these tests.
fn iso(ms: i64) -> String {
    let day = 2 + (ms - MIDNIGHT).div_euclid(24 * HOUR);
    let in_day = (ms - MIDNIGHT).rem_euclid(24 * HOUR);
    let (h, m, s, milli) = (in_day / HOUR, in_day % HOUR / MIN, in_day % MIN / 1000, in_day % 1000);
    format!("2026-12-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

fn count(f: &mut Figures, now: i64, status: OrderStatus) -> u64 {
    f.today(now).per_status.iter().find(|(s, _)| *s == status).map(|(_, n)| *n).unwrap()
}

#[test]
fn the_day_starts_at_utc_midnight() {
    assert_eq!(utc_midnight(MIDNIGHT), MIDNIGHT);
    assert_eq!(utc_midnight(MIDNIGHT + 1), MIDNIGHT);
    assert_eq!(utc_midnight(MIDNIGHT - 1), MIDNIGHT - 24 * HOUR);
}

#[test]
fn reads_the_events_times() {
    assert_eq!(utc_ms_from_rfc3339("2026-12-02T00:00:00Z"), Some(MIDNIGHT));
    assert_eq!(utc_ms_from_rfc3339("2026-12-02T00:05:00.250Z"), Some(MIDNIGHT + 5 * MIN + 250));
    assert_eq!(utc_ms_from_rfc3339("2026-12-02T01:00:00.5+01:00"), Some(MIDNIGHT + 500));
    assert_eq!(utc_ms_from_rfc3339("2026-12-01T23:00:00-01:00"), Some(MIDNIGHT));
    assert_eq!(utc_ms_from_rfc3339("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(utc_ms_from_rfc3339("2024-02-29T12:00:00Z"), Some(1_709_208_000_000));
    for bad in ["", "2026-12-02", "2026-13-02T00:00:00Z", "2026-12-02T24:00:00Z", "2026-12-02T00:00:00", "2026-12-02T00:00:00.Z", "2026-12-02T00:00:00Zjunk"] {
        assert_eq!(utc_ms_from_rfc3339(bad), None, "{bad}");
    }
    assert_eq!(utc_ms_from_rfc3339(&iso(MIDNIGHT + 3 * HOUR + 7)), Some(MIDNIGHT + 3 * HOUR + 7));
}

#[test]
fn cancelled_orders_count_but_earn_nothing() {
    let now = MIDNIGHT + 10 * HOUR;
    let mut f = Figures::new(now);
    f.record("a", MIDNIGHT + HOUR, 1, Pending, 1000);
    f.record("b", MIDNIGHT + 2 * HOUR, 3, Shipped, 3000);
    f.record("c", MIDNIGHT + 3 * HOUR, 2, Cancelled, 9999);
    let today = f.today(now);
    assert_eq!((today.orders, today.revenue_cents, today.average_cents), (3, 4000, 2000));
    assert_eq!(today.per_status.len(), OrderStatus::ALL.len());
    assert!(today.per_status.contains(&(Cancelled, 1)) && today.per_status.contains(&(Processing, 0)));
    let none = Figures::new(now).today(now);
    assert_eq!((none.orders, none.revenue_cents, none.average_cents), (0, 0, 0));
}

#[test]
fn events_move_the_figures_once() {
    let now = MIDNIGHT + 10 * HOUR;
    let mut f = Figures::new(now);
    let placed = now - 5 * MIN;
    assert!(f.apply(&created("a", placed, 2500)));
    assert!(!f.apply(&created("a", placed, 2500)), "a redelivered event counts once");
    assert!(f.apply(&changed("a", placed, 2500, 2, Pending, Processing, now - MIN)));
    assert!(!f.apply(&changed("a", placed, 2500, 2, Pending, Processing, now - MIN)));
    assert_eq!((count(&mut f, now, Pending), count(&mut f, now, Processing)), (0, 1));
    assert!(f.apply(&changed("a", placed, 2500, 3, Processing, Cancelled, now)));
    let today = f.today(now);
    assert_eq!((today.orders, today.revenue_cents, today.average_cents), (1, 0, 0));
    assert!(!f.apply(&changed("a", placed, 2500, 2, Pending, Processing, now - MIN)), "an older version changes nothing");
    assert_eq!(count(&mut f, now, Cancelled), 1);
}

#[test]
fn a_loaded_order_moves_only_by_newer_versions() {
    let now = MIDNIGHT + 10 * HOUR;
    let mut f = Figures::new(now);
    f.record("a", MIDNIGHT + HOUR, 2, Processing, 1000);
    assert!(!f.apply(&created("a", MIDNIGHT + HOUR, 1000)), "the load already has it");
    assert!(!f.apply(&changed("a", MIDNIGHT + HOUR, 1000, 2, Pending, Processing, now)));
    assert!(f.apply(&changed("a", MIDNIGHT + HOUR, 1000, 3, Processing, Shipped, now)));
    assert_eq!((f.today(now).orders, count(&mut f, now, Shipped), count(&mut f, now, Processing)), (1, 1, 0));
}

#[test]
fn yesterdays_orders_stay_out_of_today() {
    let now = MIDNIGHT + 30 * MIN;
    let mut f = Figures::new(now);
    let late = MIDNIGHT - 10 * MIN;
    f.record("late", late, 1, Pending, 700);
    assert_eq!(f.today(now).orders, 0);
    assert!(!f.apply(&changed("late", late, 700, 2, Pending, Cancelled, now)), "its cancellation is not today's");
    assert_eq!(f.today(now).revenue_cents, 0);
    let bars = f.per_minute(now);
    assert_eq!(bars.iter().sum::<u32>(), 1, "but the chart across midnight shows it");
    assert!(!f.apply(&created("older", MIDNIGHT - 5 * HOUR, 100)), "too old to matter");
    assert_eq!(f.known_orders(), 1);
}

#[test]
fn a_new_day_starts_from_nothing_and_forgets_old_orders() {
    let mut f = Figures::new(MIDNIGHT + 12 * HOUR);
    f.apply(&created("noon", MIDNIGHT + 12 * HOUR, 100));
    f.apply(&created("late", MIDNIGHT + 23 * HOUR, 200));
    let next_midnight = MIDNIGHT + 24 * HOUR;
    assert!(f.apply(&created("early", next_midnight + MIN, 300)), "an order of the new day rolls the day");
    let today = f.today(next_midnight + 2 * MIN);
    assert_eq!((today.orders, today.revenue_cents), (1, 300));
    assert_eq!(f.known_orders(), 2, "the noon order is forgotten, the one an hour before midnight is kept");
    assert!(!f.apply(&changed("late", MIDNIGHT + 23 * HOUR, 200, 2, Pending, Cancelled, next_midnight + 3 * MIN)));
    assert_eq!(f.today(next_midnight + 3 * MIN).revenue_cents, 300);
}

#[test]
fn the_chart_counts_clock_minutes_current_last() {
    let now = MIDNIGHT + 10 * HOUR + 30_000;
    let mut f = Figures::new(now);
    f.record("a", now, 1, Pending, 1);
    f.record("b", now - 30_000, 1, Pending, 1);
    f.record("c", now - 30_001, 1, Pending, 1);
    f.record("d", now - 59 * MIN - 30_000, 1, Pending, 1);
    f.record("e", now - 59 * MIN - 30_001, 1, Pending, 1);
    let bars = f.per_minute(now);
    assert_eq!(bars.len(), CHART_MINUTES);
    assert_eq!(bars[59], 2, "the current minute: now and its first millisecond");
    assert_eq!(bars[58], 1);
    assert_eq!(bars[0], 1, "the oldest minute shown");
    assert_eq!(bars.iter().sum::<u32>(), 4, "the minute before it is outside");
    assert_eq!(f.per_minute(now + HOUR).iter().sum::<u32>(), 0, "an hour later the chart is empty");
}

#[test]
fn a_viewer_whose_clock_runs_behind_still_sees_the_newest_order() {
    let as_of = MIDNIGHT + 10 * HOUR + 59_000;
    let mut f = Figures::from_snapshot(&Figures::new(as_of).today(as_of), &[0; CHART_MINUTES], as_of);
    // Placed two seconds later, in the next minute, on the server's clock; the browser's estimate
    // of that clock still reads the minute before.
    let placed = as_of + 2_000;
    assert!(f.apply(&created("a", placed, 500)));
    let bars = f.per_minute(as_of + 500);
    assert_eq!(bars.iter().sum::<u32>(), 1, "the order is on the chart");
    assert_eq!(bars[CHART_MINUTES - 1], 1, "in the newest minute");
    assert_eq!(f.today(as_of + 500).orders, 1);
}

#[test]
fn a_snapshot_holds_what_happened_up_to_its_time() {
    let as_of = MIDNIGHT + 10 * HOUR;
    let mut server = Figures::new(as_of);
    server.record("a", as_of - 3 * MIN, 1, Pending, 1000);
    server.record("b", as_of - 2 * MIN, 2, Processing, 2000);
    let (today, bars) = (server.today(as_of), server.per_minute(as_of));

    let mut browser = Figures::from_snapshot(&today, &bars, as_of);
    assert_eq!((browser.today(as_of), browser.per_minute(as_of)), (today.clone(), bars.clone()), "the snapshot reads back as it was");
    assert!(!browser.apply(&created("a", as_of - 3 * MIN, 1000)), "placed before the snapshot: counted");
    assert!(!browser.apply(&changed("b", as_of - 2 * MIN, 2000, 2, Pending, Processing, as_of - MIN)), "changed before it: counted");
    // After the snapshot, the same events move the browser's copy as they move the server's.
    let later = [
        changed("a", as_of - 3 * MIN, 1000, 2, Pending, Processing, as_of + 1000),
        changed("b", as_of - 2 * MIN, 2000, 3, Processing, Cancelled, as_of + 2000),
        created("c", as_of + 3000, 4000),
        changed("c", as_of + 3000, 4000, 2, Pending, Cancelled, as_of + 4000),
        created("d", as_of + 5000, 500),
    ];
    for e in &later {
        assert!(browser.apply(e), "{e:?}");
        assert!(server.apply(e), "{e:?}");
        assert!(!browser.apply(e), "again: {e:?}");
    }
    let now = as_of + 10_000;
    assert_eq!(browser.today(now), server.today(now));
    assert_eq!(browser.per_minute(now), server.per_minute(now));
    assert_eq!(browser.today(now).orders, 4);
    assert_eq!(browser.today(now).revenue_cents, 1500);
}

#[test]
fn an_event_without_its_placing_time_changes_nothing() {
    let now = MIDNIGHT + HOUR;
    let mut f = Figures::new(now);
    assert!(!f.apply(&OrderEvent { placed_at_ms: None, ..created("a", now, 100) }));
    assert_eq!((f.today(now).orders, f.known_orders()), (0, 0));
}
