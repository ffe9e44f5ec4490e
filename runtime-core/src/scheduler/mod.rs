//! The work-stealing scheduler: workers, run queues, parking, the blocking
//! pool, and the `Runtime` / `Handle` / `Builder` API.
//!
//! See `README.md` in this directory for the protocols (finding work,
//! parking and waking, stealing, the LIFO slot, shutdown).

mod block_in_place;
mod blocking;
mod builder;
pub(crate) mod context;
mod driver;
mod dump;
pub(crate) mod failure;
mod handle;
pub(crate) mod idle;
pub(crate) mod lifo;
pub(crate) mod park;
pub(crate) mod queue;
mod runtime;
pub(crate) mod shared;
pub(crate) mod shared_ref;
mod stats;
mod watchdog;
pub(crate) mod worker;
mod yield_now;

pub use block_in_place::block_in_place;
pub use builder::Builder;
pub use context::EnterGuard;
#[doc(hidden)]
pub use driver::{IoDriver, IoDriverFactory};
pub use dump::TaskDump;
pub use failure::Policy;
use handle::Rejected;
pub use handle::{Handle, NoRuntime};
pub use runtime::Runtime;
pub use stats::{RuntimeMetrics, WorkerMetrics};
pub use yield_now::{yield_now, YieldNow};

pub(crate) use shared::Shared;

use crate::task::{Task, TaskInfo};
use std::future::Future;
use std::panic::Location;

/// Which kind of runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    MultiThread,
    CurrentThread,
}

/// Scheduler tunables fixed at build time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Config {
    pub(crate) event_interval: u32,
    pub(crate) lifo_slot: bool,
    pub(crate) unhandled_failure: Policy,
}

/// Spawns a task on the current runtime (asyncio's `create_task`). It starts
/// running at once, on any worker; await the returned [`Task`] for its
/// result, or drop it to let the task run detached.
///
/// ```
/// # let rt = runtime_core::scheduler::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use runtime_core::scheduler::spawn;
/// let a = spawn(async { 1 });
/// let b = spawn(async { 2 });
/// assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// # });
/// ```
///
/// # Panics
/// Outside a runtime, with a message saying where to call it from; use
/// [`Handle::spawn`] to spawn from a plain thread.
#[track_caller]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = Location::caller();
    // Borrow the thread's handle instead of cloning it: no reference-count
    // traffic on the runtime's shared state for each spawn.
    let spawned = context::with_current_handle(|handle| {
        handle.map(|handle| handle.spawn_start(future, None, location))
    });
    let Some(spawned) = spawned else {
        // Same wording (and a `String` payload) as every other "outside of a
        // runtime" panic.
        Handle::current_for("runtime::spawn");
        unreachable!("current_for panics outside a runtime");
    };
    Rejected::settle(spawned)
}

/// Runs a blocking closure on the runtime's blocking pool, never on a
/// worker (asyncio's `to_thread`).
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> Task<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    Handle::current_for("runtime::spawn_blocking").spawn_blocking(f)
}

/// A snapshot of the current runtime's live tasks (asyncio's `all_tasks`).
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn all_tasks() -> Vec<TaskInfo> {
    Handle::current_for("runtime::all_tasks").all_tasks()
}

/// Starts a multi-thread runtime, runs `future` to completion on it, and
/// shuts the runtime down (asyncio's `asyncio.run`).
///
/// ```
/// let answer = runtime_core::scheduler::run(async { 42 });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
/// If the runtime cannot start, or when called inside a runtime.
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let rt =
        Runtime::new().unwrap_or_else(|e| panic!("runtime::run: cannot start the runtime: {e}"));
    rt.block_on(future)
}
