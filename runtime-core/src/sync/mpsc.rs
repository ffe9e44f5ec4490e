//! Multi-producer, single-consumer channels, bounded and unbounded.
//!
//! # Waiter protocol
//!
//! A channel is a FIFO [`Queue`] plus a count of live senders, so the waiter
//! protocol is the queue's (see `queue.rs`): senders waiting for buffer space
//! are served FIFO by slot reservation, the receiver waits by item
//! reservation, and a cancelled `send` or `recv` passes any reservation on
//! and loses nothing. Closing maps onto the queue's `close`, whose semantics
//! are exactly a channel's: sends fail (handing the value back) and the
//! receiver drains what was sent, then sees the end.
//!
//! - The last `Sender` to be dropped closes the queue (a sender count in an
//!   atomic: the decrement that reaches zero closes), which wakes a waiting
//!   `recv` with `None` once the buffer is empty.
//! - `Receiver::close` closes the queue; dropping the receiver also takes
//!   the unreceived values out and drops them (outside the queue's lock).
//! - `Sender::closed` waits on the queue's close-waiter list.

pub use super::error::{SendError, TryRecvError, TrySendError};

use super::error::{TryGetError, TryPutError};
use super::queue::Queue;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Arc;
use crate::scheduler::park::blocking_wait;
use std::fmt;

/// Creates a bounded channel buffering up to `capacity` values; `send`
/// waits while the buffer is full.
///
/// # Panics
///
/// If `capacity` is 0 (use [`unbounded_channel`] for no limit).
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::mpsc;
///
/// let (tx, mut rx) = mpsc::channel(16);
/// for id in 0..3 {
///     let tx = tx.clone();
///     runtime_core::scheduler::spawn(async move { tx.send(id).await.unwrap() });
/// }
/// drop(tx); // the channel ends when every sender is gone
/// let mut got = Vec::new();
/// while let Some(id) = rx.recv().await {
///     got.push(id);
/// }
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// # });
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "mpsc::channel(0): a bounded channel needs a capacity of at least 1; \
         use mpsc::unbounded_channel() for no limit"
    );
    let chan = Chan::new(capacity);
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// Creates a channel with an unlimited buffer: sending never waits.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// tx.send("hello").unwrap();
/// assert_eq!(rx.recv().await, Some("hello"));
/// # });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Chan::new(0);
    (
        UnboundedSender { chan: chan.clone() },
        UnboundedReceiver {
            inner: Receiver { chan },
        },
    )
}

struct Chan<T> {
    queue: Queue<T>,
    senders: AtomicUsize,
}

impl<T> Chan<T> {
    fn new(maxsize: usize) -> Arc<Self> {
        Arc::new(Self {
            queue: Queue::new(maxsize),
            senders: AtomicUsize::new(1),
        })
    }

    fn add_sender(&self) {
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    fn drop_sender(&self) {
        // AcqRel: the closing decrement happens after every other sender's
        // last send (they are in the queue under its lock anyway).
        if self.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.queue.close();
        }
    }
}

/// The sending half of a bounded channel; clone it for more producers.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a bounded channel.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

