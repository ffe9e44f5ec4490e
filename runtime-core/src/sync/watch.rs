//! A single-value channel: senders replace (or modify) the value, receivers
//! read the latest one and can wait until it changes.
//!
//! # Protocol
//!
//! Two locks, always taken in this order: the value's readers-writer lock,
//! then the state mutex. The state holds `version` (bumped by every change),
//! the numbers of senders and receivers, `closed` (the last sender is
//! gone), and two wait lists: receivers in `changed()`, and `Sender::closed`
//! callers. Each receiver keeps the version it has *seen*.
//!
//! - **A change** (`send`, `send_replace`, `send_modify`, a modifying
//!   `send_if_modified`): take the write lock, change the value, then, still
//!   holding it, lock the state, bump `version` and unlink every waiting
//!   receiver; release both; wake them. The old value is dropped after the
//!   locks are released.
//! - **borrow_and_update**: take the read lock, then read `version` under
//!   the state lock and record it as seen. Because a change bumps the
//!   version while it holds the write lock, the version read together with
//!   the value is the value's own: a receiver never marks a version seen
//!   whose value it did not read, so it cannot miss a change, and never sees
//!   a change it already read reported again. `borrow` does the same without
//!   recording.
//! - **changed**: under the state lock, if `version` differs from the seen
//!   one, record it and return; else, if the channel is closed, fail; else
//!   queue the waker in the same critical section. A change either came
//!   before that look or finds the waker: no lost wakeup. (A change made
//!   before the last sender left is still reported before `Err`.)
//! - **The last sender's drop** sets `closed` and wakes every waiting
//!   receiver; **the last receiver's drop** wakes `Sender::closed`.
//!   The counts, `closed`, both wait lists and these two drop rules are
//!   shared with the other channel of this shape (`ends.rs`).
//!
//! The value lock is held while a `Ref` from `borrow` lives and while a
//! `send_modify` closure runs: keep both short, and never hold a `Ref`
//! across an `.await` (it would block every sender). The loom models are in
//! `loom-tests/tests/sync_watch.rs`.

pub use super::error::SendError;
pub use super::error::WatchRecvError as RecvError;

use super::ends::{requeue, Ends};
use super::waitlist::WakeList;
use crate::coop;
use crate::loom::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Creates a watch channel holding `init`. Receivers start having seen it.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::Runtime::new().unwrap().block_on(async {
/// use runtime_core::sync::watch;
///
/// let (tx, mut rx) = watch::channel("starting");
/// assert_eq!(*rx.borrow(), "starting");
/// let monitor = runtime_core::scheduler::spawn(async move {
///     let mut states = Vec::new();
///     while rx.changed().await.is_ok() {
///         states.push(*rx.borrow_and_update());
///     }
///     states // `Err` once the sender is gone and the last change was seen
/// });
/// tx.send_modify(|state| *state = "running");
/// // Only the latest value is kept: a receiver may skip intermediate ones.
/// let last = tx.send_replace("stopped");
/// assert_eq!(last, "running");
/// drop(tx);
/// let states = monitor.await.unwrap();
/// assert_eq!(states.last(), Some(&"stopped"), "the last value is never missed");
/// # });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: Mutex::new(State {
            version: 0,
            ends: Ends::new(),
        }),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, seen: 0 },
    )
}

struct Shared<T> {
    value: RwLock<T>,
    state: Mutex<State>,
}

struct State {
    version: u64,
    ends: Ends,
}

/// The sending half of a watch channel; clone it for more senders.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A receiving half of a watch channel; clone it (the clone has seen what
/// this one has) or [`Sender::subscribe`] for more.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver has seen.
    seen: u64,
}

/// A borrowed value of a watch channel: a read lock on it, released when
/// the `Ref` is dropped. Senders wait while it lives: do not hold it across
/// an `.await`.
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was new to the receiver that borrowed it (not yet
    /// seen when it was borrowed). Always `false` from [`Sender::borrow`].
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        T::fmt(self, f)
    }
}

/// Reads the value and the version it belongs to; records the version in
/// `seen` if `update`.
fn borrow_impl<'a, T>(shared: &'a Shared<T>, seen: &mut u64, update: bool) -> Ref<'a, T> {
    let guard = shared.value.read();
    let version = shared.state.lock().version;
    let has_changed = version != *seen;
    if update {
        *seen = version;
    }
    Ref { guard, has_changed }
}

