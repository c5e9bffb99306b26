//! Percentiles of latency samples (nearest-rank on a sorted copy: no interpolation, so a p99
//! printed here is a latency that really happened).

use std::time::Duration;

#[derive(Default, Clone)]
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Duration>) {
        self.0.extend(other);
    }

    pub fn into_vec(self) -> Vec<Duration> {
        self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn percentile(&self, p: f64) -> Option<Duration> {
        if self.0.is_empty() {
            return None;
        }
        let mut v = self.0.clone();
        v.sort_unstable();
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        Some(v[rank.clamp(1, v.len()) - 1])
    }

    /// "p50 / p95 / p99" in milliseconds.
    pub fn summary(&self) -> String {
        match (self.percentile(50.0), self.percentile(95.0), self.percentile(99.0)) {
            (Some(a), Some(b), Some(c)) => format!("{} / {} / {} ms", ms(a), ms(b), ms(c)),
            _ => "no samples".into(),
        }
    }
}

pub fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let mut s = Samples::default();
        for i in 1..=100 {
            s.push(Duration::from_millis(i));
        }
        assert_eq!(s.percentile(50.0), Some(Duration::from_millis(50)));
        assert_eq!(s.percentile(99.0), Some(Duration::from_millis(99)));
        assert_eq!(s.percentile(100.0), Some(Duration::from_millis(100)));
        assert_eq!(Samples::default().percentile(50.0), None);
    }
}
