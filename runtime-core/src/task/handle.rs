//! `Task<T>`: the join side of a spawned task (asyncio's `Task` object).

use super::meta::Callback;
use super::raw::RawTask;
use super::AbortHandle;
use super::TaskOutcome;
use super::{JoinError, TaskId};
use crate::coop;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A handle to a spawned task: await it for the task's result.
///
/// `task.await` gives `Ok(value)`, or a [`JoinError`] if the task was
/// cancelled or panicked. Dropping the handle **detaches** the task: it keeps
/// running and its result is dropped (a panic nobody retrieves is reported
/// on stderr). To stop the task, call [`cancel`](Task::cancel).
///
/// Cancel safety of awaiting it: yes for `(&mut task).await` (the result
/// stays in the task until taken); awaiting `task` by value moves the
/// handle into the future, so dropping that future detaches the task.
///
/// ```
/// # let rt = runtime_core::scheduler::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let task = runtime_core::task::Builder::new()
///     .name("answer")
///     .spawn(async { 6 * 7 });
/// assert_eq!(task.name().as_deref(), Some("answer"));
/// assert_eq!(task.await.unwrap(), 42);
/// # });
/// ```
pub struct Task<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the handle only reads the task's output of type `T` (moved to the
// awaiting thread, hence `T: Send`) and otherwise touches the header through
// its atomic protocol.
unsafe impl<T: Send> Send for Task<T> {}
// SAFETY: `&Task<T>` methods only read the header (atomics, a mutex, plain
// immutable data) or schedule the task; the output is reached through
// `&mut`/`Pin<&mut>` only.
unsafe impl<T: Send> Sync for Task<T> {}

impl<T> Unpin for Task<T> {}

impl<T> Task<T> {
    /// # Safety
    /// `raw` is a task whose output type is `T`, and the caller transfers the
    /// join handle's reference and `JOIN_INTEREST` to the new handle.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task<T> {
        Task {
            raw,
            _output: PhantomData,
        }
    }

    /// The task's unique id.
    pub fn id(&self) -> TaskId {
        self.raw.id()
    }

    /// The task's name, if it has one (asyncio's `get_name`).
    pub fn name(&self) -> Option<String> {
        self.raw.header().meta.name()
    }

    /// Renames the task (asyncio's `set_name`); visible in `all_tasks()`,
    /// `runtime::task::name()` inside it, and in its `JoinError`.
    pub fn set_name(&self, name: impl Into<String>) {
        self.raw
            .header()
            .meta
            .set_name(name.into().into_boxed_str());
    }

    /// Requests cancellation: the task's future is dropped at its next
    /// `.await` point (right away if it is not running), and awaiting the
    /// handle gives a cancelled [`JoinError`]. Drop guards inside the future
    /// run, which is where cleanup goes.
    ///
    /// Returns `false` if the task had already finished (asyncio's `cancel`).
    /// A task that completes during the poll in which it is cancelled keeps
    /// its value.
    pub fn cancel(&self) -> bool {
        super::abort::cancel(self.raw)
    }

    /// A handle that can cancel this task without owning its result.
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        // SAFETY: the new handle gets the reference just taken.
        unsafe { AbortHandle::from_raw(self.raw) }
    }

    /// Registers `callback` to run exactly once when the task ends (asyncio's
    /// `add_done_callback`), on the runtime thread that finishes it; at once,
    /// on this thread, if it already has. It learns how the task ended
    /// ([`TaskOutcome`]: completed, cancelled, panicked, or failed in a task
    /// group). A panicking callback is reported on stderr, not fatal.
    ///
    /// ```
    /// # let rt = runtime_core::scheduler::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use runtime_core::task::TaskOutcome;
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let task = runtime_core::scheduler::spawn(async { 1 });
    /// task.add_done_callback(move |outcome| tx.send(outcome).unwrap());
    /// task.await.unwrap();
    /// assert_eq!(rx.recv().unwrap(), TaskOutcome::Completed);
    /// # });
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(TaskOutcome) + Send + 'static) {
        let header = self.raw.header();
        let callback: Callback = Box::new(callback);
        // Register first, then announce: the completer looks at the list
        // only if it sees HAS_CALLBACKS.
        let callback = match header.meta.push_callback(callback) {
            Ok(()) => match header.state.set_has_callbacks() {
                Ok(()) => return,
                // Completed before it saw the bit: it may not have taken the
                // list. Taking it ourselves is safe: the completer takes it
                // only if it saw the bit, which it did not.
                Err(outcome) => {
                    let callbacks = header.meta.take_callbacks();
                    super::harness::run_callbacks(header, callbacks, outcome);
                    return;
                }
            },
            Err(callback) => callback,
        };
        let outcome = header
            .state
            .load()
            .outcome()
            .unwrap_or(TaskOutcome::Completed);
        super::harness::run_callbacks(header, vec![callback], outcome);
    }

    /// Whether the task has finished: with a value, a panic, or cancelled
    /// (asyncio's `done`).
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// Whether cancellation was requested and has not been overtaken by the
    /// task finishing with a value (asyncio's `cancelled`, which is true once
    /// the cancellation took effect).
    pub fn is_cancelled(&self) -> bool {
        self.raw.header().state.load().is_cancelled()
    }

    /// Polls for completion without taking the output: `Ready` once the
    /// task has finished (awaiting the handle then returns at once).
    pub fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: this handle holds JOIN_INTEREST.
        if unsafe { self.raw.poll_complete(cx.waker()) } {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Runs `f` on the task's result without taking it, if the task has
    /// finished and the result was not already taken by awaiting.
    ///
    /// Takes `&mut self`: `Task<T>` is `Sync` for any `T: Send`, so handing
    /// out `&T` through `&self` would let two threads share a `T` that is
    /// not `Sync`.
    pub fn peek_result<R>(&mut self, f: impl FnOnce(&Result<T, JoinError>) -> R) -> Option<R> {
        if !self.is_finished() {
            return None;
        }
        // SAFETY: `T` is the output type and this is the task's handle;
        // `&mut self` excludes any other access to the output through it.
        unsafe { self.raw.peek_output(f) }
    }

    /// Lets the task run on without a handle (the same as dropping it).
    pub fn detach(self) {
        drop(self);
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        std::task::ready!(coop::poll_proceed(cx));
        // SAFETY: this handle owns JOIN_INTEREST and `T` is the task's output
        // type (guaranteed by `from_raw`'s contract).
        let out = unsafe { self.raw.try_read_output::<T>(cx.waker()) };
        if out.is_pending() {
            coop::refund();
        }
        out
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        // SAFETY: called once, by the handle, giving up its reference.
        unsafe { self.raw.drop_join_handle() }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("state", &self.raw.header().state.load())
            .finish()
    }
}
