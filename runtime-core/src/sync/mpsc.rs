//! Multi-producer, single-consumer channels, bounded and unbounded.
//!
//! # Protocol
//!
//! A channel is two pieces, so that waiting senders and the receiver never
//! queue on one lock:
//!
//! - `slots`, a [`Semaphore`] of free buffer slots (`capacity` permits; an
//!   unbounded channel has `Semaphore::MAX_PERMITS`, which no program can
//!   exhaust). A send takes a permit before it pushes, and the receiver
//!   gives one back for every value it returns. Waiting senders are
//!   therefore the semaphore's waiters: served FIFO, cancel safe (a sender
//!   cancelled after a slot was assigned to it passes the slot on), and a
//!   `try_send` cannot overtake them. With room in the buffer, taking and
//!   giving back a slot is one CAS each on the permit word (see
//!   `semaphore.rs`). The receiver closing closes `slots`: waiting and
//!   later sends fail.
//! - `inner`, one small mutex (on a cache line of its own) over the buffer
//!   (`VecDeque`), the receiver's waker and `closed`. A push is: lock, push
//!   the value, take the receiver's waker if it stored one, unlock, wake.
//!   A receiver that finds the buffer empty stores its waker in the same
//!   critical section, so a push either came before its look or finds the
//!   waker: no lost wakeup. Nothing else is done under the lock.
//!
//! **Batches.** The receiver keeps a private `VecDeque` (`taken`, in the
//! `Receiver`). When it is empty, `recv` swaps the whole shared buffer into
//! it in one critical section, so under contention the receiver takes the
//! lock once per batch instead of once per value (the two buffers trade
//! places, so neither reallocates). Values in `taken` still hold their
//! slots: a slot goes back when its value is returned to the caller, so the
//! buffer never holds more than `capacity` values in total. `recv_many`
//! gives the slots of everything it returns back in one hand-off, so that
//! the senders waiting for room are served together (one slot at a time,
//! each woken sender would find the others queued and queue again).
//!
//! **End of the channel.** `recv` returns `None` once `closed` is set (the
//! receiver closed, or the last sender dropped), both buffers are empty and
//! the semaphore is *idle* (every slot free). Idle matters: a send that
//! took its slot before the close may still be about to push; it holds its
//! slot until then, and the receiver waits for its push. A slot given back
//! without a value (a send cancelled after a slot was assigned to it) is
//! followed by a "poke" (lock, take the waker, wake), so a receiver waiting
//! for idleness looks again; the poke's lock orders it after the receiver's
//! look, or the look after the slot's return.
//!
//! Per-sender order is buffer order. `Sender::closed` waits on an [`Event`]
//! set when the receiver closes or is dropped; dropping the receiver also
//! drops the values left (on its own thread, outside the lock).
//!
//! The loom models are in `loom-tests/tests/sync_channel.rs`.

pub use super::error::{SendError, TryRecvError, TrySendError};

use super::cache_line::CacheLine;
use super::error::TryAcquireError;
use super::event::Event;
use super::semaphore::{Acquire, Semaphore};
use crate::coop;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Arc, Mutex};
use crate::scheduler::park::blocking_wait;
use futures_core::Stream;
use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

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
    (
        Sender { chan: chan.clone() },
        Receiver {
            chan,
            taken: VecDeque::new(),
        },
    )
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
            inner: Receiver {
                chan,
                taken: VecDeque::new(),
            },
        },
    )
}

struct Chan<T> {
    /// The values, the receiver's waker and `closed`: on a cache line of
    /// its own (with the `VecDeque`'s header), held for a push or a pop.
    inner: CacheLine<Mutex<Inner<T>>>,
    slots: Semaphore,
    /// `slots`' permits when every slot is free (`capacity`, or
    /// `Semaphore::MAX_PERMITS` when unbounded).
    all_slots: usize,
    /// The capacity given to [`channel`] (0: unbounded).
    capacity: usize,
    senders: AtomicUsize,
    /// Set when the receiver closes or is dropped.
    rx_closed: Event,
}

struct Inner<T> {
    items: VecDeque<T>,
    /// The receiver's waker, while it waits for a value.
    rx_waker: Option<Waker>,
    /// The receiver closed, or the last sender is gone.
    closed: bool,
}

impl<T> Chan<T> {
    fn new(capacity: usize) -> Arc<Self> {
        let all_slots = if capacity == 0 {
            Semaphore::MAX_PERMITS
        } else {
            capacity
        };
        Arc::new(Self {
            inner: CacheLine(Mutex::new(Inner {
                items: VecDeque::new(),
                rx_waker: None,
                closed: false,
            })),
            slots: Semaphore::new(all_slots),
            all_slots,
            capacity,
            senders: AtomicUsize::new(1),
            rx_closed: Event::new(),
        })
    }

