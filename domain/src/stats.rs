//! Figures for the staff dashboard, computed from plain timestamps.

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
    use super::per_minute;

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
