//! A worker: its core (local queue, LIFO slot, tick, random source) and the
//! run loop that finds a task, polls it, and parks when there is nothing to
//! do. The order in which a worker looks for work, and why, is in
//! `README.md` ("Finding work").

use super::context::{self, WorkerContext};
use super::park::Parker;
use super::queue::{retry, Steal, Worker};
use super::{Handle, Shared};
use crate::coop;
use crate::loom::sync::Arc;
use crate::task::raw::{Notified, RawTask};
use crate::task::registry::Retired;
use std::rc::Rc;

/// Consecutive polls from the LIFO slot before its task must queue behind
/// the others: a ping-pong pair cannot starve the rest of the queue.
const MAX_LIFO_STREAK: u32 = 3;

/// Search rounds (steal from every other worker, then the injector) before
/// parking; between rounds the worker spins briefly. Parking and being
/// unparked costs two futex syscalls, far more than a few rounds.
const SEARCH_ROUNDS: u32 = crate::loom::loom_or(1, 16) as u32;
const SPINS_PER_ROUND: u32 = crate::loom::loom_or(1, 64) as u32;

pub(crate) struct Core {
    pub(crate) index: usize,
    pub(crate) local: Worker<Notified>,
    lifo_streak: u32,
    tick: u32,
    rng: FastRand,
    searching: bool,
    pub(crate) parker: Parker,
    /// Tasks completed here, removed from the registry in batches.
    retired: Retired,
}

impl Core {
    pub(crate) fn new(index: usize, local: Worker<Notified>, parker: Parker) -> Core {
        Core {
            index,
            local,
            lifo_streak: 0,
            tick: 0,
            rng: FastRand::new(index as u64 + 1),
            searching: false,
            parker,
            retired: Retired::default(),
        }
    }

    /// Next task from this worker's own sources, without stealing.
    pub(crate) fn next_local_task(&mut self, shared: &Shared) -> Option<Notified> {
        self.tick = self.tick.wrapping_add(1);
        if self.tick % shared.config.event_interval == 0 {
            // Fairness: tasks from outside must not wait behind a local
            // queue that never empties.
            if let Some(task) = retry(|| shared.injector.steal()) {
                return Some(task);
            }
        }
        // The LIFO slot lives in this worker's `Remote`, where the watchdog
        // can rescue its task (`lifo.rs`).
        if let Some(task) = shared.remotes[self.index].lifo.pop() {
            if self.lifo_streak < MAX_LIFO_STREAK {
                self.lifo_streak += 1;
                return Some(task);
            }
            self.local.push(task);
        }
        self.lifo_streak = 0;
        if let Some(task) = self.local.pop() {
            return Some(task);
        }
        retry(|| shared.injector.steal_batch_and_pop(&self.local))
    }

    /// A task completed on this worker: retire it, and remove the batch
    /// from the registry once it is full (`task/registry.rs`, "Retired
    /// tasks").
    pub(crate) fn retire(&mut self, shared: &Shared, task: RawTask) {
        if self.retired.push(&shared.registry, task) {
            shared.registry.remove_retired(&mut self.retired);
        }
    }

    /// Removes the retired tasks from the registry now (before parking, and
    /// at shutdown: a parked worker's batch would keep them allocated).
    fn remove_retired(&mut self, shared: &Shared) {
        if !self.retired.is_empty() {
            shared.registry.remove_retired(&mut self.retired);
        }
    }

    fn has_local_work(&self, shared: &Shared) -> bool {
        !shared.remotes[self.index].lifo.is_empty() || !self.local.is_empty()
    }

    /// Takes the next task left in the LIFO slot or the local queue
    /// (shutdown drains).
    pub(crate) fn drain_one(&mut self, shared: &Shared) -> Option<Notified> {
        shared.remotes[self.index]
            .lifo
            .take()
            .or_else(|| self.local.pop())
    }

    /// Steals from other workers and the injector, spinning briefly between
    /// rounds. Gives up at once if too many workers are searching already.
    fn search(&mut self, shared: &Shared) -> Option<Notified> {
        if !self.searching {
            if !shared.idle.transition_worker_to_searching() {
                return None;
            }
            self.searching = true;
        }
        let n = shared.remotes.len();
        for _ in 0..SEARCH_ROUNDS {
            let start = self.rng.below(n);
            let mut retry_round = false;
            for i in 0..n {
                let victim = (start + i) % n;
                if victim == self.index {
                    continue;
                }
                match shared.remotes[victim]
                    .stealer
                    .steal_batch_and_pop(&self.local)
                {
                    Steal::Success(task) => {
                        shared.remotes[self.index].stats.stole();
                        return Some(task);
                    }
                    Steal::Retry => retry_round = true,
                    Steal::Empty => {}
                }
            }
            if let Some(task) = retry(|| shared.injector.steal_batch_and_pop(&self.local)) {
                return Some(task);
            }
            if shared.is_shutdown() {
                return None;
            }
            if !retry_round {
                for _ in 0..SPINS_PER_ROUND {
                    crate::loom::spin_loop();
                }
            }
        }
        None
    }
}