/// The sending half of an unbounded channel; clone it for more producers.
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of an unbounded channel.
pub struct UnboundedReceiver<T> {
    inner: Receiver<T>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for buffer space. Fails, handing the value
    /// back, if the receiver is closed or dropped.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safe: if dropped before completing, the value was not sent
    /// (it is dropped with the future) and a buffer slot promised to it goes
    /// to the next waiting sender. Waiting senders are served FIFO.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.queue.put(value).await.map_err(|e| SendError(e.0))
    }

    /// Sends `value` if buffer space is free right now.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.queue.try_put(value).map_err(|e| match e {
            TryPutError::Full(v) => TrySendError::Full(v),
            TryPutError::Closed(v) => TrySendError::Closed(v),
        })
    }

    /// Blocks the current thread until `value` is sent.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        blocking_wait("mpsc::Sender::blocking_send", self.send(value))
    }

    /// Whether the receiver was closed or dropped.
    pub fn is_closed(&self) -> bool {
        self.chan.queue.is_closed()
    }

    /// Waits until the receiver is closed or dropped.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        self.chan.queue.closed().await
    }

    /// The buffer capacity given to [`channel`].
    pub fn max_capacity(&self) -> usize {
        self.chan.queue.maxsize()
    }

    /// Whether both senders send into the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> UnboundedSender<T> {
    /// Sends `value` (never waits). Fails, handing the value back, if the
    /// receiver is closed or dropped.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan
            .queue
            .try_put(value)
            .map_err(|e| SendError(e.into_inner()))
    }

    /// Whether the receiver was closed or dropped.
    pub fn is_closed(&self) -> bool {
        self.chan.queue.is_closed()
    }

    /// Waits until the receiver is closed or dropped.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        self.chan.queue.closed().await
    }

    /// Whether both senders send into the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Receiver<T> {
    /// Receives the next value, waiting for one. Returns `None` once the
    /// channel is closed (all senders dropped, or [`close`](Self::close)
    /// called) and every value sent has been received.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safe: if the future is dropped, no value was taken from the
    /// channel.
    pub async fn recv(&mut self) -> Option<T> {
        self.chan.queue.get().await.ok()
    }

    /// Receives at least one and at most `limit` values into `buf`, waiting
    /// for the first. Returns how many were added; 0 means the channel is
    /// closed and drained (or `limit` is 0).
    ///
    /// # Cancellation safety
    ///
    /// Cancel safe: if dropped, no value was taken.
    pub async fn recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        let Ok(first) = self.chan.queue.get().await else {
            return 0;
        };
        buf.push(first);
        1 + self.chan.queue.drain_into(buf, limit - 1)
    }

    /// Receives a value if one is available right now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.queue.try_get().map_err(|e| match e {
            TryGetError::Empty => TryRecvError::Empty,
            TryGetError::Closed => TryRecvError::Disconnected,
        })
    }

    /// Blocks the current thread until a value arrives or the channel ends.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        blocking_wait("mpsc::Receiver::blocking_recv", self.recv())
    }

    /// Closes the channel: sends fail from now on, while values already sent
    /// can still be received.
    pub fn close(&mut self) {
        self.chan.queue.close();
    }

    /// Whether the channel is closed (receiver closed or all senders gone).
    pub fn is_closed(&self) -> bool {
        self.chan.queue.is_closed()
    }

    /// The number of values buffered.
    pub fn len(&self) -> usize {
        self.chan.queue.len()
    }

    /// Whether no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.chan.queue.is_empty()
    }
}

impl<T> UnboundedReceiver<T> {
    /// See [`Receiver::recv`].
    ///
    /// # Cancellation safety
    ///
    /// Cancel safe: if the future is dropped, no value was taken.
    pub async fn recv(&mut self) -> Option<T> {
        self.inner.recv().await
    }

    /// See [`Receiver::recv_many`].
    ///
    /// # Cancellation safety
    ///
    /// Cancel safe: if dropped, no value was taken.
    pub async fn recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> usize {
        self.inner.recv_many(buf, limit).await
    }

    /// See [`Receiver::try_recv`].
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// See [`Receiver::blocking_recv`].
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        self.inner.blocking_recv()
    }

    /// See [`Receiver::close`].
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// See [`Receiver::is_closed`].
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// See [`Receiver::len`].
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// See [`Receiver::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Self {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Self {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Unreceived values are dropped here, outside the queue's lock.
        drop(self.chan.queue.close_and_take_all());
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Sender")
            .field("queue", &self.chan.queue)
            .finish()
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::UnboundedSender")
            .field("queue", &self.chan.queue)
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Receiver")
            .field("queue", &self.chan.queue)
            .finish()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::UnboundedReceiver")
            .field("queue", &self.inner.chan.queue)
            .finish()
    }
}
