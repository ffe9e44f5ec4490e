//! `semaphore_contention`: [`TASKS`] tasks each acquire a permit of a
//! semaphore with [`PERMITS`] permits [`ACQUIRES`] times, hold it across
//! one `yield_now` (so that permits run out and acquirers really queue
//! up), and release it. `runtime::sync::Semaphore`,
//! `tokio::sync::Semaphore`, `async-lock`'s `Semaphore` (`smol::lock`).
//!
//! Check: a shared counter of current holders never exceeds the permits,
//! and every acquisition is counted.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Contending tasks per run.
pub const TASKS: usize = 100;
/// Acquire/release cycles per task.
pub const ACQUIRES: usize = 100;
/// Permits.
pub const PERMITS: usize = 10;

/// The workload.
pub const SEMAPHORE_CONTENTION: Workload = Workload {
    name: "semaphore_contention",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
};

/// Holders now, most holders seen, acquisitions.
#[derive(Default)]
struct Tally {
    holders: AtomicUsize,
    max: AtomicUsize,
    total: AtomicUsize,
}

impl Tally {
    fn enter(&self) {
        let now = self.holders.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        self.total.fetch_add(1, Ordering::Relaxed);
    }

    fn exit(&self) {
        self.holders.fetch_sub(1, Ordering::SeqCst);
    }

    fn check(&self, name: &str) {
        let max = self.max.load(Ordering::SeqCst);
        assert!(max <= PERMITS, "{name}: {max} holders of {PERMITS} permits");
        let total = self.total.load(Ordering::SeqCst);
        assert_eq!(total, TASKS * ACQUIRES, "{name}: lost acquisitions");
    }
}

fn on_runtime(rt: &runtime::Runtime) {
    let tally = Arc::new(Tally::default());
    let t = tally.clone();
    in_runtime(rt, async move {
        let sem = Arc::new(runtime::sync::Semaphore::new(PERMITS));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (sem, t) = (sem.clone(), t.clone());
                runtime::spawn(async move {
                    for _ in 0..ACQUIRES {
                        let permit = sem.acquire().await.expect("closed");
                        t.enter();
                        runtime::yield_now().await;
                        t.exit();
                        drop(permit);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task failed");
        }
    });
    tally.check("runtime");
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    let tally = Arc::new(Tally::default());
    let t = tally.clone();
    in_tokio(rt, async move {
        let sem = Arc::new(tokio::sync::Semaphore::new(PERMITS));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (sem, t) = (sem.clone(), t.clone());
                tokio::spawn(async move {
                    for _ in 0..ACQUIRES {
                        let permit = sem.acquire().await.expect("closed");
                        t.enter();
                        tokio::task::yield_now().await;
                        t.exit();
                        drop(permit);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task failed");
        }
    });
    tally.check("tokio");
}

fn on_smol(pool: &SmolPool) {
    let tally = Arc::new(Tally::default());
    let t = tally.clone();
    let ex = pool.executor().clone();
    pool.run(async move {
        let sem = Arc::new(smol::lock::Semaphore::new(PERMITS));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (sem, t) = (sem.clone(), t.clone());
                ex.spawn(async move {
                    for _ in 0..ACQUIRES {
                        let permit = sem.acquire().await;
                        t.enter();
                        smol::future::yield_now().await;
                        t.exit();
                        drop(permit);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
    });
    tally.check("smol");
}
