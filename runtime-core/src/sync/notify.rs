//! Task notification: wake one waiter (or store a permit), or wake all.
//!
//! # Waiter protocol
//!
//! State (one mutex): a stored `permit` flag, a `generation` counter bumped by
//! every `notify_waiters`, and a [`WaitList`] whose records say how the node
//! was chosen (`Waiting`, `One`, `All`).
//!
//! - [`Notify::notified`] records the generation when the future is
//!   *created*, so a `notify_waiters` that happens between creation and the
//!   first poll still completes it.
//! - First poll: if the generation moved, done; if a permit is stored,
//!   consume it, done; otherwise enqueue (same critical section).
//! - `notify_one`: unlink the head as `One` and wake it after the lock is
//!   released, or store the permit if nobody waits (permits do not add up).
//! - `notify_waiters`: bump the generation, unlink every node as `All`.
//! - Drop of a future chosen by `notify_one` that did not complete: it
//!   passes the notification on (to the next waiter, or back into the
//!   permit), so a `notify_one` is never swallowed by a cancelled waiter.
//!   A node chosen by `notify_waiters` passes nothing on.

use super::waitlist::{WaitList, WakeList};
use crate::coop;
use crate::loom::sync::Mutex;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Notifies tasks: [`notify_one`](Notify::notify_one) wakes the longest
/// waiter (or stores one permit for the next [`notified`](Notify::notified)),
/// [`notify_waiters`](Notify::notify_waiters) wakes everyone waiting now.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::Notify;
/// use std::sync::Arc;
///
/// let notify = Arc::new(Notify::new());
/// let waiter = runtime_core::scheduler::spawn({
///     let notify = notify.clone();
///     async move { notify.notified().await }
/// });
/// notify.notify_one(); // wakes the waiter, or is stored until it waits
/// waiter.await.unwrap();
/// # });
/// ```
pub struct Notify {
    state: Mutex<State>,
}

struct State {
    permit: bool,
    generation: u64,
    waiters: WaitList<Chosen>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Chosen {
    Waiting,
    One,
    All,
}

impl State {
    fn notify_one(&mut self, wakers: &mut WakeList) {
        match self.waiters.front() {
            Some(key) => {
                *self.waiters.get_mut(key) = Chosen::One;
                wakers.push(self.waiters.unlink(key));
            }
            None => self.permit = true,
        }
    }
}

impl Notify {
    /// Creates a `Notify` with no stored permit.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                permit: false,
                generation: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Wakes the longest-waiting task; if none is waiting, stores a permit
    /// so the next `notified().await` returns at once. At most one permit is
    /// stored.
    pub fn notify_one(&self) {
        let mut wakers = WakeList::new();
        let mut st = self.state.lock();
        st.notify_one(&mut wakers);
        drop(st);
        wakers.wake_all();
    }

    /// Wakes every task waiting now, including [`Notified`] futures created
    /// but not yet polled. Stores no permit.
    pub fn notify_waiters(&self) {
        let mut wakers = WakeList::new();
        let mut st = self.state.lock();
        st.generation = st.generation.wrapping_add(1);
        st.waiters.unlink_all(&mut wakers, |c| *c = Chosen::All);
        drop(st);
        wakers.wake_all();
    }

    /// A future that completes when this task is notified.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. Dropping it leaves the queue, and a `notify_one` it had
    /// already received goes to the next waiter (or back into the permit).
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            generation: self.state.lock().generation,
            key: None,
        }
    }
}

impl Notify {
    /// How many tasks are queued (for `Debug` output).
    pub(super) fn waiters(&self) -> usize {
        self.state.lock().waiters.len()
    }
}

impl Default for Notify {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.lock();
        f.debug_struct("Notify")
            .field("permit", &st.permit)
            .field("waiters", &st.waiters.len())
            .finish()
    }
}

/// The future returned by [`Notify::notified`].
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    generation: u64,
    key: Option<usize>,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let mut st = this.notify.state.lock();
        match this.key {
            None if st.generation != this.generation => return Poll::Ready(()),
            None if st.permit => {
                st.permit = false;
                return Poll::Ready(());
            }
            None => {
                let key = st.waiters.push_back(Chosen::Waiting, Some(cx.waker()));
                this.key = Some(key);
            }
            Some(key) if st.waiters.is_linked(key) => st.waiters.set_waker(key, cx.waker()),
            Some(key) => {
                st.waiters.remove(key);
                this.key = None;
                return Poll::Ready(());
            }
        }
        drop(st);
        coop::refund();
        Poll::Pending
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wakers = WakeList::new();
        let mut st = self.notify.state.lock();
        if st.waiters.remove(key) == Chosen::One {
            st.notify_one(&mut wakers);
        }
        drop(st);
        wakers.wake_all();
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("registered", &self.key.is_some())
            .finish_non_exhaustive()
    }
}
