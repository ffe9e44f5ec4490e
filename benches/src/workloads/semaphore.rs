//! `semaphore_contention`: [`TASKS`] tasks each acquire a permit of a
//! semaphore with [`PERMITS`] permits [`ACQUIRES`] times, hold it across
//! one `yield_now` (so that permits run out and acquirers really queue
//! up), and release it. `runtime::sync::Semaphore`,
//! `tokio::sync::Semaphore`, `async-lock`'s `Semaphore` (`smol::lock`).
//!
//! Check: a shared counter of current holders never exceeds the permits,
//! and every acquisition is counted.
//!
//! Fairness, measured alongside (one load and one `fetch_min` per task, not
//! per acquisition): how many of all the acquisitions had happened when the
//! first task finished its last one ([`fairness_report`]). A FIFO semaphore
//! serves the waiting tasks in turn, so every task finishes near the end; a
//! semaphore that lets a releasing task take its permit straight back (no
//! queue position) lets some tasks finish long before others get a turn.

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

/// Holders now, most holders seen, acquisitions, and the acquisitions
/// counted when the first task finished.
struct Tally {
    holders: AtomicUsize,
    max: AtomicUsize,
    total: AtomicUsize,
    first_done: AtomicUsize,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            holders: AtomicUsize::new(0),
            max: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            first_done: AtomicUsize::new(usize::MAX),
        }
    }
}

/// Per runtime (runtime, tokio, smol), `first_done` of the latest run.
static FIRST_DONE: [AtomicUsize; 3] = [
    AtomicUsize::new(usize::MAX),
    AtomicUsize::new(usize::MAX),
    AtomicUsize::new(usize::MAX),
];

/// One line on how fair each semaphore was in its latest run, once all
/// three ran: the share of all acquisitions made when the first task had
/// made its last one.
pub fn fairness_report() -> Option<String> {
    let all = TASKS * ACQUIRES;
    let shares: Option<Vec<String>> = ["runtime", "tokio", "smol"]
        .iter()
        .zip(&FIRST_DONE)
        .map(|(name, done)| {
            let done = done.load(Ordering::SeqCst);
            (done <= all).then(|| format!("{name} {:.0}%", 100.0 * done as f64 / all as f64))
        })
        .collect();
    Some(format!(
        "semaphore_contention fairness: the first task finished its {ACQUIRES} acquisitions \
         once this share of all {all} was made (FIFO: near 100%): {}",
        shares?.join(", ")
    ))
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

    /// A task made its last acquisition.
    fn finish(&self) {
        let made = self.total.load(Ordering::SeqCst);
        self.first_done.fetch_min(made, Ordering::SeqCst);
    }

    fn check(&self, name: &str) {
        let slot = ["runtime", "tokio", "smol"]
            .iter()
            .position(|n| *n == name)
            .expect("a runtime's name");
        FIRST_DONE[slot].store(self.first_done.load(Ordering::SeqCst), Ordering::SeqCst);
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
                    t.finish();
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
                    t.finish();
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
                    t.finish();
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
    });
    tally.check("smol");
}
