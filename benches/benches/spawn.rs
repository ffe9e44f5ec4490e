//! Criterion benches of the spawn workloads on runtime, Tokio and smol:
//! one group per workload, one function per runtime, 2 workers each
//! (`BENCH_WORKERS=n` to change).

use benches::crit::bench_workload;
use benches::workloads::spawn::{SPAWN_MANY_LOCAL, SPAWN_MANY_REMOTE};
use criterion::{criterion_group, criterion_main, Criterion};

fn spawn_many_local(c: &mut Criterion) {
    bench_workload(c, &SPAWN_MANY_LOCAL);
}

fn spawn_many_remote(c: &mut Criterion) {
    bench_workload(c, &SPAWN_MANY_REMOTE);
}

criterion_group!(spawn, spawn_many_local, spawn_many_remote);
criterion_main!(spawn);