/// The body of a multi-thread worker thread.
pub(crate) fn run(handle: Handle, core: Box<Core>) {
    let shared = handle.shared.clone();
    let worker = Rc::new(WorkerContext::new(&shared, core));
    // Declared first, so dropped last: after the loop and the shutdown
    // work, also if the thread unwinds, this worker stops using the
    // drivers, and the last one out stops them.
    let _release = ReleaseDrivers(&shared);
    let _handle_guard = context::enter(handle);
    let _driving = context::enter_driving(Some(worker.clone()));

    let mut since_io = 0;
    while !shared.is_shutdown() {
        if let Some(task) = worker.with_core(|core| core.next_local_task(&shared)) {
            if !run_task(&worker, &shared, task) {
                return;
            }
            since_io += 1;
            if since_io >= shared.config.event_interval {
                // A busy worker checks for I/O events every few dozen tasks
                // (outside `with_core`: woken tasks go to this worker's queue).
                since_io = 0;
                shared.poll_io();
            }
            continue;
        }
        // Out of local work: ready sockets first (their tasks land here),
        // then the other workers' queues.
        since_io = 0;
        if shared.poll_io() && worker.with_core(|core| core.has_local_work(&shared)) {
            continue;
        }
        if let Some(task) = worker.with_core(|core| core.search(&shared)) {
            if !run_task(&worker, &shared, task) {
                return;
            }
            continue;
        }
        park(&worker, &shared);
    }
    shutdown_worker(&worker, &shared);
}

/// A worker's count in `Shared::driver_users`, given back when dropped.
struct ReleaseDrivers<'a>(&'a Shared);

impl Drop for ReleaseDrivers<'_> {
    fn drop(&mut self) {
        self.0.release_drivers();
    }
}

/// Polls one task under a fresh cooperative budget. Once shutdown has begun
/// tasks are no longer run, only dropped (and cancelled by the registry
/// drain), so nothing spawned during shutdown ever starts.
///
/// Returns `false` when the task handed this worker's core to another
/// thread during its poll (`block_in_place`): this thread then leaves the
/// worker loop, and the new thread carries on as this worker.
pub(crate) fn run_task(worker: &WorkerContext, shared: &Shared, task: Notified) -> bool {
    if shared.is_shutdown() {
        drop(task);
        return true;
    }
    let (index, was_last_searcher) = worker.with_core(|core| {
        let last = core.searching && {
            core.searching = false;
            shared.idle.transition_worker_from_searching()
        };
        (core.index, last)
    });
    if was_last_searcher {
        // Others may have work queued that this worker will not get to.
        shared.notify_parked();
    }
    let stats = &shared.remotes[index].stats;
    stats.poll_started(task.id().as_u64());
    let ((), forced_yield) = coop::with_budget(|| task.run());
    if !worker.has_core() {
        // `block_in_place` closed this poll's record before the hand-off;
        // the stats belong to the core's new thread now.
        return false;
    }
    stats.poll_ended(forced_yield);
    true
}

/// Parks until notified (or shutdown). See README: "Parking and waking".
fn park(worker: &WorkerContext, shared: &Shared) {
    let parking = worker.with_core(|core| {
        if core.has_local_work(shared) {
            return None;
        }
        core.remove_retired(shared);
        let was_searching = std::mem::replace(&mut core.searching, false);
        Some((core.index, was_searching, core.parker.clone()))
    });
    let Some((index, was_searching, parker)) = parking else {
        return;
    };
    shared.remotes[index].stats.parked();
    if shared
        .idle
        .transition_worker_to_parked(index, was_searching)
    {
        shared.notify_if_work_pending();
    }
    loop {
        parker.park();
        if shared.is_shutdown() {
            return;
        }
        if shared.idle.transition_worker_from_parked(index) {
            worker.with_core(|core| core.searching = true);
            return;
        }
        if worker.with_core(|core| core.has_local_work(shared)) {
            // Parked in the I/O driver, this worker woke tasks into its own
            // queue (a readiness event or a timer). Count itself awake again;
            // if a notifier took it off the sleepers list meanwhile, it was
            // counted as a searcher.
            let searching = !shared.idle.unpark_self(index);
            worker.with_core(|core| core.searching = searching);
            return;
        }
    }
}

/// The worker's part of shutdown: cancel live tasks, drop queued ones.
fn shutdown_worker(worker: &WorkerContext, shared: &Arc<Shared>) {
    worker.with_core(|core| core.remove_retired(shared));
    shared.shutdown_tasks();
    loop {
        let task = worker.with_core(|core| core.drain_one(shared));
        match task {
            Some(task) => drop(task),
            None => break,
        }
    }
    shared.drain_injector();
}

/// A small xorshift generator for picking steal victims.
struct FastRand(u64);

impl FastRand {
    fn new(seed: u64) -> FastRand {
        FastRand(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        ((x >> 32) as usize) % n.max(1)
    }
}
