//! What the benchmarks share: their settings and how latencies become a table row.

use std::time::Duration;

pub fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.saturating_sub(1).min(sorted.len() - 1)]
}

/// Latencies of one kind of request, and how many were served per second.
pub struct Figures {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub per_second: f64,
}

impl Figures {
    pub fn of(mut latencies: Vec<Duration>, elapsed: Duration) -> Self {
        latencies.sort();
        Figures {
            count: latencies.len(),
            p50_ms: percentile(&latencies, 50.0).as_secs_f64() * 1e3,
            p99_ms: percentile(&latencies, 99.0).as_secs_f64() * 1e3,
            per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        }
    }
}
