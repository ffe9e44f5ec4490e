//! asyncio's `Condition`, over this module's [`Mutex`].
//!
//! # Waiter protocol
//!
//! State (one mutex, the condition's own): a [`WaitList`] whose records say
//! how a node was chosen (`Waiting`, `One`, `All`).
//!
//! `wait(guard)` runs three steps:
//!
//! 1. *Register* — push a node **while the caller still holds the data
//!    lock** (the guard passed in). A notifier changes the shared data under
//!    that lock before it notifies, so it either changed the data before the
//!    waiter looked at it, or it notifies after the node exists: no wakeup is
//!    lost in between.
//! 2. *Unlock and sleep* — drop the guard; wait until the node is unlinked
//!    by `notify(n)` (the `n` oldest nodes, marked `One`) or `notify_all`
//!    (every node, marked `All`).
//! 3. *Relock* — `mutex.lock().await` (the mutex's own fair protocol) and
//!    return the new guard.
//!
//! Drop in step 2 removes the node; a node chosen by `notify(n)` that is
//! dropped before it returned passes its notification to the next waiter
//! (`notify(1)`). A waiter chosen by `notify(n)` that is dropped in step 3,
//! before it got the lock back, passes it on the same way (a drop guard
//! armed between steps 2 and 3), so `notify(1)` is never swallowed by a
//! cancelled task. Either way the caller no longer holds the lock.

use super::mutex::{Mutex, MutexGuard};
use super::waitlist::{WaitList, WakeList};
use crate::coop;
use crate::loom::sync::Mutex as StateMutex;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A condition variable for tasks, like asyncio's `Condition`, used together
/// with this module's [`Mutex<T>`] (the type parameter is that mutex's data
/// type; it is inferred from use).
///
/// asyncio's `async with cond: await cond.wait_for(pred)` becomes: lock the
/// mutex, then [`wait_for`](Condition::wait_for) with the guard, which
/// releases the lock while sleeping and hands back a re-locked guard. A
/// notifier changes the data under the lock, then calls
/// [`notify`](Condition::notify) / [`notify_all`](Condition::notify_all)
/// (holding the lock then is allowed but not required).
///
/// Wakeups may be spurious from the caller's point of view (another task may
/// have changed the data again first): use [`wait_for`](Condition::wait_for),
/// or re-check in a loop around [`wait`](Condition::wait).
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::{Condition, Mutex};
/// use std::sync::Arc;
///
/// let jobs = Arc::new((Mutex::new(Vec::<u32>::new()), Condition::new()));
/// let consumer = runtime_core::scheduler::spawn({
///     let jobs = jobs.clone();
///     async move {
///         let (lock, cond) = &*jobs;
///         let mut queue = lock.lock().await;            // async with cond:
///         queue = cond.wait_for(queue, |q| !q.is_empty()).await;
///         queue.pop().unwrap()
///     }
/// });
/// let (lock, cond) = &*jobs;
/// lock.lock().await.push(7);
/// cond.notify(1);
/// assert_eq!(consumer.await.unwrap(), 7);
/// # });
/// ```
pub struct Condition<T = ()> {
    state: StateMutex<WaitList<Chosen>>,
    _data: PhantomData<fn(&T)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Chosen {
    Waiting,
    One,
    All,
}

fn notify_locked(waiters: &mut WaitList<Chosen>, n: usize, wakers: &mut WakeList) {
    for _ in 0..n {
        let Some(key) = waiters.front() else { break };
        *waiters.get_mut(key) = Chosen::One;
        wakers.push(waiters.unlink(key));
    }
}

impl<T> Condition<T> {
    /// Creates a condition with no waiters.
    pub fn new() -> Self {
        Self {
            state: StateMutex::new(WaitList::new()),
            _data: PhantomData,
        }
    }

    /// Wakes up to `n` waiting tasks, longest-waiting first. Tasks that
    /// start waiting afterwards are not affected.
    pub fn notify(&self, n: usize) {
        let mut wakers = WakeList::new();
        let mut waiters = self.state.lock();
        notify_locked(&mut waiters, n, &mut wakers);
        drop(waiters);
        wakers.wake_all();
    }

    /// Wakes every waiting task.
    pub fn notify_all(&self) {
        let mut wakers = WakeList::new();
        let mut waiters = self.state.lock();
        waiters.unlink_all(&mut wakers, |c| *c = Chosen::All);
        drop(waiters);
        wakers.wake_all();
    }

    /// Atomically releases the lock held by `guard` and waits for a
    /// notification, then re-locks the same mutex and returns the new guard.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, in the sense that nothing is lost: a notification already
    /// delivered to the dropped future is passed to the next waiter. The
    /// guard was consumed, so after cancellation the caller does not hold
    /// the lock (unlike asyncio, which re-acquires it before raising
    /// `CancelledError`).
    pub async fn wait<'a>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let mutex: &'a Mutex<T> = MutexGuard::mutex(&guard);
        let waiter = Waiter::register(self);
        drop(guard);
        let chosen = waiter.await;
        let pass_on = PassOnIfDropped {
            cond: self,
            armed: chosen == Chosen::One,
        };
        let guard = mutex.lock().await;
        std::mem::forget(pass_on);
        guard
    }

    /// Waits until `predicate` returns `true` for the locked data, sleeping
    /// between checks like [`wait`](Self::wait). The predicate is evaluated
    /// with the lock held, first before any waiting.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`wait`](Self::wait).
    pub async fn wait_for<'a, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut predicate: F,
    ) -> MutexGuard<'a, T>
    where
        F: FnMut(&mut T) -> bool,
    {
        while !predicate(&mut guard) {
            guard = self.wait(guard).await;
        }
        guard
    }
}

impl<T> Default for Condition<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.state.lock().len())
            .finish()
    }
}

/// Armed between steps 2 and 3 of `wait`: if the future is dropped while
/// re-locking, the `notify(n)` it received goes to the next waiter.
struct PassOnIfDropped<'c, T> {
    cond: &'c Condition<T>,
    armed: bool,
}

impl<T> Drop for PassOnIfDropped<'_, T> {
    fn drop(&mut self) {
        if self.armed {
            self.cond.notify(1);
        }
    }
}

/// Step 2 of `wait`: registered at creation, ready once chosen; returns how
/// it was chosen.
struct Waiter<'c, T> {
    cond: &'c Condition<T>,
    key: Option<usize>,
}

impl<'c, T> Waiter<'c, T> {
    fn register(cond: &'c Condition<T>) -> Self {
        let key = cond.state.lock().push_back(Chosen::Waiting, None);
        Self {
            cond,
            key: Some(key),
        }
    }
}

impl<T> Future for Waiter<'_, T> {
    type Output = Chosen;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Chosen> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let key = this.key.expect("condition waiter polled after completion");
        let mut waiters = this.cond.state.lock();
        if waiters.is_linked(key) {
            waiters.set_waker(key, cx.waker());
            drop(waiters);
            coop::refund();
            return Poll::Pending;
        }
        let chosen = waiters.remove(key);
        this.key = None;
        Poll::Ready(chosen)
    }
}

impl<T> Drop for Waiter<'_, T> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wakers = WakeList::new();
        let mut waiters = self.cond.state.lock();
        if waiters.remove(key) == Chosen::One {
            notify_locked(&mut waiters, 1, &mut wakers);
        }
        drop(waiters);
        wakers.wake_all();
    }
}
