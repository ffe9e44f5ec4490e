//! Criterion benches of the synchronization workloads (mpsc, semaphore and
//! mutex contention, MPMC queue) on runtime, Tokio and smol: one group per
//! workload, one function per runtime, 2 workers each (`BENCH_WORKERS=n`).

use benches::crit::bench_workload;
use benches::workloads::{mpsc, mutex, queue, semaphore};
use criterion::{criterion_group, criterion_main, Criterion};

fn mpsc_contention(c: &mut Criterion) {
    bench_workload(c, &mpsc::MPSC_CONTENTION);
}

fn semaphore_contention(c: &mut Criterion) {
    bench_workload(c, &semaphore::SEMAPHORE_CONTENTION);
}

fn mutex_contention(c: &mut Criterion) {
    bench_workload(c, &mutex::MUTEX_CONTENTION);
}

fn queue_mpmc(c: &mut Criterion) {
    bench_workload(c, &queue::QUEUE_MPMC);
}

criterion_group!(
    sync,
    mpsc_contention,
    semaphore_contention,
    mutex_contention,
    queue_mpmc
);
criterion_main!(sync);
