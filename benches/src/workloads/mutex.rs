//! `mutex_contention`: [`TASKS`] tasks each lock one async mutex
//! [`LOCKS`] times and increment the counter inside, reading it, yielding
//! once while holding the lock, then writing it back plus one (so that the
//! lock is held across an await and the other tasks really queue up).
//! `runtime::sync::Mutex`, `tokio::sync::Mutex`, `async-lock`'s `Mutex`
//! (`smol::lock`).
//!
//! Check: the final count must be `TASKS * LOCKS`; a lock that let two
//! holders in would lose increments across the yield.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};
use std::sync::Arc;

/// Contending tasks per run.
pub const TASKS: usize = 100;
/// Lock/increment cycles per task.
pub const LOCKS: usize = 100;

/// The workload.
pub const MUTEX_CONTENTION: Workload = Workload {
    name: "mutex_contention",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
    smol_label: None,
};

fn on_runtime(rt: &runtime::Runtime) {
    let count = in_runtime(rt, async {
        let m = Arc::new(runtime::sync::Mutex::new(0usize));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let m = m.clone();
                runtime::spawn(async move {
                    for _ in 0..LOCKS {
                        let mut g = m.lock().await;
                        let v = *g;
                        runtime::yield_now().await;
                        *g = v + 1;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task failed");
        }
        let n = *m.lock().await;
        n
    });
    assert_eq!(count, TASKS * LOCKS, "runtime: mutex lost increments");
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    let count = in_tokio(rt, async {
        let m = Arc::new(tokio::sync::Mutex::new(0usize));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let m = m.clone();
                tokio::spawn(async move {
                    for _ in 0..LOCKS {
                        let mut g = m.lock().await;
                        let v = *g;
                        tokio::task::yield_now().await;
                        *g = v + 1;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task failed");
        }
        let n = *m.lock().await;
        n
    });
    assert_eq!(count, TASKS * LOCKS, "tokio: mutex lost increments");
}

fn on_smol(pool: &SmolPool) {
    let ex = pool.executor().clone();
    let count = pool.run(async move {
        let m = Arc::new(smol::lock::Mutex::new(0usize));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let m = m.clone();
                ex.spawn(async move {
                    for _ in 0..LOCKS {
                        let mut g = m.lock().await;
                        let v = *g;
                        smol::future::yield_now().await;
                        *g = v + 1;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
        let n = *m.lock().await;
        n
    });
    assert_eq!(count, TASKS * LOCKS, "smol: mutex lost increments");
}
