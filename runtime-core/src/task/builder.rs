//! `task::Builder`: spawning with a name (asyncio's `create_task(coro, name=...)`).

use super::Task;
use crate::scheduler::Handle;
use std::future::Future;
use std::panic::Location;

/// Configures a task before spawning it.
///
/// ```
/// # let rt = runtime_core::scheduler::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use runtime_core::task;
/// let t = task::Builder::new().name("worker-1").spawn(async {
///     task::name()
/// });
/// assert_eq!(t.await.unwrap().as_deref(), Some("worker-1"));
/// # });
/// ```
#[derive(Debug, Default, Clone)]
#[must_use = "a task Builder does nothing until you call spawn"]
pub struct Builder {
    name: Option<String>,
}

impl Builder {
    /// A builder for an unnamed task.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task: shown by `Task::name`, `runtime::task::name()`,
    /// `all_tasks()` and in its `JoinError`.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Spawns the task on the current runtime.
    ///
    /// # Panics
    /// Outside a runtime (see [`crate::scheduler::spawn`]).
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let location = Location::caller();
        let handle = Handle::current_for("runtime::task::Builder::spawn");
        handle.spawn_inner(future, self.name.map(Into::into), location)
    }

    /// Spawns a local task (a future that need not be `Send`) on the
    /// `LocalSet` current on this thread; see [`super::spawn_local`].
    ///
    /// # Panics
    /// Outside a `LocalSet` or a current-thread runtime's `block_on`.
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        super::spawn_local_inner(
            future,
            self.name.map(Into::into),
            Location::caller(),
            "runtime::task::Builder::spawn_local",
        )
    }

    /// Spawns the task on `handle`'s runtime.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_inner(future, self.name.map(Into::into), Location::caller())
    }
}
