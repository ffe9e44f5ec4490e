//! asyncio's `Future`: a settable, shareable, awaitable result.
//!
//! # Waiter protocol
//!
//! State (one mutex): the outcome (`None` while pending, then an
//! `Arc<PromiseOutcome<T>>` forever), a [`WaitList`] of awaiters and the
//! done callbacks not yet run.
//!
//! - `set_result` / `cancel` store the outcome only if none is stored (the
//!   first one wins, later ones get their value back / `false`), and in the
//!   same critical section unlink every awaiter and take the callback list.
//!   After releasing the lock they wake the awaiters and run the callbacks
//!   with the shared outcome, so a callback may use the promise freely.
//! - `wait` checks the outcome under the lock and enqueues in the same
//!   critical section, so completion either precedes the check or finds the
//!   node. A woken (unlinked) awaiter reads the outcome, which can no longer
//!   change.
//! - `add_done_callback` pushes the callback under the lock if the promise
//!   is pending; otherwise it runs it at once (outside the lock). The list is
//!   taken exactly once, at completion, so each callback runs exactly once.
//! - A dropped `wait` future removes its node; nothing is passed on because
//!   completion wakes every awaiter.

use super::error::PromiseCancelled;
use super::waitlist::{WaitList, WakeList};
use crate::coop;
use crate::loom::sync::{Arc, Mutex};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

type Callback<T> = Box<dyn FnOnce(&PromiseOutcome<T>) + Send>;

/// A result to be provided later, like asyncio's `Future`: any task may set
/// it once ([`set_result`](Promise::set_result)) or cancel it, any number of
/// tasks may [`wait`](Promise::wait) for it, and done callbacks run when it
/// completes. Cloning yields another handle to the same promise.
///
/// For asyncio's `set_exception`, use a `Promise<Result<T, E>>`.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::Promise;
///
/// let promise = Promise::new();
/// let waiter = runtime_core::scheduler::spawn({
///     let promise = promise.clone();
///     async move { promise.wait().await }
/// });
/// promise.add_done_callback(|outcome| println!("done: {outcome:?}"));
/// assert!(!promise.is_done());
/// promise.set_result("Hello from the future!").unwrap();
/// assert!(promise.set_result("again").is_err(), "a promise is set only once");
/// assert_eq!(waiter.await.unwrap(), Ok("Hello from the future!"));
/// # });
/// ```
pub struct Promise<T> {
    inner: Arc<Mutex<State<T>>>,
}

struct State<T> {
    outcome: Option<Arc<PromiseOutcome<T>>>,
    waiters: WaitList<()>,
    callbacks: Vec<Callback<T>>,
}

/// How a [`Promise`] completed; what done callbacks receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromiseOutcome<T> {
    /// [`Promise::set_result`] was called with this value.
    Value(T),
    /// [`Promise::cancel`] was called first.
    Cancelled,
}

impl<T> PromiseOutcome<T> {
    /// The value, if the promise was not cancelled.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(v) => Some(v),
            Self::Cancelled => None,
        }
    }

    /// Whether the promise was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled)
    }
}

