//! Local tasks: [`spawn_local`] for futures that are not `Send`, run by a
//! [`LocalSet`] on the one thread that owns it (asyncio's single-threaded
//! event loop: every task of the set runs on its thread, one at a time, so
//! they can share an `Rc<RefCell<_>>`).
//!
//! # Where local tasks run
//!
//! - In a [`LocalSet`]: `local.run_until(fut).await` (or
//!   `rt.block_on(local.run_until(fut))`) polls `fut` and the set's tasks on
//!   the thread polling it; `local.await` drives the set until every task
//!   spawned on it has finished. Any executor may poll a set, so it works
//!   in the `block_on` of either runtime flavour and inside a
//!   current-thread runtime's tasks.
//! - On a current-thread runtime: its `block_on` (so `#[runtime::main(flavor
//!   = "current_thread")]` and `#[runtime::test]`) runs an implicit set for
//!   the whole call, so `spawn_local` works anywhere on that thread,
//!   including in tasks spawned with `runtime::spawn`. As with
//!   `asyncio.run`, local tasks still pending when `block_on` returns are
//!   cancelled (their futures dropped, on that thread).
//!
//! A multi-thread runtime's *task* cannot hold a `LocalSet` across an
//! `.await`: such a task may move to another worker at every await, and a
//! `LocalSet` is `!Send` for that reason (the compiler rejects the spawn).
//! Run the set in `block_on`, or on the blocking pool with
//! `spawn_blocking(move || handle.block_on(local.run_until(fut)))`.
//! `spawn_local` anywhere else panics with a message saying this.
//!
//! # The protocol
//!
//! A local task is an ordinary task allocation (`raw.rs`, `state.rs`: the
//! same state word, `Task<T>`, names, cancellation and failure reports),
//! whose future need not be `Send`. Its scheduler handle is an `Arc` of the
//! set's [`Shared`](shared::Shared) part. What keeps the future on its
//! thread:
//!
//! 1. **Only the owning thread polls.** A task is polled only by the set's
//!    tick (`tick` below), which runs inside the set's `poll` on the
//!    thread that created the set; a `LocalSet` is `!Send`, so that is the
//!    only thread that ever polls or drops it.
//! 2. **Wakes are `Send + Sync`, and move pointers only.** A waker is a
//!    counted reference to the task's header (`waker.rs`). Woken while idle,
//!    the task's `Notified` goes to the set's scheduler: on the owning
//!    thread inside the set's context, to the local FIFO queue (no lock);
//!    anywhere else (another thread, or this thread outside the set), to
//!    the remote queue under the `Shared` mutex, which also takes the set's
//!    registered waker and wakes it after unlocking. The tick registers
//!    the poller's waker and moves the remote queue to the back of the
//!    local one in a single critical section, so a remote wake is either
//!    moved by that tick or finds the new waker: no wake is lost, and a
//!    task woken once is polled once more (the state word's `SCHEDULED` bit
//!    coalesces wakes and re-queues a task woken during its own poll). A
//!    spawn or wake on the owning thread while the set is not being polled
//!    (from another future there) wakes the waker of the set's last poll,
//!    kept in the `!Send` core. While the set has no live task its tick
//!    takes no lock: a remote wake needs a task that has been polled.
//! 3. **Completion happens on the owning thread.** Tasks complete in their
//!    poll, or are cancelled there (`Task::cancel` from any thread only sets
//!    `CANCELLED` and queues the task; the tick's poll drops the future).
//! 4. **The set holds a reference to every task until it completes** (its
//!    registry, `Shared::owned`), so the last reference of a task whose
//!    future is still in its cell can only be released by the owning
//!    thread. Any other thread releasing the last reference (a waker, a
//!    `Task<T>` moved away, a `Notified` dropped by a closed queue) finds
//!    the task complete and its future already dropped.
//! 5. **Dropping the set** first closes the remote queue (later remote
//!    wakes drop their `Notified`: by 4 that never frees a live future),
//!    then drains the registry and shuts down every task on this thread
//!    (each future dropped exactly once, here, with the set current so that
//!    a `Drop` that wakes or spawns a local task is served or refused
//!    cleanly), then drops the queued `Notified`s. The registry's close
//!    refuses later spawns: a task spawned from a destructor then is
//!    cancelled at once.
//!
//! The loom model `loom-tests/tests/local_set.rs` runs a remote wake
//! against the set's poll and against its drop, and checks that the task
//! is polled after the wake and its future dropped exactly once, on the
//! owning thread.
//!
//! # Failures
//!
//! A local task that panics gives its `Task<T>` a panicked `JoinError`,
//! as any task; if nobody retrieves it, the unhandled-failure policy of
//! the runtime current on the set's thread applies (`Builder::
//! unhandled_failure`), or, outside any runtime, the default: a report
//! through `tracing`, or on stderr. Local tasks are not listed by
//! `all_tasks()` or `Handle::dump()`, which show the runtime's own tasks;
//! [`LocalSet::len`] counts a set's live tasks.
//!
//! # Budget
//!
//! A tick polls at most [`POLLS_PER_TICK`] tasks, each with a fresh
//! cooperative budget (`coop.rs`), then wakes its own waker and returns
//! `Pending` if work is left: a busy set yields to the runtime that polls
//! it like any other task, so it cannot starve its host thread's other
//! tasks, and one local task spinning on a ready resource cannot starve
//! the set.
//!
//! # Task-locals and the test clock
//!
//! A local task is a separate future, like a spawned one: it does not
//! inherit the `task_local!` values of the future that spawned it (pass
//! them on with `KEY.scope(KEY.get(), fut)`). The set polls its tasks
//! inside its own poll, so a scope *around the set*
//! (`KEY.scope(v, local.run_until(fut))`) is on the stack then: each
//! local poll hides it (`task_local::hidden`), so `fut` sees `v` and the
//! local tasks do not, wherever the set is polled. Timers use the
//! runtime the set is polled in (its context is current during the poll),
//! so `time::pause` / `advance` and `start_paused` apply to local tasks
//! as to any other.

