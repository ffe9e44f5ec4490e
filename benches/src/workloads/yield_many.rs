//! `yield_many`: [`TASKS`] tasks each yield [`YIELDS`] times
//! (`runtime::yield_now`, `tokio::task::yield_now`,
//! `futures_lite::future::yield_now`). Measures the reschedule path of a
//! task that is woken by itself: queue push/pop, poll entry/exit.
//!
//! Check: every task reports its yield count; the total must match.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};

/// Tasks per run.
pub const TASKS: usize = 200;
/// Yields per task.
pub const YIELDS: usize = 1_000;

/// The workload.
pub const YIELD_MANY: Workload = Workload {
    name: "yield_many",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
    smol_label: None,
};

fn on_runtime(rt: &runtime::Runtime) {
    let total = in_runtime(rt, async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                runtime::spawn(async {
                    let mut n = 0;
                    for _ in 0..YIELDS {
                        runtime::yield_now().await;
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.expect("yielder failed");
        }
        total
    });
    assert_eq!(total, TASKS * YIELDS, "runtime: yield_many lost yields");
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    let total = in_tokio(rt, async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                tokio::spawn(async {
                    let mut n = 0;
                    for _ in 0..YIELDS {
                        tokio::task::yield_now().await;
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.expect("yielder failed");
        }
        total
    });
    assert_eq!(total, TASKS * YIELDS, "tokio: yield_many lost yields");
}

fn on_smol(pool: &SmolPool) {
    let ex = pool.executor().clone();
    let total = pool.run(async move {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                ex.spawn(async {
                    let mut n = 0;
                    for _ in 0..YIELDS {
                        smol::future::yield_now().await;
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await;
        }
        total
    });
    assert_eq!(total, TASKS * YIELDS, "smol: yield_many lost yields");
}
