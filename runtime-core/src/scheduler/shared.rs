//! State shared by every worker of a runtime, and the scheduling paths:
//! where a spawned or woken task goes, and whom it wakes.

use super::block_in_place::Handoffs;
use super::blocking::BlockingPool;
use super::driver::{DriverThread, Drivers};
use super::failure::Policy;
use super::idle::Idle;
use super::lifo::LifoSlot;
use super::park::Unparker;
use super::queue::{retry, Injector, Stealer};
use super::stats::WorkerStats;
use super::watchdog::CoarseClock;
use super::worker::Core;
use super::{context, Config, Flavor};
use crate::diagnostics::{emit, Level, Report};
use crate::loom::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use crate::task::raw::{Notified, RawTask};
use crate::task::registry::Registry;
use crossbeam_utils::CachePadded;

pub(crate) struct Shared {
    pub(crate) flavor: Flavor,
    pub(crate) config: Config,
    /// Tasks spawned or woken from outside the workers.
    pub(crate) injector: Injector<Notified>,
    /// One per worker: how others steal from it and wake it.
    pub(crate) remotes: Box<[Remote]>,
    pub(crate) idle: Idle,
    pub(crate) registry: Registry,
    pub(crate) shutdown: AtomicBool,
    /// Cores not attached to a thread: the current-thread core between
    /// `block_on` calls, multi-thread cores before their worker starts.
    // Boxed: a core moves between this list and a worker without copying.
    #[allow(clippy::vec_box)]
    pub(crate) cores: Mutex<Vec<Box<Core>>>,
    pub(crate) blocking: BlockingPool,
    pub(crate) drivers: Drivers,
    /// Threads that may still poll this runtime's tasks, or drop their
    /// timers and sockets: each multi-thread worker, plus one for the
    /// `Runtime` itself until its shutdown is done. The last to leave stops
    /// the drivers ([`release_drivers`](Self::release_drivers)).
    pub(crate) driver_users: AtomicUsize,
    /// What stops the drivers, taken by the last driver user.
    pub(crate) driver_thread: Mutex<Option<DriverThread>>,
    /// Milliseconds since start, advanced by the watchdog (task ages).
    pub(crate) clock: CoarseClock,
    /// Set by the `ShutdownRuntime` failure policy: `block_on` panics with it.
    pub(crate) fatal: Mutex<Option<String>>,
    /// Threads blocked in `block_on`, to wake when `fatal` is set.
    pub(crate) block_on_waiters: Mutex<Vec<(u64, std::task::Waker)>>,
    /// Threads that took over a worker's core in `block_in_place`.
    pub(crate) handoffs: Handoffs,
}

pub(crate) struct Remote {
    pub(crate) stealer: Stealer<Notified>,
    pub(crate) unparker: Unparker,
    /// The worker's LIFO slot. Only the worker fills it; the watchdog may
    /// take its task while the worker is stuck in a poll (`lifo.rs`). On
    /// its own cache line: the worker writes it on every hand-off.
    pub(crate) lifo: CachePadded<LifoSlot>,
    /// Written only by this worker; on its own cache line.
    pub(crate) stats: CachePadded<WorkerStats>,
}

impl Shared {
    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    /// A task was woken (or cancelled) while idle.
    pub(crate) fn schedule(&self, task: Notified, is_yield: bool) {
        context::with_local_core(self, |core| match core {
            Some(core) => self.schedule_local(core, task, is_yield),
            None => self.schedule_remote(task),
        });
    }

    /// A new task: behind the tasks already queued on this worker, or into
    /// the injector from outside.
    pub(crate) fn schedule_spawn(&self, task: Notified) {
        context::with_local_core(self, |core| match core {
            Some(core) => {
                core.local.push(task);
                self.notify_parked();
            }
            None => self.schedule_remote(task),
        });
    }

    /// On a worker of this runtime. A wake from the running task goes to the
    /// LIFO slot (it will likely run next and touch warm data); a yield goes
    /// to the back of the local queue.
    fn schedule_local(&self, core: &mut Core, task: Notified, is_yield: bool) {
        if is_yield || !self.config.lifo_slot {
            core.local.push(task);
        } else {
            match self.remotes[core.index].lifo.push(task) {
                // The slot was empty: nothing became stealable, nobody to
                // wake. (If this worker now blocks in its poll, the
                // watchdog rescues the task: README, "Rescuing the LIFO
                // slot".)
                None => return,
                Some(prev) => core.local.push(prev),
            }
        }
        if self.flavor == Flavor::MultiThread {
            self.notify_parked();
        }
    }

    /// From outside the workers: through the injector.
    ///
    /// Shutdown protocol: the pusher pushes, then (after a SeqCst fence)
    /// checks the shutdown flag; shutdown sets the flag, fences, then drains
    /// the injector. One of the two sees the other, so a task pushed during
    /// shutdown is always dropped by someone and never stranded in the
    /// injector (where it would keep the runtime's memory alive).
    pub(crate) fn schedule_remote(&self, task: Notified) {
        if self.shutdown.load(SeqCst) {
            drop(task);
            return;
        }
        self.injector.push(task);
        fence(SeqCst);
        if self.shutdown.load(Relaxed) {
            self.drain_injector();
            return;
        }
        match self.flavor {
            Flavor::MultiThread => self.notify_parked(),
            Flavor::CurrentThread => self.remotes[0].unparker.unpark(),
        }
    }

