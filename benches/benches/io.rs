//! Criterion benches of the timer and socket workloads (timers, tcp_echo)
//! on runtime, Tokio and smol: one group per workload, one function per
//! runtime, 2 workers each (`BENCH_WORKERS=n`).

use benches::crit::bench_workload;
use benches::workloads::{tcp_echo, timers};
use criterion::{criterion_group, criterion_main, Criterion};

fn timers(c: &mut Criterion) {
    bench_workload(c, &timers::TIMERS);
}

fn tcp_echo(c: &mut Criterion) {
    bench_workload(c, &tcp_echo::TCP_ECHO);
}

criterion_group!(io, timers, tcp_echo);
criterion_main!(io);