/// Polls for a version other than `seen` (recording it), or the end of
/// the channel; queues the waiter's node in `key` while neither came.
fn poll_change<T>(
    shared: &Shared<T>,
    seen: &mut u64,
    key: &mut Option<usize>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), RecvError>> {
    ready!(coop::poll_proceed(cx));
    let mut st = shared.state.lock();
    let outcome = if st.version != *seen {
        *seen = st.version;
        Some(Ok(()))
    } else if st.ends.closed {
        Some(Err(RecvError::default()))
    } else {
        None
    };
    if let Some(outcome) = outcome {
        if let Some(k) = key.take() {
            st.ends.rx_waiters.remove(k);
        }
        return Poll::Ready(outcome);
    }
    requeue(&mut st.ends.rx_waiters, key, cx);
    drop(st);
    coop::refund();
    Poll::Pending
}

impl<T> Sender<T> {
    /// Replaces the value and notifies every receiver. Fails, handing the
    /// value back (the channel keeps the old one), when there is no
    /// receiver; use [`send_replace`](Self::send_replace) to store it anyway.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.state.lock().ends.receivers == 0 {
            return Err(SendError(value));
        }
        drop(self.send_replace(value));
        Ok(())
    }

    /// Replaces the value, notifies every receiver, and returns the old
    /// value. Works with no receiver too (a later `subscribe` sees it).
    pub fn send_replace(&self, value: T) -> T {
        let mut value = Some(value);
        let mut old = None;
        self.send_if_modified(|current| {
            old = Some(std::mem::replace(
                current,
                value.take().expect("the closure runs once"),
            ));
            true
        });
        old.expect("the closure ran")
    }

    /// Modifies the value in place and notifies every receiver.
    ///
    /// `modify` runs under the value's write lock: receivers cannot borrow
    /// meanwhile, so keep it short (and do not call this channel's methods
    /// from it: that deadlocks). If it panics, receivers are not notified,
    /// but what it changed before panicking stays.
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Modifies the value in place, and notifies every receiver only if
    /// `modify` returns `true` (it changed something worth telling). Returns
    /// what `modify` returned. The rules of
    /// [`send_modify`](Self::send_modify) apply.
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        let mut wakers = WakeList::new();
        let mut value = self.shared.value.write();
        let modified = modify(&mut value);
        if modified {
            let mut st = self.shared.state.lock();
            st.version = st.version.wrapping_add(1);
            st.ends.rx_waiters.unlink_all(&mut wakers, |_| {});
        }
        drop(value);
        wakers.wake_all();
        modified
    }

    /// The current value (a read lock: see [`Ref`]).
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// A new receiver that has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        let mut st = self.shared.state.lock();
        st.ends.receiver_cloned();
        Receiver {
            shared: self.shared.clone(),
            seen: st.version,
        }
    }

    /// The number of receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.state.lock().ends.receivers
    }

    /// Whether every receiver is gone (a `send` would fail).
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// Cancel safety: yes. Waiting takes nothing; a dropped `closed()` only
    /// leaves the wait list.
    pub fn closed(&self) -> Closed<'_, T> {
        Closed {
            shared: &self.shared,
            key: None,
        }
    }

    /// Whether both senders send into the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Receiver<T> {
    /// The current value, without marking it seen (a read lock: see
    /// [`Ref`]); [`Ref::has_changed`] tells whether it was new.
    pub fn borrow(&self) -> Ref<'_, T> {
        let mut seen = self.seen;
        borrow_impl(&self.shared, &mut seen, false)
    }

    /// The current value, marking it seen: a later
    /// [`changed`](Self::changed) waits for a newer one.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        borrow_impl(&self.shared, &mut self.seen, true)
    }

    /// Waits until the value changes from the one this receiver last saw,
    /// and marks the new one seen (read it with [`borrow`](Self::borrow)).
    /// Returns at once if a change is already unseen. Fails with
    /// [`RecvError`] once every sender is gone and the last change was seen.
    ///
    /// Cancel safety: yes. The value is marked seen only when this returns
    /// `Ok`; a dropped `changed()` leaves the receiver as it was.
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            shared: &self.shared,
            seen: &mut self.seen,
            key: None,
        }
    }

    /// Waits until the value satisfies `predicate` (checking the current
    /// value first), marks it seen and returns it borrowed. Fails once
    /// every sender is gone and the last value does not satisfy it.
    ///
    /// Cancel safety: yes. Nothing but the seen version changes; values
    /// rejected by `predicate` are marked seen.
    pub fn wait_for<F: FnMut(&T) -> bool>(&mut self, predicate: F) -> WaitFor<'_, T, F> {
        WaitFor {
            shared: &self.shared,
            seen: &mut self.seen,
            key: None,
            predicate,
            check: true,
        }
    }

    /// Whether the value changed since this receiver last saw it. Fails
    /// once every sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let st = self.shared.state.lock();
        if st.ends.closed {
            return Err(RecvError::default());
        }
        Ok(st.version != self.seen)
    }

    /// Marks the current value unseen: the next [`changed`](Self::changed)
    /// returns at once.
    pub fn mark_changed(&mut self) {
        self.seen = self.shared.state.lock().version.wrapping_sub(1);
    }

    /// Marks the current value seen without borrowing it.
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.state.lock().version;
    }

    /// Whether both receivers receive from the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// The future of [`Receiver::changed`].