    fn add_sender(&self) {
        self.senders.fetch_add(1, Relaxed);
    }

    fn drop_sender(&self) {
        // AcqRel: the closing decrement happens after every other sender's
        // last send.
        if self.senders.fetch_sub(1, AcqRel) == 1 {
            let waker = {
                let mut inner = self.inner.lock();
                inner.closed = true;
                inner.rx_waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Pushes a value for which a slot was taken, and wakes the receiver if
    /// it waits.
    fn push(&self, value: T) {
        let waker = {
            let mut inner = self.inner.lock();
            inner.items.push_back(value);
            inner.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// A slot was given back without a value (a send cancelled after one
    /// was assigned to it): the receiver, if it waits for the channel to go
    /// idle, looks again.
    fn poke(&self) {
        let waker = self.inner.lock().rx_waker.take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Closed, and no value on its way (every slot free); the caller holds
    /// the lock and found the buffer empty.
    fn ended(&self, inner: &Inner<T>) -> bool {
        inner.closed && self.slots.available_permits() == self.all_slots
    }

    /// Receiver side: the next value, from the values the receiver already
    /// took out of the buffer (`taken`), else by swapping the whole buffer
    /// into `taken` in one short critical section. Under contention the
    /// receiver so takes the lock once per batch, not once per value. A
    /// value's slot goes back when the value is returned.
    fn poll_recv(&self, taken: &mut VecDeque<T>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        ready!(coop::poll_proceed(cx));
        if taken.is_empty() {
            let mut inner = self.inner.lock();
            if inner.items.is_empty() {
                if self.ended(&inner) {
                    return Poll::Ready(None);
                }
                match &inner.rx_waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => inner.rx_waker = Some(cx.waker().clone()),
                }
                drop(inner);
                coop::refund();
                return Poll::Pending;
            }
            std::mem::swap(taken, &mut inner.items);
        }
        let value = taken.pop_front();
        self.slots.release(1);
        Poll::Ready(value)
    }

    /// Moves up to `limit` values into `buf` and gives their slots back in
    /// one hand-off; returns how many.
    fn take_many(&self, taken: &mut VecDeque<T>, buf: &mut Vec<T>, limit: usize) -> usize {
        let mut n = limit.min(taken.len());
        buf.extend(taken.drain(..n));
        if n < limit {
            let mut inner = self.inner.lock();
            let more = (limit - n).min(inner.items.len());
            buf.extend(inner.items.drain(..more));
            n += more;
        }
        self.slots.release(n);
        n
    }

    fn try_recv(&self, taken: &mut VecDeque<T>) -> Result<T, TryRecvError> {
        if taken.is_empty() {
            let mut inner = self.inner.lock();
            if inner.items.is_empty() {
                return Err(if self.ended(&inner) {
                    TryRecvError::Disconnected
                } else {
                    TryRecvError::Empty
                });
            }
            std::mem::swap(taken, &mut inner.items);
        }
        let value = taken.pop_front().expect("a value was taken");
        self.slots.release(1);
        Ok(value)
    }

    /// The receiver closes: sends fail from now on.
    fn close_rx(&self) {
        self.slots.close();
        self.inner.lock().closed = true;
        self.rx_closed.set();
    }

    /// Takes a slot without waiting and pushes `value`.
    fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.slots.try_take(1) {
            Ok(()) => {
                self.push(value);
                Ok(())
            }
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
        }
    }

    async fn send(&self, value: T) -> Result<(), SendError<T>> {
        // Declared before the slot's `Acquire`, so dropped after it: a send
        // cancelled while waiting (or after a slot was assigned to it, which
        // the `Acquire`'s drop then gives back) pokes the receiver, which
        // may be waiting for the channel to go idle.
        let cancelled = PokeOnDrop(self);
        let got = Acquire::new(&self.slots, 1).await;
        std::mem::forget(cancelled);
        match got {
            Ok(()) => {
                self.push(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }
}

struct PokeOnDrop<'a, T>(&'a Chan<T>);

impl<T> Drop for PokeOnDrop<'_, T> {
    fn drop(&mut self) {
        self.0.poke();
    }
}

/// The sending half of a bounded channel; clone it for more producers.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a bounded channel.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    /// Values moved out of the shared buffer in one batch and not returned
    /// yet (they still hold their slots).
    taken: VecDeque<T>,
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
    /// Cancel safety: yes. If dropped before completing, the value was not sent
    /// (it is dropped with the future) and a buffer slot promised to it goes
    /// to the next waiting sender. Waiting senders are served FIFO.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.send(value).await
    }

    /// Sends `value` if buffer space is free right now.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }

    /// Blocks the current thread until `value` is sent.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        blocking_wait("mpsc::Sender::blocking_send", self.send(value))
    }

    /// Whether the receiver was closed or dropped.
    pub fn is_closed(&self) -> bool {
        self.chan.slots.is_closed()
    }

    /// Waits until the receiver is closed or dropped.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes (waiting takes nothing).
    pub async fn closed(&self) {
        self.chan.rx_closed.wait().await
    }

    /// The buffer capacity given to [`channel`].
    pub fn max_capacity(&self) -> usize {
        self.chan.capacity
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
        self.chan.try_send(value).map_err(|e| match e {
            TrySendError::Closed(v) => SendError(v),
            TrySendError::Full(_) => {
                unreachable!("an unbounded channel has Semaphore::MAX_PERMITS slots")
            }
        })
    }

    /// Whether the receiver was closed or dropped.
    pub fn is_closed(&self) -> bool {
        self.chan.slots.is_closed()
    }

    /// Waits until the receiver is closed or dropped.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes (waiting takes nothing).
    pub async fn closed(&self) {
        self.chan.rx_closed.wait().await
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
    /// Cancel safety: yes. If the future is dropped, no value was taken from the
    /// channel.
    pub async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Poll-style [`recv`](Self::recv), for hand-written futures: `Ready`
    /// with the next value, `Ready(None)` once the channel has ended, else
    /// `Pending` with the waker of `cx` stored (only the most recent one).
    /// The receiver is also a [`Stream`] of its values.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(&mut self.taken, cx)
    }

    /// Receives at least one and at most `limit` values into `buf`, waiting
    /// for the first. Returns how many were added; 0 means the channel is
    /// closed and drained (or `limit` is 0).
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. If dropped, no value was taken.
    pub async fn recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        let Some(first) = self.recv().await else {
            return 0;
        };
        buf.push(first);
        // The slots go back in one hand-off: the senders waiting for room
        // are all served at once, and the rest of the room is free for
        // their next sends (one slot at a time, each woken sender would
        // find the others still queued and queue again behind them).
        1 + self.chan.take_many(&mut self.taken, buf, limit - 1)
    }

    /// Receives a value if one is available right now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv(&mut self.taken)
    }

