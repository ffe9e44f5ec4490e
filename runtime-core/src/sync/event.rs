//! asyncio's `Event`: a flag tasks can wait for.
//!
//! # Waiter protocol
//!
//! An `Event` is a `set` flag (an atomic) beside a [`Notify`]; the waiting
//! is all `Notify`'s ([`super::notify`] describes its protocol), so the
//! wait list, its cancellation and its wake-ups have one home.
//!
//! - `set` raises the flag, then calls `notify_waiters`, which bumps the
//!   `Notify`'s generation and wakes everyone queued.
//! - `wait`, on its first poll, creates its [`Notified`] (recording the
//!   generation under the `Notify`'s lock) and only then reads the flag;
//!   on every poll: set, done;
//!   clear, it polls the `Notified`, which completes once the generation
//!   has moved. A `set` racing a `wait` is never lost: if the `set`'s
//!   `notify_waiters` took the lock before the `Notified` was created, the
//!   flag's store happened before that lock and the read sees it; otherwise
//!   the generation moves after the `Notified` recorded it.
//! - Nothing happens before the first poll, as in asyncio: a `set` and a
//!   `clear` between `wait()` and its first poll are not seen.
//! - A waiter whose `Notified` completed returns even if the flag was
//!   cleared again before it ran (asyncio semantics: the set happened while
//!   it waited).
//! - `clear` lowers the flag; waiters already woken are unaffected.
//! - A dropped `wait` future drops its `Notified`, which leaves the queue;
//!   nothing is passed on because a `set` wakes everybody anyway.

use super::notify::{Notified, Notify};
use crate::coop;
use crate::loom::sync::atomic::{AtomicBool, Ordering};
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
    set: AtomicBool,
    notify: Notify,
}

impl Event {
    /// Creates an event whose flag is clear.
    pub fn new() -> Self {
        Self {
            set: AtomicBool::new(false),
            notify: Notify::new(),
        }
    }

    /// Sets the flag and wakes every waiting task.
    pub fn set(&self) {
        self.set.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// Clears the flag: later [`wait`](Self::wait)s block until the next
    /// [`set`](Self::set).
    pub fn clear(&self) {
        self.set.store(false, Ordering::Release);
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.set.load(Ordering::Acquire)
    }

    /// Waits until the flag is set (returns at once if it is).
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. Dropping the future just leaves the wait list.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + Sync + '_ {
        Wait {
            event: self,
            notified: None,
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
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .field("waiters", &self.notify.waiters())
            .finish()
    }
}

struct Wait<'a> {
    event: &'a Event,
    /// Created by the first poll.
    notified: Option<Notified<'a>>,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let event = this.event;
        let notified = this.notified.get_or_insert_with(|| event.notify.notified());
        if event.is_set() {
            // The slow path's budget is taken by `Notified::poll`.
            ready!(coop::poll_proceed(cx));
            return Poll::Ready(());
        }
        Pin::new(notified).poll(cx)
    }
}
