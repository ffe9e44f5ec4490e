//! `JoinSet`: a set of spawned tasks whose results come back in the order
//! the tasks finish (Tokio's `JoinSet`, asyncio's `as_completed` over tasks
//! you keep adding). It is also the machinery of `gather`, `try_gather`,
//! `gather_settled` and `as_completed`, which tag each task with its input
//! position.
//!
//! # How it works
//!
//! The set owns each task's [`Task`] handle, tagged with a position, in a
//! `futures_util` `FuturesUnordered`. That collection gives every member its
//! own waker, so a finishing task queues only itself, and `join_next` polls
//! only the members that were woken: O(1) per finished task, however many
//! are still running. A task's result therefore stays in its own task cell
//! until `join_next` takes it; nothing is lost if a `join_next` future is
//! dropped before it completes. `abort_all` walks the members and cancels
//! each (no second list of abort handles is kept, so a long-lived set that
//! spawns and joins many tasks stays as large as its live members).
//! Dropping the set cancels every member that is still in it; the
//! `as_completed` stream instead detaches them (asyncio's `as_completed`
//! leaves its awaitables running).

use crate::scheduler::Handle;
use crate::task::{AbortHandle, JoinError, LocalSet, Task, TaskId};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::fmt;
use std::future::{poll_fn, Future};
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// What a finished member gives: its input position, its id, its result.
type Joined<T> = (usize, TaskId, Result<T, JoinError>);

/// A task tagged with its position in the caller's input.
struct Indexed<T> {
    index: usize,
    task: Task<T>,
}

impl<T> Future for Indexed<T> {
    type Output = Joined<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let index = self.index;
        let id = self.task.id();
        Pin::new(&mut self.task)
            .poll(cx)
            .map(|out| (index, id, out))
    }
}

/// A set of tasks, joined in the order they finish.
///
/// Spawn tasks into it with [`spawn`](JoinSet::spawn) (or
/// [`spawn_named`](JoinSet::spawn_named), [`spawn_on`](JoinSet::spawn_on),
/// [`spawn_blocking`](JoinSet::spawn_blocking)), then take their results with
/// [`join_next`](JoinSet::join_next) as each one finishes. Every task runs on
/// the runtime's workers like any spawned task. Dropping the set cancels the
/// tasks still in it, so none outlives it unobserved; use
/// [`detach_all`](JoinSet::detach_all) to let them run on.
///
/// Unlike a [`TaskGroup`](super::TaskGroup), a `JoinSet` has no failure
/// policy: an `Err` or a panic is just a result, and the other tasks go on.
///
/// ```
/// # runtime_core::scheduler::Runtime::new().unwrap().block_on(async {
/// use runtime_core::group::JoinSet;
/// use runtime_core::time::{sleep, Duration};
///
/// let mut set = JoinSet::new();
/// for i in 0..3u64 {
///     set.spawn(async move {
///         sleep(Duration::from_millis(10 * (3 - i))).await;
///         i
///     });
/// }
/// let mut done = Vec::new();
/// while let Some(result) = set.join_next().await {
///     done.push(result.unwrap());
/// }
/// done.sort();
/// assert_eq!(done, [0, 1, 2]);
///
/// // A panic or a cancellation is a result like any other.
/// set.spawn(async { panic!("boom") });
/// let abort = set.spawn(std::future::pending());
/// abort.cancel();
/// let (mut panicked, mut cancelled) = (0, 0);
/// while let Some(result) = set.join_next().await {
///     let err = result.unwrap_err();
///     panicked += err.is_panic() as u32;
///     cancelled += err.is_cancelled() as u32;
/// }
/// assert_eq!((panicked, cancelled), (1, 1));
/// # });
/// ```
pub struct JoinSet<T> {
    running: FuturesUnordered<Indexed<T>>,
    next_index: usize,
    cancel_on_drop: bool,
}