#[must_use = "futures do nothing unless polled"]
pub struct Changed<'a, T> {
    shared: &'a Shared<T>,
    seen: &'a mut u64,
    /// This waiter's node in `rx_waiters`, while queued.
    key: Option<usize>,
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        poll_change(this.shared, this.seen, &mut this.key, cx)
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.state.lock().ends.rx_waiters.remove(key);
        }
    }
}

/// The future of [`Receiver::wait_for`].
#[must_use = "futures do nothing unless polled"]
pub struct WaitFor<'a, T, F> {
    shared: &'a Shared<T>,
    seen: &'a mut u64,
    key: Option<usize>,
    predicate: F,
    /// Whether the current value is still to be checked.
    check: bool,
}

// The predicate is only ever called through `&mut`, never pinned.
impl<T, F> Unpin for WaitFor<'_, T, F> {}

impl<'a, T, F: FnMut(&T) -> bool> Future for WaitFor<'a, T, F> {
    type Output = Result<Ref<'a, T>, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let shared: &'a Shared<T> = this.shared;
        loop {
            if this.check {
                this.check = false;
                let value = borrow_impl(shared, this.seen, true);
                if (this.predicate)(&value) {
                    if let Some(k) = this.key.take() {
                        shared.state.lock().ends.rx_waiters.remove(k);
                    }
                    return Poll::Ready(Ok(value));
                }
            }
            ready!(poll_change(shared, this.seen, &mut this.key, cx))?;
            this.check = true;
        }
    }
}

impl<T, F> Drop for WaitFor<'_, T, F> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.state.lock().ends.rx_waiters.remove(key);
        }
    }
}

impl<T, F> fmt::Debug for WaitFor<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::WaitFor").finish_non_exhaustive()
    }
}

/// The future of [`Sender::closed`].
#[must_use = "futures do nothing unless polled"]
pub struct Closed<'a, T> {
    shared: &'a Shared<T>,
    key: Option<usize>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let polled = this.shared.state.lock().ends.poll_closed(&mut this.key, cx);
        if polled.is_pending() {
            coop::refund();
        }
        polled
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.state.lock().ends.tx_waiters.remove(key);
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.state.lock().ends.sender_cloned();
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        st.ends.sender_dropped(&mut wakers);
        drop(st);
        wakers.wake_all();
    }
}

impl<T> Clone for Receiver<T> {
    /// Another receiver that has seen what this one has.
    fn clone(&self) -> Self {
        self.shared.state.lock().ends.receiver_cloned();
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        st.ends.receiver_dropped(&mut wakers);
        drop(st);
        wakers.wake_all();
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("value", &*self.borrow())
            .field("receivers", &self.receiver_count())
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("value", &*self.borrow())
            .field("seen", &self.seen)
            .finish()
    }
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Changed").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Closed").finish_non_exhaustive()
    }
}
