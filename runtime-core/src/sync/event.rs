//! asyncio's `Event`: a flag tasks can wait for.
//!
//! # Waiter protocol
//!
//! State (one mutex): the `set` flag and a [`WaitList`] of waiters.
//!
//! - `wait` checks the flag under the lock; if clear it enqueues itself (in
//!   the same critical section, so a concurrent `set` either sees the node or
//!   happened before the check).
//! - `set` raises the flag, unlinks every queued waiter and wakes them after
//!   releasing the lock. A waiter whose node was unlinked returns, even if
//!   the flag was cleared again before it ran (asyncio semantics: the set
//!   happened while it waited).
//! - `clear` lowers the flag; waiters already chosen are unaffected.
//! - A dropped `wait` future removes its node; nothing is passed on because
//!   a `set` wakes everybody anyway.

use super::waitlist::{WaitList, WakeList};
use crate::coop;
use crate::loom::sync::Mutex;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// An event flag, like asyncio's `Event`: [`set`](Event::set) wakes every
/// task in [`wait`](Event::wait), and later waits return at once until the
/// flag is [`clear`](Event::clear)ed.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::Event;
/// use std::sync::Arc;
///
/// let ready = Arc::new(Event::new());
/// let waiter = runtime_core::scheduler::spawn({
///     let ready = ready.clone();
///     async move {
///         ready.wait().await;
///         "go"
///     }
/// });
/// ready.set();
/// assert_eq!(waiter.await.unwrap(), "go");
/// assert!(ready.is_set());
/// # });
/// ```
pub struct Event {
    state: Mutex<State>,
}

struct State {
    set: bool,
    waiters: WaitList<()>,
}

impl Event {
    /// Creates an event whose flag is clear.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                set: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Sets the flag and wakes every waiting task.
    pub fn set(&self) {
        let mut wakers = WakeList::new();
        let mut st = self.state.lock();
        st.set = true;
        st.waiters.unlink_all(&mut wakers, |_| {});
        drop(st);
        wakers.wake_all();
    }

    /// Clears the flag: later [`wait`](Self::wait)s block until the next
    /// [`set`](Self::set).
    pub fn clear(&self) {
        self.state.lock().set = false;
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.state.lock().set
    }

    /// Waits until the flag is set (returns at once if it is).
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. Dropping the future just leaves the wait list.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + Sync + '_ {
        Wait {
            event: self,
            key: None,
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.lock();
        f.debug_struct("Event")
            .field("set", &st.set)
            .field("waiters", &st.waiters.len())
            .finish()
    }
}

struct Wait<'a> {
    event: &'a Event,
    key: Option<usize>,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let mut st = this.event.state.lock();
        match this.key {
            None if st.set => return Poll::Ready(()),
            None => this.key = Some(st.waiters.push_back((), Some(cx.waker()))),
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

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.event.state.lock().waiters.remove(key);
        }
    }
}