mod context;
mod shared;

pub(crate) use shared::set_runtime_policy_hook;

use super::raw::{Notified, RawTask};
use super::{Task, TaskId};
use crate::coop;
use crate::loom::sync::Arc;
use context::Core;
use shared::LocalScheduler;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Local tasks polled per poll of a [`LocalSet`] before it yields to its
/// host (see "Budget" in the module docs).
pub const POLLS_PER_TICK: usize = 64;

/// A set of local tasks (futures that need not be `Send`), all run on the
/// thread that owns the set, one at a time and in FIFO order, as on
/// asyncio's single-threaded loop.
///
/// - `local.run_until(fut)` polls `fut` and the set's tasks (so
///   `rt.block_on(local.run_until(fut))` on either runtime flavour);
///   `local.await` runs the set until every task spawned on it has
///   finished. A busy set polls at most [`POLLS_PER_TICK`] tasks per poll
///   (each with a fresh cooperative budget) and then yields to its host.
/// - [`spawn_local`] inside it (or [`LocalSet::spawn_local`] from outside)
///   adds a task; a current-thread runtime's `block_on` runs an implicit
///   set, so `spawn_local` works there without one.
/// - The tasks' wakers are `Send + Sync`: a wake from another thread
///   queues the task with the set and wakes whoever polls it; the task
///   itself never leaves the set's thread. `Task<T>` handles, names,
///   cancellation and failure reports are those of any task; an unseen
///   panic follows the policy of the runtime polling the set.
/// - Task-local values set around the set are not seen by its tasks; the
///   runtime's timers (and the paused test clock) work in them.
/// - A multi-thread runtime's task cannot hold a set across an `.await`
///   (it may move between workers there; `LocalSet` is `!Send`): run the
///   set in `block_on`, or on the blocking pool with
///   `spawn_blocking(move || handle.block_on(local.run_until(fut)))`.
///
/// ```
/// use runtime_core::task::{spawn_local, LocalSet};
/// use std::{cell::RefCell, rc::Rc};
///
/// let rt = runtime_core::scheduler::Runtime::new().unwrap(); // multi-thread
/// let local = LocalSet::new();
/// let seen = rt.block_on(local.run_until(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let a = spawn_local({
///         let log = log.clone();
///         async move { log.borrow_mut().push("a") }
///     });
///     let b = spawn_local({
///         let log = log.clone();
///         async move { log.borrow_mut().push("b") }
///     });
///     a.await.unwrap();
///     b.await.unwrap();
///     Rc::try_unwrap(log).unwrap().into_inner()
/// }));
/// assert_eq!(seen, ["a", "b"]); // FIFO, as asyncio's create_task
/// ```
///
/// Dropping the set cancels its tasks that have not finished: each future
/// is dropped exactly once, on this thread.
pub struct LocalSet {
    core: Rc<Core>,
    /// `!Send`, `!Sync`: the tasks must stay on this thread.
    _not_send: PhantomData<*const ()>,
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            core: Rc::new(Core::new()),
            _not_send: PhantomData,
        }
    }

    /// Spawns a local task on this set; it runs when the set is next
    /// polled (`run_until`, awaiting the set), after the tasks queued
    /// before it.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn_on(&self.core, future, None, Location::caller())
    }

    /// Polls `future` to completion on this thread, running the set's
    /// tasks meanwhile; `spawn_local` works inside it. Tasks still pending
    /// when `future` finishes stay in the set (drive them with another
    /// `run_until`, or `local.await`; dropping the set cancels them).
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil {
            local: self,
            future,
        }
    }

    /// Makes this set current on this thread until the guard drops:
    /// `spawn_local` then spawns onto it (the tasks run when the set is
    /// next polled).
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard {
            _enter: context::enter(&self.core),
        }
    }

    /// The set's tasks that have not finished.
    pub fn len(&self) -> usize {
        self.core.live()
    }

    /// Whether every task spawned on the set has finished.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.len())
            .finish()
    }
}

