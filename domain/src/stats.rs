//! Figures for the staff dashboard, computed from plain timestamps and statuses.

use crate::lifecycle::OrderStatus;
use crate::views::DayFigures;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The UTC midnight that starts the day `now_ms` is in (the staff's "today").
pub fn utc_midnight(now_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(DAY_MS)
}

/// A day's figures from its orders' totals and current statuses: cancelled orders count as
/// orders but bring no revenue and do not weigh in the average.
pub fn day_figures(orders: &[(i64, OrderStatus)]) -> DayFigures {
    let kept: Vec<i64> = orders.iter().filter(|(_, s)| *s != OrderStatus::Cancelled).map(|(t, _)| *t).collect();
    let revenue: i64 = kept.iter().sum();
    DayFigures {
        orders: orders.len() as u64,
        revenue_cents: revenue,
        average_cents: if kept.is_empty() { 0 } else { revenue / kept.len() as i64 },
        per_status: OrderStatus::ALL.into_iter().map(|st| (st, orders.iter().filter(|(_, s)| *s == st).count() as u64)).collect(),
    }
}

/// Counts `times` (Unix millis) into `minutes` one-minute buckets ending at `now_ms`, oldest
/// first. Times outside the window are ignored.
pub fn per_minute(times: &[i64], now_ms: i64, minutes: usize) -> Vec<u32> {
    let mut buckets = vec![0u32; minutes];
    let start = now_ms - minutes as i64 * 60_000;
    for &t in times {
        if t <= start || t > now_ms {
            continue;
        }
        let idx = ((t - start - 1) / 60_000) as usize;
        if let Some(b) = buckets.get_mut(idx) {
            *b += 1;
        }
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::{day_figures, per_minute, utc_midnight};
    use crate::lifecycle::OrderStatus;

    #[test]
    fn the_day_starts_at_utc_midnight() {
        let midnight = 1_764_028_800_000; // 2025-11-25T00:00:00Z
        assert_eq!(utc_midnight(midnight), midnight);
        assert_eq!(utc_midnight(midnight + 1), midnight);
        assert_eq!(utc_midnight(midnight - 1), midnight - 24 * 3600 * 1000);
    }

    #[test]
    fn cancelled_orders_count_but_earn_nothing() {
        let f = day_figures(&[(1000, OrderStatus::Pending), (3000, OrderStatus::Shipped), (9999, OrderStatus::Cancelled)]);
        assert_eq!((f.orders, f.revenue_cents, f.average_cents), (3, 4000, 2000));
        assert!(f.per_status.contains(&(OrderStatus::Cancelled, 1)) && f.per_status.contains(&(OrderStatus::Processing, 0)));
        assert_eq!(f.per_status.len(), OrderStatus::ALL.len());
        let none = day_figures(&[]);
        assert_eq!((none.orders, none.revenue_cents, none.average_cents), (0, 0, 0));
    }

    #[test]
    fn buckets_the_last_hour_oldest_first() {
        let now = 10_000_000;
        let times = [now, now - 1, now - 59_999, now - 60_000, now - 61_000, now - 3_599_999, now - 3_600_000, now + 5];
        let b = per_minute(&times, now, 60);
        assert_eq!(b.len(), 60);
        assert_eq!(b[59], 3, "the newest minute: now, now-1ms, now-59.999s");
        assert_eq!(b[58], 2, "now-60s and now-61s");
        assert_eq!(b[0], 1, "the oldest minute");
        assert_eq!(b.iter().sum::<u32>(), 6, "an hour ago exactly and the future are outside");
    }
}
