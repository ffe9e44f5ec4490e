//! A channel for sending a single value between tasks.
//!
//! # Waiter protocol
//!
//! State (one mutex): the value slot, `tx_dropped`, `rx_closed`, and at most
//! one waker per side (there is exactly one sender and one receiver, so no
//! wait list is needed).
//!
//! - The receiver polls under the lock: a value is taken; otherwise, if the
//!   sender is gone or the receiver was closed, it fails; otherwise it stores
//!   its waker in the same critical section. `send` stores the value and
//!   takes that waker under the lock, then wakes it after releasing it; the
//!   sender's drop does the same with `tx_dropped`. So a send or drop either
//!   precedes the receiver's check or finds its waker.
//! - `Sender::closed` stores the sender's waker under the lock the same way;
//!   `Receiver::close` and the receiver's drop set `rx_closed` and wake it.
//! - Cancelling `closed()` or the receiver's await loses nothing: the value
//!   stays in the slot until the receiver takes it or is dropped. A value
//!   left unreceived is dropped outside the lock.

pub use super::error::{RecvError, TryRecvError};

use crate::coop;
use crate::loom::sync::{Arc, Mutex};
use crate::scheduler::park::blocking_wait;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

/// Creates a oneshot channel: the [`Sender`] sends one value, the
/// [`Receiver`] (a future) receives it.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::oneshot;
///
/// let (tx, rx) = oneshot::channel();
/// runtime_core::scheduler::spawn(async move {
///     let _ = tx.send(6 * 7);
/// });
/// assert_eq!(rx.await, Ok(42));
/// # });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Mutex::new(State {
        value: None,
        tx_dropped: false,
        rx_closed: false,
        rx_waker: None,
        tx_waker: None,
    }));
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner },
    )
}

struct State<T> {
    value: Option<T>,
    tx_dropped: bool,
    rx_closed: bool,
    rx_waker: Option<Waker>,
    tx_waker: Option<Waker>,
}

fn store_waker(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

/// Sends the channel's one value. See [`channel`].
pub struct Sender<T> {
    inner: Arc<Mutex<State<T>>>,
}

/// Receives the channel's one value: `.await` it (it is a future of
/// `Result<T, RecvError>`), or use [`try_recv`](Receiver::try_recv) /
/// [`blocking_recv`](Receiver::blocking_recv). See [`channel`].
///
/// # Cancellation safety
///
/// Cancel safety: yes. If the await is abandoned the value stays in
/// the channel for a later await or `try_recv`.
pub struct Receiver<T> {
    inner: Arc<Mutex<State<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value`, consuming the sender. Fails, handing the value back,
    /// if the receiver was dropped or closed.
    pub fn send(self, value: T) -> Result<(), T> {
        let mut st = self.inner.lock();
        if st.rx_closed {
            return Err(value);
        }
        st.value = Some(value);
        let waker = st.rx_waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
        // `self` drops here and sets `tx_dropped`; the value is already in.
    }

    /// Whether the receiver was dropped or closed (a `send` would fail).
    pub fn is_closed(&self) -> bool {
        self.inner.lock().rx_closed
    }

    /// Waits until the receiver is dropped or closed, e.g. to stop computing
    /// a value nobody wants (race it against the computation).
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes (waiting takes nothing).
    pub async fn closed(&mut self) {
        poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Polling form of [`closed`](Self::closed).
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        ready!(coop::poll_proceed(cx));
        let mut st = self.inner.lock();
        if st.rx_closed {
            return Poll::Ready(());
        }
        store_waker(&mut st.tx_waker, cx.waker());
        drop(st);
        coop::refund();
        Poll::Pending
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut st = self.inner.lock();
        st.tx_dropped = true;
        let waker = st.rx_waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it has been sent.
    ///
    /// Returns [`TryRecvError::Empty`] if it may still arrive and
    /// [`TryRecvError::Disconnected`] if it never will (sender dropped,
    /// receiver closed, or the value was already received).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut st = self.inner.lock();
        if let Some(v) = st.value.take() {
            return Ok(v);
        }
        if st.tx_dropped || st.rx_closed {
            Err(TryRecvError::Disconnected)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Closes the channel without dropping the receiver: a later `send`
    /// fails, while a value already sent can still be received.
    pub fn close(&mut self) {
        let mut st = self.inner.lock();
        st.rx_closed = true;
        let waker = st.tx_waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Blocks the current thread until the value arrives (or never will).
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        blocking_wait("oneshot::Receiver::blocking_recv", self)
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        ready!(coop::poll_proceed(cx));
        let mut st = self.inner.lock();
        if let Some(v) = st.value.take() {
            return Poll::Ready(Ok(v));
        }
        if st.tx_dropped || st.rx_closed {
            return Poll::Ready(Err(RecvError));
        }
        store_waker(&mut st.rx_waker, cx.waker());
        drop(st);
        coop::refund();
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut st = self.inner.lock();
        st.rx_closed = true;
        let value = st.value.take();
        let waker = st.tx_waker.take();
        drop(st);
        drop(value);
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.lock();
        f.debug_struct("oneshot::Receiver")
            .field("has_value", &st.value.is_some())
            .field("sender_dropped", &st.tx_dropped)
            .field("closed", &st.rx_closed)
            .finish()
    }
}
