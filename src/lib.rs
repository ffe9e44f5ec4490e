//! `runtime`: a multi-threaded, work-stealing async runtime for Rust with
//! Python asyncio's task model.
//!
//! ```
//! let total = runtime::run(async {
//!     let a = runtime::spawn(async { 20 });
//!     let b = runtime::task::Builder::new().name("b").spawn(async { 22 });
//!     a.await.unwrap() + b.await.unwrap()
//! });
//! assert_eq!(total, 42);
//! ```
//!
//! | asyncio | runtime |
//! | --- | --- |
//! | `asyncio.run(main())` | [`run`], [`Runtime::block_on`] |
//! | `create_task(coro, name=)` | [`spawn`], [`task::Builder`] |
//! | `task.cancel()`, `done()`, `cancelled()` | [`Task::cancel`], [`Task::is_finished`], [`Task::is_cancelled`] |
//! | `await task` | `task.await -> Result<T, JoinError>` |
//! | `get_running_loop()` | [`Handle::current`], [`Handle::try_current`] |
//! | `to_thread` | [`spawn_blocking`] |
//! | `sleep(0)` | [`yield_now`] |
//! | `all_tasks()` | [`all_tasks`] |
//! | `create_subprocess_exec`, `communicate()` | [`process::Command`], [`process::Child::wait_with_output`] |
//! | `to_thread(open(...).read)`, aiofiles | [`fs::read`], [`fs::File`] |
//! | single-threaded loop, `create_task` of non-thread-safe code | [`task::spawn_local`], [`task::LocalSet`] |
//! | `contextvars.ContextVar` | [`task_local!`], [`task::LocalKey::scope`] (not copied into spawned tasks) |

#![warn(missing_docs)]

mod runtime;

pub use runtime::{run, Builder, Runtime};
pub use runtime_core::gather;
pub use runtime_core::group::JoinSet;
pub use runtime_core::group::{
    as_completed, gather, gather_settled, shield, task_group, try_gather, wait, wait_timeout,
    AsCompleted, Failable, Failure, FailureKind, GroupError, ReturnWhen, TaskGroup,
};
pub use runtime_core::group::{
    CancellationDropGuard, CancellationToken, WaitForCancellation, WaitForCancellationOwned,
};
pub use runtime_core::scheduler::{
    all_tasks, spawn, spawn_blocking, yield_now, EnterGuard, Handle, NoRuntime, Policy,
    RuntimeMetrics, TaskDump, WorkerMetrics,
};
pub use runtime_core::select;
pub use runtime_core::task::{JoinError, Task};
pub use runtime_core::task_local;
/// Files and directories on the blocking pool (asyncio: `to_thread(open...)`).
pub use runtime_io::fs;
/// Child processes with async stdio (asyncio: `create_subprocess_exec`).
pub use runtime_io::process;
pub use runtime_io::{io, net, signal};

/// `#[runtime::main]` runs an `async fn main` on a new runtime;
/// `#[runtime::test]` runs an `async` test on a runtime of its own
/// (current-thread by default, with an optional `timeout = "10s"`, and
/// `start_paused = true` to run it on the paused test clock of
/// [`time::pause`]).
///
/// ```
/// #[runtime::main(flavor = "current_thread")]
/// async fn main() -> Result<(), runtime::JoinError> {
///     let answer = runtime::spawn(async { 42 }).await?;
///     assert_eq!(answer, 42);
///     Ok(())
/// }
/// ```
pub use runtime_macros::{main, test};

/// Tasks: names, ids, the spawn builder and snapshots.
pub mod task {
    /// Also at the crate root, beside `TaskGroup`; here for Tokio's path.
    pub use runtime_core::group::JoinSet;
    pub use runtime_core::scheduler::block_in_place;
    pub use runtime_core::task::{
        id, name, spawn_local, try_id, AbortHandle, AccessError, Builder, JoinError,
        LocalEnterGuard, LocalKey, LocalSet, RunUntil, Task, TaskId, TaskInfo, TaskLocalFuture,
        TaskOutcome, TaskState,
    };
}

/// Timers: `sleep`, `timeout`, `interval` (asyncio's `sleep`, `wait_for`),
/// and the test clock: `pause`, `advance`, `resume`, `now`.
pub mod time {
    pub use runtime_core::time::{
        advance, interval, interval_at, now, pause, resume, sleep, sleep_until, timeout,
        timeout_at, Duration, Elapsed, Instant, Interval, MissedTickBehavior, Sleep, Timeout,
    };
}

/// Synchronization for tasks: asyncio's `Queue`, `Semaphore`, `Lock`,
/// `Event`, `Condition`, `Barrier` and `Future` (as [`sync::Promise`]), plus
/// `Notify`, `oneshot` and `mpsc` channels, and Tokio's `broadcast` and
/// `watch` channels.
pub use runtime_core::sync;

/// Cooperative scheduling budget, for implementors of resources.
pub mod coop {
    pub use runtime_core::coop::{has_budget_remaining, poll_proceed, refund, BUDGET_PER_POLL};
}

#[cfg(feature = "hyper")]
pub mod hyper;

/// The README's Rust examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