/// Awaiting a set runs its tasks until all of them have finished.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let core = &self.core;
        let _enter = context::enter(core);
        let _running = Running::set(core);
        tick(core, cx);
        if core.live() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // Protocol step 5 (module docs).
        let core = &self.core;
        let _enter = context::enter(core);
        core.close();
        let Some(shared) = core.shared() else {
            // Never had a task.
            return;
        };
        let (remote, waker) = shared.close();
        drop(waker);
        for task in shared.owned.close_and_drain(0) {
            // Cancels the task unless it is complete, dropping its future
            // here; consumes the registry's reference.
            task.shutdown();
        }
        let queued = std::mem::take(&mut *core.queue.borrow_mut());
        drop(queued);
        drop(remote);
    }
}

/// Guard of [`LocalSet::enter`]; `!Send`.
pub struct LocalEnterGuard {
    _enter: context::Enter,
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalEnterGuard")
    }
}

pin_project_lite::pin_project! {
    /// The future of [`LocalSet::run_until`].
    #[must_use = "futures do nothing unless polled"]
    pub struct RunUntil<'a, F> {
        local: &'a LocalSet,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let core = &this.local.core;
        let _enter = context::enter(core);
        let _running = Running::set(core);
        if let Poll::Ready(out) = this.future.poll(cx) {
            return Poll::Ready(out);
        }
        tick(core, cx);
        Poll::Pending
    }
}

impl<F> fmt::Debug for RunUntil<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RunUntil")
    }
}

/// Marks the set running for the duration of its poll (cleared on unwind).
struct Running<'a>(&'a Core, bool);

