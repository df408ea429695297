//! Latencies and rates: what one measurement of `laa bench` records.

use std::time::Duration;

/// The latencies of one measurement, and how long it ran.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    latencies: Vec<Duration>,
    /// The wall-clock time the measurement took (the slowest client's).
    pub elapsed: Duration,
    /// A first call made before the measurement, untimed in it (a warm-up
    /// whose latency is the cold cost), if one was made.
    pub first: Option<Duration>,
}

impl Samples {
    /// Records one call's latency.
    pub fn push(&mut self, latency: Duration) {
        self.latencies.push(latency);
    }

    /// Adds another client's samples to these (run side by side).
    pub fn merge(&mut self, other: Samples) {
        self.latencies.extend(other.latencies);
        self.elapsed = self.elapsed.max(other.elapsed);
    }

    /// Adds the samples of a later measurement of the same thing, one
    /// after the other: every latency, the two durations added, and the
    /// first call's latency if this had none.
    pub fn pool(&mut self, later: Samples) {
        self.latencies.extend(later.latencies);
        self.elapsed += later.elapsed;
        self.first = self.first.or(later.first);
    }

    /// How many calls were measured.
    pub fn count(&self) -> usize {
        self.latencies.len()
    }

    /// The `q`-quantile latency (0.5 for the median), in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        match sorted.len() {
            0 => f64::NAN,
            n => {
                let rank = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
                sorted[rank].as_secs_f64() * 1_000.0
            }
        }
    }

    /// The median latency in milliseconds.
    pub fn p50(&self) -> f64 {
        self.quantile_ms(0.5)
    }

    /// The 99th percentile latency in milliseconds.
    pub fn p99(&self) -> f64 {
        self.quantile_ms(0.99)
    }

    /// Calls completed per second of wall-clock time.
    pub fn per_second(&self) -> f64 {
        self.count() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(ms: &[u64]) -> Samples {
        let mut s = Samples::default();
        for &m in ms {
            s.push(Duration::from_millis(m));
        }
        s.elapsed = Duration::from_secs(2);
        s
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let s = samples(&[5, 1, 4, 2, 3, 100, 6, 7, 8, 9]);
        assert_eq!(s.p50(), 5.0);
        assert_eq!(s.p99(), 100.0);
        assert_eq!(s.quantile_ms(0.0), 1.0);
        assert_eq!(s.per_second(), 5.0);
    }

    #[test]
    fn pooled_samples_keep_every_latency_the_time_of_both_and_the_first_call() {
        let mut a = samples(&[1, 2]);
        let mut b = samples(&[3]);
        b.elapsed = Duration::from_secs(3);
        b.first = Some(Duration::from_millis(9));
        a.elapsed = Duration::from_secs(2);
        a.pool(b);
        assert_eq!(a.count(), 3);
        assert_eq!(a.elapsed, Duration::from_secs(5));
        assert_eq!(a.first, Some(Duration::from_millis(9)));
        assert_eq!(a.p50(), 2.0);
    }

    #[test]
    fn merged_samples_keep_every_latency_and_the_longest_run() {
        let mut a = samples(&[1, 2]);
        let mut b = samples(&[3]);
        b.elapsed = Duration::from_secs(3);
        a.merge(b);
        assert_eq!(a.count(), 3);
        assert_eq!(a.elapsed, Duration::from_secs(3));
        assert_eq!(a.p50(), 2.0);
    }

    #[test]
    fn no_samples_have_no_quantile() {
        assert!(Samples::default().p50().is_nan());
    }
}