    /// A task completed: take it out of the registry. On a multi-thread
    /// worker it is retired into the worker's batch (the registry keeps its
    /// reference until the batch is removed: returns `false`); elsewhere it
    /// is removed now (returns whether the caller got the registry's
    /// reference). See `task/registry.rs`, "Retired tasks".
    pub(crate) fn release(&self, task: RawTask) -> bool {
        if self.flavor != Flavor::MultiThread {
            return self.registry.remove(task);
        }
        context::with_local_core(self, |core| match core {
            Some(core) => {
                core.retire(self, task);
                false
            }
            None => self.registry.remove(task),
        })
    }

    /// Polls the I/O driver without blocking, if there is one and nobody
    /// else is driving it; the woken tasks are scheduled from this thread.
    /// Returns whether it polled.
    pub(crate) fn poll_io(&self) -> bool {
        self.drivers.io.as_ref().is_some_and(|io| io.poll_now())
    }

    /// Wakes a parked worker if new work may otherwise sit unnoticed: only
    /// when no worker is searching (a searcher will find it) and not all
    /// workers are awake.
    pub(crate) fn notify_parked(&self) {
        if let Some(worker) = self.idle.worker_to_notify() {
            self.remotes[worker].unparker.unpark();
        }
    }

    /// Called by the last searcher as it parks: if any queue has work, make
    /// sure somebody wakes up for it.
    pub(crate) fn notify_if_work_pending(&self) {
        let pending =
            self.remotes.iter().any(|r| !r.stealer.is_empty()) || !self.injector.is_empty();
        if pending {
            self.notify_parked();
        }
    }

    /// Applies the unhandled-failure policy to a failed task whose result
    /// nobody will retrieve.
    pub(crate) fn unhandled_failure(&self, report: impl FnOnce() -> Report) {
        match self.config.unhandled_failure {
            Policy::Ignore => {}
            Policy::Log => emit(&report()),
            Policy::Abort => {
                emit(&report());
                emit(&Report::plain(
                    "abort",
                    Level::Error,
                    "aborting the process (unhandled-failure policy: Abort)".to_owned(),
                ));
                std::process::abort();
            }
            Policy::ShutdownRuntime => {
                let report = report();
                emit(&report);
                self.fatal.lock().get_or_insert(report.message);
                for (_, waiter) in self.block_on_waiters.lock().iter() {
                    waiter.wake_by_ref();
                }
                self.remotes[0].unparker.unpark();
            }
        }
    }

    /// Panics with the `ShutdownRuntime` report, if a failure triggered it
    /// (called by `block_on` each time it wakes).
    #[track_caller]
    pub(crate) fn check_fatal(&self) {
        if let Some(report) = self.fatal.lock().clone() {
            panic!("runtime shut down by its unhandled-failure policy (ShutdownRuntime): {report}");
        }
    }

    /// A driver user (a worker leaving its loop, or the `Runtime` at the
    /// end of its shutdown) is done with the drivers; the last one stops
    /// them.
    ///
    /// Why the last, and not the `Runtime`: `shutdown_timeout` stops
    /// waiting for a worker at its deadline, and a worker still inside a
    /// poll then goes on running that task's code, which may make, poll
    /// and drop timers and sockets until the poll returns. Stopping the
    /// drivers under it would make its next timer panic ("the runtime that
    /// owns this timer has shut down") and, under `Policy::Abort`, abort
    /// the process. So, as in Tokio (where the last worker to hand back its
    /// core stops the drivers), the drivers outlive every worker: timers
    /// keep firing and sockets keep working for a poll that outlived the
    /// deadline, and when it returns its worker cancels the task, leaves,
    /// and stops the drivers. The same holds when a runtime is dropped
    /// from one of its own tasks. Code off the workers (a blocking closure
    /// or a `Handle::block_on` thread still running after shutdown
    /// returned) is not counted: once the drivers stop it sees a timer
    /// panic or a shut-down socket error, as in Tokio.
    ///
    /// The counter is decremented with `AcqRel`: the last user's
    /// `fetch_sub` reads every earlier one, so everything the other users
    /// did with the drivers (their last timer dropped, their sockets
    /// closed) happens before the drivers stop.
    pub(crate) fn release_drivers(&self) {
        if self.driver_users.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        let thread = self.driver_thread.lock().take();
        if let Some(thread) = thread {
            self.drivers.shutdown(thread);
        }
    }

    /// Drops every task in the injector (shutdown).
    pub(crate) fn drain_injector(&self) {
        while let Some(task) = retry(|| self.injector.steal()) {
            drop(task);
        }
    }

    /// Cancels every live task: closes each registry shard and shuts down
    /// the tasks it held. Called by every worker as it exits and by the
    /// thread shutting the runtime down; each shard is drained once.
    pub(crate) fn shutdown_tasks(&self) {
        for shard in 0..self.registry.num_shards() {
            for task in self.registry.close_and_drain(shard) {
                task.shutdown();
            }
        }
        self.drain_injector();
    }
}