impl<'a> Running<'a> {
    fn set(core: &'a Core) -> Running<'a> {
        Running(core, core.running.replace(true))
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.set(self.1);
    }
}

/// One poll of the set: registers the poller's waker, then polls up to
/// [`POLLS_PER_TICK`] queued tasks in FIFO order. If work is left, wakes
/// the poller (it yields to its host) and returns `true`.
fn tick(core: &Core, cx: &mut Context<'_>) -> bool {
    core.set_waker(cx.waker());
    let shared = match core.shared() {
        Some(shared) if shared.live() > 0 => shared,
        // No task to run or to be woken remotely (a remote wake needs a
        // task that was polled, hence live): no lock. The queues may still
        // hold `Notified`s of completed tasks; the next full tick or the
        // drop releases them.
        _ => return false,
    };
    shared.register_and_take(cx.waker(), &mut core.queue.borrow_mut());
    for _ in 0..POLLS_PER_TICK {
        let task = match core.pop() {
            Some(task) => task,
            None => {
                shared.register_and_take(cx.waker(), &mut core.queue.borrow_mut());
                match core.pop() {
                    Some(task) => task,
                    None => return false,
                }
            }
        };
        let ((), _forced) = coop::with_budget(|| super::hide_task_locals(|| task.run()));
    }
    let more = !core.queue.borrow().is_empty() || shared.has_remote();
    if more {
        cx.waker().wake_by_ref();
    }
    more
}

/// Spawns a local task onto the set current on this thread (asyncio's
/// `create_task` on the running loop): a future that need not be `Send`.
/// It runs on this thread, after the tasks queued before it; await the
/// returned [`Task`] for its result.
///
/// ```
/// use std::rc::Rc;
/// let rt = runtime_core::scheduler::Builder::new_current_thread().build().unwrap();
/// let n = rt.block_on(async {
///     let shared = Rc::new(20);
///     let task = runtime_core::task::spawn_local({
///         let shared = shared.clone();
///         async move { *shared + 22 }
///     });
///     task.await.unwrap()
/// });
/// assert_eq!(n, 42);
/// ```
///
/// # Panics
/// Outside a [`LocalSet`] and outside a current-thread runtime's
/// `block_on`, with a message saying where to call it from.
#[track_caller]
pub fn spawn_local<F>(future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_inner(
        future,
        None,
        Location::caller(),
        "runtime::task::spawn_local",
    )
}

/// `spawn_local` with a name (`task::Builder::spawn_local`).
pub(crate) fn spawn_local_inner<F>(
    future: F,
    name: Option<Box<str>>,
    location: &'static Location<'static>,
    what: &str,
) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let Some(core) = context::current() else {
        panic!(
            "{what} called outside a LocalSet or a current-thread runtime: local tasks run on \
             the thread of the LocalSet that polls them. Call it inside LocalSet::run_until \
             (e.g. rt.block_on(local.run_until(fut))) or an awaited LocalSet, or in a \
             current-thread runtime's block_on (#[runtime::main(flavor = \"current_thread\")], \
             #[runtime::test]); from outside, use LocalSet::spawn_local. A multi-thread \
             runtime's worker cannot run them: its tasks move between threads"
        );
    };
    spawn_on(&core, future, name, location)
}

fn spawn_on<F>(
    core: &Core,
    future: F,
    name: Option<Box<str>>,
    location: &'static Location<'static>,
) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let shared = core.shared_or_init();
    let scheduler = LocalScheduler {
        shared: Arc::clone(shared),
    };
    // Three references: the handle, the set's registry, the first Notified.
    // The local-task contract of `new_local` is the protocol of the module
    // docs: only this set polls and completes the task, on this thread (the
    // set is `!Send` and this is its thread: `core` is only reachable here);
    // its registry keeps a reference until the task completes, and its drop
    // completes every task on this thread; a `!Send` output stays here
    // because `Task<T>` is `Send` only for `T: Send`, and a detached task's
    // output is dropped by its completer.
    // SAFETY: so `new_local`'s contract holds, as argued above.
    let raw = unsafe { RawTask::new_local(future, scheduler, TaskId::next(), name, location, 3) };
    // SAFETY: the handle's reference and JOIN_INTEREST go to `Task`; its
    // output type is `F::Output`.
    let task = unsafe { Task::from_raw(raw) };
    // SAFETY: the first Notified takes its reference and SCHEDULED.
    let notified = unsafe { Notified::from_raw(raw) };
    match shared.owned.insert(raw) {
        Ok(()) => {
            shared.spawned();
            core.push(notified);
        }
        Err(raw) => {
            // The set is being dropped: cancel at once (here, on its
            // thread), consuming the reference the registry refused.
            raw.shutdown();
            drop(notified);
        }
    }
    task
}

#[cfg(all(test, not(runtime_loom)))]
mod tests;
