//! Criterion benches of the spawn workloads on runtime, Tokio and smol:
//! one group per workload, one function per runtime, 2 workers each
//! (`BENCH_WORKERS=n` to change).

use benches::workloads::spawn::{SPAWN_MANY_LOCAL, SPAWN_MANY_REMOTE};
use benches::{Runtimes, Which, Workload, DEFAULT_WORKERS};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use std::time::Duration;

fn workers() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_WORKERS)
}

fn bench_workload(c: &mut Criterion, w: &Workload) {
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

fn spawn_many_local(c: &mut Criterion) {
    bench_workload(c, &SPAWN_MANY_LOCAL);
}

fn spawn_many_remote(c: &mut Criterion) {
    bench_workload(c, &SPAWN_MANY_REMOTE);
}

criterion_group!(spawn, spawn_many_local, spawn_many_remote);
criterion_main!(spawn);
