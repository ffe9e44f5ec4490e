//! A multi-producer, multi-consumer broadcast channel: every receiver gets
//! every value sent after it subscribed, as long as it keeps up.
//!
//! # Protocol
//!
//! State (one mutex): a ring of `capacity` slots, `tail` (the position the
//! next value gets; positions only grow), the numbers of senders and
//! receivers, `closed` (the last sender is gone), and two wait lists:
//! receivers waiting for a value, and `Sender::closed` callers waiting for
//! the last receiver to go.
//!
//! - **A slot** holds its position, the value (behind an `Arc`, so that the
//!   value is cloned *outside* the lock: a clone is user code), and `rem`,
//!   the number of receivers that have not taken it yet.
//! - **send**: under the lock, refuse if there is no receiver (the value is
//!   handed back); else write the value at `tail % capacity` (replacing the
//!   oldest, which is dropped after the lock is released), set `rem` to the
//!   receiver count, advance `tail`, and unlink every waiting receiver. The
//!   wakers are woken after the lock is released. A send never waits.
//! - **A receiver** is a position `next`. The values still kept are those
//!   from `oldest = tail - capacity` (0 while fewer were sent) to `tail`.
//!   `recv`, under the lock: if `next < oldest` the receiver *lagged*: it
//!   learns how many it missed (`oldest - next`) and moves to `oldest`; if
//!   `next < tail` it takes slot `next` (decrementing its `rem`; the last
//!   receiver to take a value moves it out of the slot, so the value is
//!   dropped, or handed over without a clone, once everyone has it); if the
//!   channel is closed, it ends; otherwise it queues its waker in the same
//!   critical section. A send either came before that look or finds the
//!   waker: no lost wakeup. The value is cloned from its `Arc` after the
//!   lock is released.
//! - **A new receiver** (`subscribe`, `resubscribe`) starts at `tail`: it
//!   sees only later values, and is not counted in older slots' `rem`.
//! - **Dropping a receiver** gives up its claim on every kept value it had
//!   not taken (their `rem` goes down, the last claim drops the value), and
//!   wakes the `Sender::closed` waiters if it was the last receiver.
//! - **Dropping the last sender** sets `closed` and wakes every waiting
//!   receiver; receivers drain what is kept, then get `Closed`.
//!   The counts, `closed`, both wait lists and these two drop rules are
//!   shared with the other channel of this shape (`ends.rs`).
//!
//! `recv` is cancel safe: the position lives in the `Receiver`, and a `recv`
//! future dropped before it completes took nothing (it only leaves the wait
//! list). The loom models are in `loom-tests/tests/sync_broadcast.rs`.

pub use super::error::BroadcastRecvError as RecvError;
pub use super::error::BroadcastTryRecvError as TryRecvError;
pub use super::error::SendError;

use super::ends::{requeue, Ends};
use super::waitlist::WakeList;
use crate::coop;
use crate::loom::sync::{Arc, Mutex};
use crate::scheduler::park::blocking_wait;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Creates a broadcast channel that keeps the last `capacity` values for
/// receivers that have not taken them yet. A receiver that falls more than
/// `capacity` values behind gets [`RecvError::Lagged`] (how many it missed)
/// and goes on from the oldest value kept. Values are `Clone`: each receiver
/// gets its own copy (the last one to take a value gets the original).
///
/// # Panics
///
/// If `capacity` is 0.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::Runtime::new().unwrap().block_on(async {
/// use runtime_core::sync::broadcast;
///
/// let (tx, mut rx1) = broadcast::channel(16);
/// let mut rx2 = tx.subscribe();
/// let listener = runtime_core::scheduler::spawn(async move {
///     let mut got = Vec::new();
///     while let Ok(v) = rx2.recv().await {
///         got.push(v);
///     }
///     got // `Err(Closed)` once every sender is gone
/// });
/// assert_eq!(tx.send("a").unwrap(), 2, "two receivers will see it");
/// tx.send("b").unwrap();
/// drop(tx);
/// assert_eq!(rx1.recv().await, Ok("a"));
/// assert_eq!(listener.await.unwrap(), ["a", "b"]);
///
/// // A slow receiver learns how many values it missed.
/// let (tx, mut rx) = broadcast::channel(2);
/// for i in 0..5 {
///     tx.send(i).unwrap();
/// }
/// assert_eq!(rx.recv().await, Err(broadcast::RecvError::Lagged(3)));
/// assert_eq!(rx.recv().await, Ok(3));
/// # });
/// ```
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "broadcast::channel(0): a broadcast channel needs a capacity of at least 1 \
         (the number of values kept for receivers that have not taken them yet)"
    );
    let slots = (0..capacity)
        .map(|_| Slot {
            pos: 0,
            rem: 0,
            value: None,
        })
        .collect();
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            slots,
            tail: 0,
            ends: Ends::new(),
        }),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, next: 0 },
    )
}

