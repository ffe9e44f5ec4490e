//! `Handle`: a cloneable reference to a running runtime (asyncio's
//! `get_running_loop()`), usable from any thread.

use super::context::{self, EnterGuard};
use super::shared_ref::SharedRef;
use super::{RuntimeMetrics, Shared, TaskDump};
use crate::loom::sync::Arc;
use crate::task::raw::{Notified, RawTask};
use crate::task::{Task, TaskId, TaskInfo};
use std::fmt;
use std::future::Future;
use std::panic::Location;

/// A handle to a runtime: spawn onto it, block on it, or enter it from any
/// thread. Cheap to clone; `Send + Sync`.
///
/// A handle kept after its runtime shut down stays safe to use: tasks
/// spawned through it resolve at once to a cancelled [`JoinError`]
/// (never a hang).
///
/// [`JoinError`]: crate::task::JoinError
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

/// The error of [`Handle::try_current`]: no runtime on this thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRuntime(());

impl fmt::Display for NoRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "no runtime is running on this thread: call this from within #[runtime::main], \
             Runtime::block_on or a spawned task, or enter one with Handle::enter",
        )
    }
}

impl std::error::Error for NoRuntime {}

impl Handle {
    /// The runtime this thread is inside.
    ///
    /// # Panics
    /// Outside a runtime; use [`try_current`](Self::try_current) to check.
    #[track_caller]
    pub fn current() -> Handle {
        Handle::current_for("runtime::Handle::current")
    }

    /// The runtime this thread is inside, or `NoRuntime`.
    pub fn try_current() -> Result<Handle, NoRuntime> {
        context::current_handle().ok_or(NoRuntime(()))
    }

    /// `current()`, with a panic message naming the public function called.
    #[track_caller]
    pub(crate) fn current_for(function: &str) -> Handle {
        match context::current_handle() {
            Some(handle) => handle,
            None => panic!(
                "{function} called outside of a runtime: call it from within #[runtime::main], \
                 Runtime::block_on or a spawned task, or use Handle::spawn"
            ),
        }
    }

    /// Spawns a task on this runtime (asyncio's `loop.create_task`).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_inner(future, None, Location::caller())
    }

    /// Runs a blocking closure on the blocking pool (asyncio's `to_thread`).
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.shared.blocking.spawn(f, self, Location::caller())
    }

    /// Runs `future` to completion on the current thread, with this runtime
    /// entered. On a current-thread runtime this thread also runs the tasks.
    ///
    /// # Panics
    /// When called from a thread that is already driving a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        super::runtime::block_on(self, future)
    }

    /// Makes this runtime current on this thread until the guard is dropped,
    /// so `runtime::spawn` and `Handle::current` work from plain threads.
    pub fn enter(&self) -> EnterGuard {
        context::enter(self.clone())
    }

    /// A snapshot of every live task of this runtime.
    pub fn all_tasks(&self) -> Vec<TaskInfo> {
        let clock = &self.shared.clock;
        self.shared.registry.snapshot(|stamp| clock.age(stamp))
    }

    /// A snapshot of the runtime's counters: per worker polls, steals,
    /// parks, queue depth and budget-forced yields; live tasks; injector
    /// depth; blocking threads. Taken without stopping anything.
    pub fn metrics(&self) -> RuntimeMetrics {
        let shared = &self.shared;
        RuntimeMetrics {
            workers: shared.remotes.len(),
            live_tasks: shared.registry.len(),
            injector_depth: shared.injector.len(),
            blocking_threads: shared.blocking.num_threads(),
            per_worker: shared
                .remotes
                .iter()
                .map(|r| r.stats.snapshot(r.stealer.len()))
                .collect(),
        }
    }

    /// A tree of every live task (id, name, state, spawn location, parent,
    /// age, polls, busy time), taken on the running runtime without stopping
    /// it. Its `Display` is the text form.
    pub fn dump(&self) -> TaskDump {
        TaskDump::new(self.all_tasks(), self.num_workers())
    }

    /// Number of live (not yet completed) tasks.
    pub fn num_live_tasks(&self) -> usize {
        self.shared.registry.len()
    }

    /// Number of worker threads (1 for a current-thread runtime).
    pub fn num_workers(&self) -> usize {
        self.shared.remotes.len()
    }

    /// Threads in the blocking pool right now.
    pub fn num_blocking_threads(&self) -> usize {
        self.shared.blocking.num_threads()
    }

    /// Whether the runtime has begun shutting down.
    pub fn is_shutdown(&self) -> bool {
        self.shared.is_shutdown()
    }

    pub(crate) fn spawn_inner<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
    ) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Rejected::settle(self.spawn_start(future, name, location))
    }

    /// Spawns, except that a task refused because the runtime has shut down
    /// is handed back to be cancelled by the caller (`Rejected::finish`),
    /// outside whatever borrow the caller holds: cancelling drops the
    /// future, which runs user code.
    pub(crate) fn spawn_start<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
    ) -> (Task<F::Output>, Option<Rejected>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // Three references: the handle, the registry, the first Notified.
        let spawned = self.shared.clock.stamp();
        let raw = RawTask::new_stamped(
            future,
            SharedRef::new(self),
            TaskId::next(),
            name,
            location,
            3,
            spawned,
        );
        // SAFETY: the handle's reference and JOIN_INTEREST go to `Task`; its
        // output type is `F::Output`.
        let task = unsafe { Task::from_raw(raw) };
        // SAFETY: the first Notified takes its reference and SCHEDULED.
        let notified = unsafe { Notified::from_raw(raw) };
        match self.shared.registry.insert(raw) {
            Ok(()) => {
                self.shared.schedule_spawn(notified);
                (task, None)
            }
            Err(raw) => (task, Some(Rejected { raw, notified })),
        }
    }
}

/// A task spawned after shutdown, to be cancelled at once.
pub(crate) struct Rejected {
    /// Holds the registry's reference, which `shutdown` consumes.
    raw: RawTask,
    /// The first, never-queued Notified.
    notified: Notified,
}

impl Rejected {
    pub(crate) fn finish(self) {
        self.raw.shutdown();
        drop(self.notified);
    }

    /// The end of every spawn path: cancels the task if it was refused,
    /// once the caller holds no borrow, and hands its `Task` back.
    pub(crate) fn settle<T>((task, rejected): (Task<T>, Option<Rejected>)) -> Task<T> {
        if let Some(rejected) = rejected {
            rejected.finish();
        }
        task
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("flavor", &self.shared.flavor)
            .field("workers", &self.num_workers())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}
