//! `semaphore_contention`: [`TASKS`] tasks each acquire a permit of a
//! semaphore with [`PERMITS`] permits [`ACQUIRES`] times, hold it across
//! one `yield_now` (so that permits run out and acquirers really queue
//! up), and release it. `runtime::sync::Semaphore`,
//! `tokio::sync::Semaphore`, `async-lock`'s `Semaphore` (`smol::lock`).
//!
//! Check: a shared counter of current holders never exceeds the permits,
//! and every acquisition is counted.
//!
//! Fairness, measured alongside ([`fairness_report`]): a task's *span* is
//! how many acquisitions (by all tasks) were made from its first to its last
//! one, and the report gives the median span as a share of all
//! acquisitions. A FIFO semaphore serves the waiting tasks in turn, so a
//! task's 100 acquisitions spread over nearly the whole run (near 100%); a
//! semaphore that lets a releasing task take its permit straight back keeps
//! each permit with one task until it is done, so a task's span is about
//! its own 100 acquisitions times the 10 permits (near 10%). The median
//! ignores the first tasks, which may run before the rest are spawned. The
//! cost is the same on all three runtimes: one `min` per acquisition on a
//! local, one lock per task.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool, Which};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How the table labels smol's semaphore: async-lock's `Semaphore` lets a
/// task that releases a permit (or any task that arrives) take it ahead of
/// the queued waiters, where ours and Tokio's hand it to the longest
/// waiter. Fairness is `runtime::sync::Semaphore`'s documented promise, so
/// the row's ratio is against Tokio, the FIFO peer; smol's time is shown
/// beside it, labelled, and is not the target (issue 17, item 3).
pub const SMOL_BARGING: &str = "barging";

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
    smol_label: Some(SMOL_BARGING),
};

/// Holders now, most holders seen, acquisitions, and each finished task's
/// span.
#[derive(Default)]
struct Tally {
    holders: AtomicUsize,
    max: AtomicUsize,
    total: AtomicUsize,
    spans: Mutex<Vec<usize>>,
}

/// Per runtime (indexed by [`Which`]), the median span of the latest run.
static MEDIAN_SPAN: [AtomicUsize; 3] = [
    AtomicUsize::new(usize::MAX),
    AtomicUsize::new(usize::MAX),
    AtomicUsize::new(usize::MAX),
];

/// One line on how fair each semaphore was in its latest run, once all
/// three ran: the median span as a share of all acquisitions.
pub fn fairness_report() -> Option<String> {
    let all = TASKS * ACQUIRES;
    let shares: Option<Vec<String>> = Which::ALL
        .iter()
        .map(|&which| {
            let span = MEDIAN_SPAN[which as usize].load(Ordering::SeqCst);
            (span <= all).then(|| {
                let share = 100.0 * span as f64 / all as f64;
                format!("{} {share:.0}%", which.name())
            })
        })
        .collect();
    Some(format!(
        "semaphore_contention fairness: a task's {ACQUIRES} acquisitions spread over this \
         share of all {all} (median task; served in turn: near 100%, a task keeping its \
         permit until done: near {}%): {}",
        100 * PERMITS / TASKS,
        shares?.join(", ")
    ))
}

impl Tally {
    /// A task acquired; returns the acquisition's number (0, 1, ...).
    fn enter(&self) -> usize {
        let now = self.holders.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        self.total.fetch_add(1, Ordering::Relaxed)
    }

    fn exit(&self) {
        self.holders.fetch_sub(1, Ordering::SeqCst);
    }

    /// A task is done; `first` and `last` are the numbers of its first and
    /// last acquisitions.
    fn finish(&self, first: usize, last: usize) {
        let span = last + 1 - first;
        self.spans.lock().expect("not poisoned").push(span);
    }

    fn check(&self, which: Which) {
        let name = which.name();
        let mut spans = std::mem::take(&mut *self.spans.lock().expect("not poisoned"));
        assert_eq!(spans.len(), TASKS, "{name}: a task did not finish");
        spans.sort_unstable();
        MEDIAN_SPAN[which as usize].store(spans[TASKS / 2], Ordering::SeqCst);
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
                    let (mut first, mut last) = (usize::MAX, 0);
                    for _ in 0..ACQUIRES {
                        let permit = sem.acquire().await.expect("closed");
                        last = t.enter();
                        first = first.min(last);
                        runtime::yield_now().await;
                        t.exit();
                        drop(permit);
                    }
                    t.finish(first, last);
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task failed");
        }
    });
    tally.check(Which::Runtime);
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
                    let (mut first, mut last) = (usize::MAX, 0);
                    for _ in 0..ACQUIRES {
                        let permit = sem.acquire().await.expect("closed");
                        last = t.enter();
                        first = first.min(last);
                        tokio::task::yield_now().await;
                        t.exit();
                        drop(permit);
                    }
                    t.finish(first, last);
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task failed");
        }
    });
    tally.check(Which::Tokio);
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
                    let (mut first, mut last) = (usize::MAX, 0);
                    for _ in 0..ACQUIRES {
                        let permit = sem.acquire().await;
                        last = t.enter();
                        first = first.min(last);
                        smol::future::yield_now().await;
                        t.exit();
                        drop(permit);
                    }
                    t.finish(first, last);
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
    });
    tally.check(Which::Smol);
}
