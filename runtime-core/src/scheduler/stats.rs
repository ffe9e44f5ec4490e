//! Per-worker counters, and the metrics snapshot built from them.
//!
//! Each worker writes only its own `WorkerStats` (Relaxed stores on its own
//! cache line, no read-modify-write on shared data), so counting costs a few
//! uncontended stores per poll. (One exception: `lifo_rescues`, written by
//! the watchdog alone, rarely.) Readers (`Handle::metrics`, the slow-poll
//! watchdog) load them whenever they like; a snapshot is not atomic across
//! counters, which is fine for monitoring.

use crate::loom::sync::atomic::{AtomicU64, Ordering::*};

/// Counters of one worker.
#[derive(Default)]
pub(crate) struct WorkerStats {
    /// Bumped at the start and at the end of every poll: odd while a poll
    /// runs. Half of it is the number of polls.
    pub(crate) poll_seq: AtomicU64,
    /// Id of the task being polled (meaningful while `poll_seq` is odd).
    pub(crate) current_task: AtomicU64,
    pub(crate) steals: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) forced_yields: AtomicU64,
    /// Tasks the watchdog took out of this worker's LIFO slot while the
    /// worker was stuck in a poll. The one counter another thread writes:
    /// the watchdog is its only writer.
    pub(crate) lifo_rescues: AtomicU64,
}

impl WorkerStats {
    /// Only the owning worker calls these, so a load + store is enough.
    #[inline]
    pub(crate) fn poll_started(&self, task: u64) {
        self.current_task.store(task, Relaxed);
        let seq = self.poll_seq.load(Relaxed);
        self.poll_seq.store(seq + 1, Release);
    }

    #[inline]
    pub(crate) fn poll_ended(&self, forced_yield: bool) {
        let seq = self.poll_seq.load(Relaxed);
        self.poll_seq.store(seq + 1, Release);
        if forced_yield {
            bump(&self.forced_yields);
        }
    }

    #[inline]
    pub(crate) fn stole(&self) {
        bump(&self.steals);
    }

    #[inline]
    pub(crate) fn parked(&self) {
        bump(&self.parks);
    }

    /// Called by the watchdog only (the counter's single writer).
    pub(crate) fn lifo_rescued(&self) {
        bump(&self.lifo_rescues);
    }
}

/// Single-writer increment: a plain load and store, no RMW.
#[inline]
fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed) + 1, Relaxed);
}

/// A snapshot of a runtime's counters (`Handle::metrics`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// Number of worker threads (1 for a current-thread runtime).
    pub workers: usize,
    /// Tasks spawned and not yet complete.
    pub live_tasks: usize,
    /// Tasks waiting in the shared injector queue.
    pub injector_depth: usize,
    /// Threads in the blocking pool.
    pub blocking_threads: usize,
    /// Per worker, in worker order.
    pub per_worker: Vec<WorkerMetrics>,
}

/// One worker's counters.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Task polls run by this worker.
    pub polls: u64,
    /// Successful steals (each moves a batch of tasks from another worker
    /// or the injector).
    pub steals: u64,
    /// Times this worker went to sleep for lack of work.
    pub parks: u64,
    /// Tasks in its local queue right now.
    pub local_queue_depth: usize,
    /// Polls that ended because the task spent its cooperative budget.
    pub budget_forced_yields: u64,
    /// Tasks taken out of this worker's LIFO slot and handed to the other
    /// workers because this worker was stuck in a long poll (README of the
    /// scheduler, "Rescuing the LIFO slot").
    pub lifo_rescues: u64,
}

impl RuntimeMetrics {
    /// Total polls over all workers.
    pub fn total_polls(&self) -> u64 {
        self.per_worker.iter().map(|w| w.polls).sum()
    }

    /// Total budget-forced yields over all workers.
    pub fn total_forced_yields(&self) -> u64 {
        self.per_worker.iter().map(|w| w.budget_forced_yields).sum()
    }
}

impl WorkerStats {
    pub(crate) fn snapshot(&self, local_queue_depth: usize) -> WorkerMetrics {
        WorkerMetrics {
            polls: self.poll_seq.load(Relaxed) / 2,
            steals: self.steals.load(Relaxed),
            parks: self.parks.load(Relaxed),
            local_queue_depth,
            budget_forced_yields: self.forced_yields.load(Relaxed),
            lifo_rescues: self.lifo_rescues.load(Relaxed),
        }
    }
}
