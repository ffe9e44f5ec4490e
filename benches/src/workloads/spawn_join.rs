//! `spawn_join`: from inside one task, spawn a tiny task and await its
//! handle, [`JOINS`] times in a row. Measures the spawn -> run -> complete ->
//! wake-the-joiner round trip (latency, not throughput: only one child is
//! alive at a time).
//!
//! Check: every child returns its index; the sum must match.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};

/// Sequential spawn + join pairs per run.
pub const JOINS: u64 = 10_000;

/// The workload.
pub const SPAWN_JOIN: Workload = Workload {
    name: "spawn_join",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
    smol_label: None,
};

const EXPECTED: u64 = JOINS * (JOINS - 1) / 2;

fn on_runtime(rt: &runtime::Runtime) {
    let sum = in_runtime(rt, async {
        let mut sum = 0;
        for i in 0..JOINS {
            sum += runtime::spawn(async move { i })
                .await
                .expect("child failed");
        }
        sum
    });
    assert_eq!(sum, EXPECTED, "runtime: spawn_join lost a result");
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    let sum = in_tokio(rt, async {
        let mut sum = 0;
        for i in 0..JOINS {
            sum += tokio::spawn(async move { i }).await.expect("child failed");
        }
        sum
    });
    assert_eq!(sum, EXPECTED, "tokio: spawn_join lost a result");
}

fn on_smol(pool: &SmolPool) {
    let ex = pool.executor().clone();
    let sum = pool.run(async move {
        let mut sum = 0;
        for i in 0..JOINS {
            sum += ex.spawn(async move { i }).await;
        }
        sum
    });
    assert_eq!(sum, EXPECTED, "smol: spawn_join lost a result");
}