struct Shared<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    slots: Box<[Slot<T>]>,
    /// The position of the next value sent.
    tail: u64,
    ends: Ends,
}

struct Slot<T> {
    pos: u64,
    /// Receivers that have not taken this value yet.
    rem: usize,
    value: Option<Arc<T>>,
}

impl<T> State<T> {
    fn capacity(&self) -> u64 {
        self.slots.len() as u64
    }

    /// The position of the oldest value kept.
    fn oldest(&self) -> u64 {
        self.tail.saturating_sub(self.capacity())
    }

    fn slot(&mut self, pos: u64) -> &mut Slot<T> {
        let index = (pos % self.capacity()) as usize;
        &mut self.slots[index]
    }

    /// Takes what a receiver at `next` is owed, if anything: a value, how
    /// many it missed, or the end of the channel. `None`: wait.
    fn take(&mut self, next: &mut u64) -> Option<Result<Arc<T>, TryRecvError>> {
        let oldest = self.oldest();
        if *next < oldest {
            let missed = oldest - *next;
            *next = oldest;
            return Some(Err(TryRecvError::Lagged(missed)));
        }
        if *next < self.tail {
            let pos = *next;
            *next += 1;
            let slot = self.slot(pos);
            debug_assert_eq!(slot.pos, pos, "the slot holds the value at this position");
            slot.rem -= 1;
            let value = if slot.rem == 0 {
                slot.value.take()
            } else {
                slot.value.clone()
            };
            return Some(Ok(value.expect("a kept value is in its slot")));
        }
        if self.ends.closed {
            return Some(Err(TryRecvError::Closed));
        }
        None
    }

    /// A receiver at `next` goes away: its claims on the kept values it
    /// did not take are given up. Returns the values nobody else wants.
    fn release(&mut self, next: u64) -> Vec<Arc<T>> {
        let mut unwanted = Vec::new();
        for pos in next.max(self.oldest())..self.tail {
            let slot = self.slot(pos);
            slot.rem -= 1;
            if slot.rem == 0 {
                unwanted.extend(slot.value.take());
            }
        }
        unwanted
    }
}

/// The value behind a slot's `Arc`: moved out if this was the last
/// reference, cloned otherwise (outside the lock).
fn into_value<T: Clone>(value: Arc<T>) -> T {
    Arc::try_unwrap(value).unwrap_or_else(|shared| T::clone(&shared))
}

/// The sending half of a broadcast channel; clone it for more producers.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A receiving half of a broadcast channel. More receivers come from
/// [`Sender::subscribe`] and [`Receiver::resubscribe`]; each starts with
/// the values sent after it was made.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position of the next value this receiver takes.
    next: u64,
}

