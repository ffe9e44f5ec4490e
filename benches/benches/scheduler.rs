//! Criterion benches of the scheduler workloads (spawn_join, yield_many,
//! ping_pong, chained_spawn) on runtime, Tokio and smol: one group per
//! workload, one function per runtime, 2 workers each (`BENCH_WORKERS=n`).

use benches::crit::bench_workload;
use benches::workloads::{chained_spawn, ping_pong, spawn_join, yield_many};
use criterion::{criterion_group, criterion_main, Criterion};

fn spawn_join(c: &mut Criterion) {
    bench_workload(c, &spawn_join::SPAWN_JOIN);
}

fn yield_many(c: &mut Criterion) {
    bench_workload(c, &yield_many::YIELD_MANY);
}

fn ping_pong(c: &mut Criterion) {
    bench_workload(c, &ping_pong::PING_PONG);
}

fn chained_spawn(c: &mut Criterion) {
    bench_workload(c, &chained_spawn::CHAINED_SPAWN);
}

criterion_group!(scheduler, spawn_join, yield_many, ping_pong, chained_spawn);
criterion_main!(scheduler);