impl<T> Promise<T> {
    /// Creates a pending promise.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Mutex::new(State {
                outcome: None,
                waiters: WaitList::new(),
                callbacks: Vec::new(),
            })),
        }
    }

    /// Completes the promise with `value`, waking every awaiter and running
    /// the done callbacks (on this thread, before returning).
    ///
    /// If it is already done (set or cancelled), nothing changes and the
    /// value is handed back in `Err`.
    pub fn set_result(&self, value: T) -> Result<(), T> {
        let st = self.inner.lock();
        if st.outcome.is_some() {
            return Err(value);
        }
        self.complete(st, PromiseOutcome::Value(value));
        Ok(())
    }

    /// Cancels the promise if it is still pending: awaiters get
    /// [`PromiseCancelled`] and the callbacks run. Returns `false` (changing
    /// nothing) if it was already done, like asyncio.
    pub fn cancel(&self) -> bool {
        let st = self.inner.lock();
        if st.outcome.is_some() {
            return false;
        }
        self.complete(st, PromiseOutcome::Cancelled);
        true
    }

    fn complete(
        &self,
        mut st: crate::loom::sync::MutexGuard<'_, State<T>>,
        outcome: PromiseOutcome<T>,
    ) {
        let outcome = Arc::new(outcome);
        st.outcome = Some(outcome.clone());
        let mut wakers = WakeList::new();
        st.waiters.unlink_all(&mut wakers, |_| {});
        let callbacks = std::mem::take(&mut st.callbacks);
        drop(st);
        wakers.wake_all();
        for cb in callbacks {
            cb(&outcome);
        }
    }

    /// Whether the promise has a result or was cancelled.
    pub fn is_done(&self) -> bool {
        self.inner.lock().outcome.is_some()
    }

    /// Whether the promise was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self.inner.lock().outcome.as_deref(),
            Some(PromiseOutcome::Cancelled)
        )
    }

    /// Registers `f` to run exactly once when the promise completes, with
    /// its outcome. If the promise is already done, `f` runs now, on this
    /// thread. Otherwise it runs on the thread that completes the promise.
    ///
    /// A panicking callback propagates into that `set_result` / `cancel`
    /// call; the callbacks after it are then dropped without running.
    pub fn add_done_callback<F>(&self, f: F)
    where
        F: FnOnce(&PromiseOutcome<T>) + Send + 'static,
    {
        let mut st = self.inner.lock();
        match st.outcome.clone() {
            Some(outcome) => {
                drop(st);
                f(&outcome);
            }
            None => st.callbacks.push(Box::new(f)),
        }
    }
}

impl<T: Clone> Promise<T> {
    /// The result if the promise is done (asyncio's `result()` without the
    /// exception for a pending future): `None` while pending.
    pub fn result(&self) -> Option<Result<T, PromiseCancelled>> {
        self.inner.lock().outcome.as_deref().map(to_result)
    }

    /// Waits until the promise completes and returns a clone of its value,
    /// or [`PromiseCancelled`]. Any number of tasks may wait.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. Dropping the future only stops this task from waiting.
    pub fn wait(&self) -> impl Future<Output = Result<T, PromiseCancelled>> + '_ {
        Wait {
            promise: self,
            key: None,
        }
    }
}

fn to_result<T: Clone>(outcome: &PromiseOutcome<T>) -> Result<T, PromiseCancelled> {
    match outcome {
        PromiseOutcome::Value(v) => Ok(v.clone()),
        PromiseOutcome::Cancelled => Err(PromiseCancelled),
    }
}

impl<T> Clone for Promise<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Default for Promise<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.lock();
        let mut d = f.debug_struct("Promise");
        match st.outcome.as_deref() {
            None => d.field("state", &format_args!("pending")),
            Some(outcome) => d.field("state", outcome),
        };
        d.field("waiters", &st.waiters.len()).finish()
    }
}

struct Wait<'a, T> {
    promise: &'a Promise<T>,
    key: Option<usize>,
}

impl<T: Clone> Future for Wait<'_, T> {
    type Output = Result<T, PromiseCancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let mut st = this.promise.inner.lock();
        if let Some(key) = this.key {
            if st.waiters.is_linked(key) {
                st.waiters.set_waker(key, cx.waker());
                drop(st);
                coop::refund();
                return Poll::Pending;
            }
            st.waiters.remove(key);
            this.key = None;
        }
        match st.outcome.clone() {
            Some(outcome) => {
                drop(st);
                Poll::Ready(to_result(&outcome))
            }
            None => {
                this.key = Some(st.waiters.push_back((), Some(cx.waker())));
                drop(st);
                coop::refund();
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Wait<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.promise.inner.lock().waiters.remove(key);
        }
    }
}