    /// Blocks the current thread until a value arrives or the channel ends.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        blocking_wait("mpsc::Receiver::blocking_recv", self.recv())
    }

    /// Closes the channel: sends fail from now on, while values already sent
    /// can still be received.
    pub fn close(&mut self) {
        self.chan.close_rx();
    }

    /// Whether the channel is closed (receiver closed or all senders gone).
    pub fn is_closed(&self) -> bool {
        self.chan.inner.lock().closed
    }

    /// The number of values buffered.
    pub fn len(&self) -> usize {
        self.taken.len() + self.chan.inner.lock().items.len()
    }

    /// Whether no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> UnboundedReceiver<T> {
    /// See [`Receiver::recv`].
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. If the future is dropped, no value was taken.
    pub async fn recv(&mut self) -> Option<T> {
        self.inner.recv().await
    }

    /// See [`Receiver::poll_recv`].
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.inner.poll_recv(cx)
    }

    /// See [`Receiver::recv_many`].
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. If dropped, no value was taken.
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

// A receiver never pins the values it holds (they are moved in and out of
// the buffers), so it can be moved while a poll is pending whatever `T` is.
impl<T> Unpin for Receiver<T> {}
impl<T> Unpin for UnboundedReceiver<T> {}

/// The values in the order they were sent; the stream ends when the channel
/// does (see [`Receiver::recv`]).
///
/// ```
/// # runtime_core::time::block_on_with_timer(async {
/// use futures_util::StreamExt;
/// use runtime_core::sync::mpsc;
///
/// let (tx, rx) = mpsc::channel(4);
/// for i in 0..3 {
///     tx.send(i).await.unwrap();
/// }
/// drop(tx);
/// assert_eq!(rx.collect::<Vec<_>>().await, [0, 1, 2]);
/// # });
/// ```
impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), None)
    }
}

/// See the [`Stream` impl of `Receiver`](Receiver#impl-Stream-for-Receiver<T>).
impl<T> Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
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
        self.chan.close_rx();
        // Unreceived values are dropped here, on the receiver's thread,
        // outside the lock.
        let left = std::mem::take(&mut self.chan.inner.lock().items);
        drop(left);
        self.taken.clear();
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.lock();
        f.debug_struct("Chan")
            .field("len", &inner.items.len())
            .field("capacity", &self.capacity)
            .field("closed", &inner.closed)
            .finish()
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Sender")
            .field("chan", &self.chan)
            .finish()
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::UnboundedSender")
            .field("chan", &self.chan)
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Receiver")
            .field("chan", &self.chan)
            .finish()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::UnboundedReceiver")
            .field("chan", &self.inner.chan)
            .finish()
    }
}
