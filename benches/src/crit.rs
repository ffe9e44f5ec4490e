//! The shared criterion setup of `benches/*.rs`: one group per workload,
//! one function per runtime, the three runtimes built once per group with
//! `BENCH_WORKERS` workers each (default [`DEFAULT_WORKERS`]).

use crate::{Runtimes, Which, Workload, DEFAULT_WORKERS};
use criterion::{Criterion, SamplingMode};
use std::time::Duration;

/// Worker threads per runtime: `BENCH_WORKERS` or [`DEFAULT_WORKERS`].
pub fn workers() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_WORKERS)
}

/// Benches `w` on runtime, Tokio and smol as the group `w.name`.
pub fn bench_workload(c: &mut Criterion, w: &Workload) {
    let rts = Runtimes::new(workers()).expect("cannot build the runtimes");
    let mut group = c.benchmark_group(w.name);
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for which in Which::ALL {
        group.bench_function(which.name(), |b| b.iter(|| w.run(&rts, which)));
    }
    group.finish();
}