impl<T> JoinSet<T> {
    /// An empty set. It needs no runtime until a task is spawned into it.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            running: FuturesUnordered::new(),
            next_index: 0,
            cancel_on_drop: true,
        }
    }

    /// A set of `tasks` tagged with their input positions (gather, wait,
    /// as_completed). `cancel_on_drop: false` detaches them on drop.
    pub(crate) fn from_tasks(
        tasks: impl IntoIterator<Item = Task<T>>,
        cancel_on_drop: bool,
    ) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.cancel_on_drop = cancel_on_drop;
        for task in tasks {
            set.insert(task);
        }
        set
    }

    fn insert(&mut self, task: Task<T>) -> AbortHandle {
        let abort = task.abort_handle();
        let index = self.next_index;
        self.next_index += 1;
        self.running.push(Indexed { index, task });
        abort
    }

    /// Number of tasks in the set: running, or finished and not joined yet.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Waits for the next task to finish and returns its result; `None` once
    /// the set is empty. Tasks come back in the order they finish.
    ///
    /// Cancel safety: yes. A result is taken out of its task only when this
    /// returns it; a `join_next` dropped before it completes leaves every
    /// task, finished or not, in the set.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.join_next_indexed().await.map(|(_, _, result)| result)
    }

    /// [`join_next`](Self::join_next), with the finished task's id beside its
    /// value (a `JoinError` carries the id already).
    ///
    /// Cancel safety: yes, as [`join_next`](Self::join_next).
    pub async fn join_next_with_id(&mut self) -> Option<Result<(TaskId, T), JoinError>> {
        self.join_next_indexed()
            .await
            .map(|(_, id, result)| result.map(|value| (id, value)))
    }

    /// The result of a task that has already finished, if there is one;
    /// never waits. `None` when no task has finished yet (or the set is
    /// empty, or the calling task's cooperative budget is spent).
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|result| result.map(|(_, value)| value))
    }

    /// [`try_join_next`](Self::try_join_next) with the task's id.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(TaskId, T), JoinError>> {
        // The members' own wakers stay registered; only the set's waker is
        // a no-op for this one look (a later `join_next` registers its own).
        let mut cx = Context::from_waker(Waker::noop());
        match self.running.poll_next_unpin(&mut cx) {
            Poll::Ready(Some((_, id, result))) => Some(result.map(|value| (id, value))),
            Poll::Ready(None) | Poll::Pending => None,
        }
    }

    /// Polling form of [`join_next`](Self::join_next): `Ready(None)` when the
    /// set is empty.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_next_indexed(cx)
            .map(|item| item.map(|(_, _, result)| result))
    }

    /// The next task to finish: its input position, id and result.
    pub(crate) async fn join_next_indexed(&mut self) -> Option<Joined<T>> {
        poll_fn(|cx| self.poll_next_indexed(cx)).await
    }

    pub(crate) fn poll_next_indexed(&mut self, cx: &mut Context<'_>) -> Poll<Option<Joined<T>>> {
        self.running.poll_next_unpin(cx)
    }

    /// Requests cancellation of every task in the set. They stay in the set:
    /// `join_next` then returns each one's result (a cancelled `JoinError`,
    /// or its value if it finished first). Use [`shutdown`](Self::shutdown)
    /// to cancel and wait for all of them.
    pub fn abort_all(&self) {
        for member in self.running.iter() {
            member.task.cancel();
        }
    }

    /// Removes every task from the set without cancelling it: they run on,
    /// detached (as when their `Task` handles are dropped).
    pub fn detach_all(&mut self) {
        self.running.clear();
    }

    /// Cancels every task and waits until all of them are gone; the set is
    /// empty afterwards. Results of tasks that finished first are dropped.
    ///
    /// Cancel safety: yes. Every task was cancelled by the first poll; a
    /// `shutdown` dropped early leaves the rest in the set (cancelled, still
    /// to be joined or dropped).
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their values in the order they
    /// finished.
    ///
    /// Cancel safety: no. Values already collected are lost if the future
    /// is dropped (the tasks not joined yet are cancelled with the set).
    ///
    /// # Panics
    /// If a task panicked (re-raising its panic) or was cancelled; the other
    /// tasks are cancelled first. Use `join_next` to handle failures one by
    /// one.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut values = Vec::with_capacity(self.len());
        while let Some(result) = self.join_next().await {
            match result {
                Ok(value) => values.push(value),
                Err(error) => {
                    self.abort_all();
                    propagate(error, "runtime::JoinSet::join_all");
                }
            }
        }
        values
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime as a member of the set and
    /// returns a handle that cancels it.
    ///
    /// # Panics
    /// Outside a runtime (use [`spawn_on`](Self::spawn_on) with a handle).
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let location = Location::caller();
        let handle = Handle::current_for("runtime::JoinSet::spawn");
        self.insert(handle.spawn_inner(future, None, location))
    }

    /// [`spawn`](Self::spawn) with a task name (shown by `all_tasks`, in
    /// `JoinError`s, and by `runtime::task::name()` inside it).
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn_named<F>(&mut self, name: impl Into<String>, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let location = Location::caller();
        let handle = Handle::current_for("runtime::JoinSet::spawn_named");
        let name = Some(name.into().into_boxed_str());
        self.insert(handle.spawn_inner(future, name, location))
    }

    /// Spawns `future` on `handle`'s runtime, from any thread.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn_inner(future, None, Location::caller()))
    }

    /// Runs the blocking closure `f` on the current runtime's blocking pool
    /// as a member of the set. Cancelling it only takes effect if it has not
    /// started yet: a running closure cannot be interrupted.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = Handle::current_for("runtime::JoinSet::spawn_blocking");
        self.insert(handle.spawn_blocking(f))
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a local task (a future that need not be `Send`) as a member
    /// of the set, on the `LocalSet` current on this thread (see
    /// [`spawn_local`](crate::task::spawn_local)): Tokio's
    /// `JoinSet::spawn_local`.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let rt = runtime_core::scheduler::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let shared = Rc::new(10);
    ///     let mut set = runtime_core::group::JoinSet::new();
    ///     for i in 0..3 {
    ///         let shared = shared.clone();
    ///         set.spawn_local(async move { *shared + i });
    ///     }
    ///     let mut sum = 0;
    ///     while let Some(n) = set.join_next().await {
    ///         sum += n.unwrap();
    ///     }
    ///     assert_eq!(sum, 33);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a `LocalSet` or a current-thread runtime's `block_on`.
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let location = Location::caller();
        self.insert(crate::task::spawn_local_inner(
            future,
            None,
            location,
            "runtime::JoinSet::spawn_local",
        ))
    }

    /// Spawns a local task on `local` as a member of the set; it runs when
    /// `local` is next polled.
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, future: F, local: &LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local.spawn_local(future))
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        if self.cancel_on_drop {
            self.abort_all();
        }
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

/// Re-raises a failed child in the caller: its panic with the original
/// payload, or a panic naming the child if it was cancelled.
pub(crate) fn propagate(error: JoinError, function: &str) -> ! {
    match error.try_into_panic() {
        Ok(payload) => std::panic::resume_unwind(payload),
        Err(error) => panic!("{function}: a child task did not finish: {error}"),
    }
}