impl<T> Sender<T> {
    /// Sends `value` to every current receiver and returns how many there
    /// are. Never waits: when the channel is full, the oldest value is
    /// overwritten (receivers that had not taken it get
    /// [`RecvError::Lagged`]). Fails, handing the value back, when there is
    /// no receiver.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let value = Arc::new(value);
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        let receivers = st.ends.receivers;
        if receivers == 0 {
            drop(st);
            let value = Arc::try_unwrap(value)
                .unwrap_or_else(|_| unreachable!("the value was never shared"));
            return Err(SendError(value));
        }
        let pos = st.tail;
        let slot = st.slot(pos);
        slot.pos = pos;
        slot.rem = receivers;
        let overwritten = slot.value.replace(value);
        st.tail += 1;
        st.ends.rx_waiters.unlink_all(&mut wakers, |_| {});
        drop(st);
        drop(overwritten);
        wakers.wake_all();
        Ok(receivers)
    }

    /// A new receiver that gets every value sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        let mut st = self.shared.state.lock();
        st.ends.receiver_cloned();
        Receiver {
            shared: self.shared.clone(),
            next: st.tail,
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
    /// Cancel safety: yes. Waiting takes nothing; a dropped `closed()`
    /// only leaves the wait list.
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

impl<T: Clone> Receiver<T> {
    /// Receives the next value sent to this receiver, waiting for one.
    ///
    /// Returns [`RecvError::Lagged(n)`](RecvError::Lagged) if `n` values were
    /// overwritten before this receiver took them (the next call returns the
    /// oldest value kept), and [`RecvError::Closed`] once every sender is
    /// gone and every value has been received.
    ///
    /// Cancel safety: yes. The receiver's position changes only when a value
    /// (or a lag) is returned; a dropped `recv` loses nothing.
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            receiver: self,
            key: None,
        }
    }

    /// Receives a value if one is waiting for this receiver right now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let taken = self.shared.state.lock().take(&mut self.next);
        match taken {
            Some(Ok(value)) => Ok(into_value(value)),
            Some(Err(e)) => Err(e),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Blocks the current thread until a value arrives (or the channel
    /// ends, or this receiver lagged).
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        blocking_wait("broadcast::Receiver::blocking_recv", self.recv())
    }
}

impl<T> Receiver<T> {
    /// A new receiver of the same channel, starting with the values sent
    /// from now on (not where this one is).
    pub fn resubscribe(&self) -> Receiver<T> {
        let mut st = self.shared.state.lock();
        st.ends.receiver_cloned();
        Receiver {
            shared: self.shared.clone(),
            next: st.tail,
        }
    }

    /// Values kept for this receiver and not taken yet (at most the
    /// capacity; a lagged receiver counts from the oldest value kept).
    pub fn len(&self) -> usize {
        let st = self.shared.state.lock();
        (st.tail - self.next.max(st.oldest())) as usize
    }

    /// Whether no value is waiting for this receiver.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every sender is gone (values kept may still be received).
    pub fn is_closed(&self) -> bool {
        self.shared.state.lock().ends.closed
    }

    /// Whether both receivers receive from the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// The future of [`Receiver::recv`].
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    /// This waiter's node in `rx_waiters`, while queued.
    key: Option<usize>,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let mut st = this.receiver.shared.state.lock();
        if let Some(taken) = st.take(&mut this.receiver.next) {
            if let Some(key) = this.key.take() {
                st.ends.rx_waiters.remove(key);
            }
            drop(st);
            return Poll::Ready(match taken {
                Ok(value) => Ok(into_value(value)),
                Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
                Err(_) => Err(RecvError::Closed),
            });
        }
        requeue(&mut st.ends.rx_waiters, &mut this.key, cx);
        drop(st);
        coop::refund();
        Poll::Pending
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.receiver
                .shared
                .state
                .lock()
                .ends
                .rx_waiters
                .remove(key);
        }
    }
}

/// The future of [`Sender::closed`].
#[must_use = "futures do nothing unless polled"]
pub struct Closed<'a, T> {
    shared: &'a Arc<Shared<T>>,
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

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        let unwanted = st.release(self.next);
        st.ends.receiver_dropped(&mut wakers);
        drop(st);
        drop(unwanted);
        wakers.wake_all();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.state.lock();
        f.debug_struct("broadcast::Sender")
            .field("capacity", &st.capacity())
            .field("receivers", &st.ends.receivers)
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Recv").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Closed").finish_non_exhaustive()
    }
}
