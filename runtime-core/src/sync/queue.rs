//! asyncio's `Queue`, `LifoQueue` and `PriorityQueue`: one implementation,
//! generic over the item order ([`QueueOrder`]).
//!
//! # Waiter protocol
//!
//! State (one mutex): the items, `closed`, `unfinished` (items put and not
//! yet `task_done`), three wait lists (getters, putters, joiners) and two
//! reservation counts.
//!
//! Getters and putters are served FIFO by **reservation**. When an item
//! arrives and a getter is queued, the head getter is unlinked and given a
//! reservation (`get_reserved += 1`); the item stays in the store until the
//! getter runs and pops. `try_get` and new `get`s may only take *unreserved*
//! items (`len > get_reserved`), so nobody overtakes a chosen getter, and
//! the invariant is: *while getters are queued, every item is reserved*.
//! Putters mirror this with free slots (`put_reserved`) in a bounded queue:
//! *while putters are queued, every free slot is reserved*.
//!
//! - A waiter is woken (after the lock is released) only when its
//!   reservation exists, so its next poll always succeeds.
//! - A getter dropped while reserved gives the reservation back and the
//!   next queued getter is reserved instead; a putter likewise passes its
//!   slot on. So a cancelled waiter that was already chosen passes its turn
//!   on, and no item or slot is lost. A cancelled `put` drops its value,
//!   which was never in the queue.
//! - `close` unlinks every queued getter and putter marked `Closed` and
//!   wakes them: putters fail (handing the value back), getters take an
//!   unreserved item if one is left, else fail. Reserved getters still get
//!   their item (the queue drains); reserved putters fail.
//! - `task_done` decrements `unfinished`; reaching zero unlinks and wakes
//!   every joiner. A joiner whose node was unlinked returns even if new
//!   items were put since.
//!
//! Every "must I wait?" check and the enqueue that follows happen in one
//! critical section, and every state change that can satisfy a waiter
//! (put, get, task_done, close) chooses waiters in the same critical
//! section, so no wakeup is lost.

use super::error::{Closed, TaskDoneError, TryGetError, TryPutError};
use super::queue_order::{Fifo, Lifo, Priority, QueueOrder};
use super::waitlist::{WaitList, WakeList};
use crate::coop;
use crate::loom::sync::{Arc, Mutex};
use crate::scheduler::park::blocking_wait;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A FIFO queue for tasks, like asyncio's `Queue`; see [`GenericQueue`] for
/// the methods.
///
/// # Example: producer and consumers with `task_done` / `join`
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::Queue;
///
/// let queue = Queue::new(3); // maxsize 3: `put` waits while 3 items are queued
/// let consumers: Vec<_> = (0..2)
///     .map(|_| {
///         let queue = queue.clone();
///         runtime_core::scheduler::spawn(async move {
///             while let Ok(item) = queue.get().await {
///                 println!("processed {item}");
///                 queue.task_done().unwrap();
///             }
///         })
///     })
///     .collect();
/// for i in 0..5 {
///     queue.put(format!("item-{i}")).await.unwrap();
/// }
/// queue.join().await; // every item has been marked done
/// for c in consumers {
///     c.cancel(); // like asyncio: the consumers loop forever otherwise
/// }
/// # });
/// ```
pub type Queue<T> = GenericQueue<T, Fifo<T>>;

/// A last-in-first-out queue, like asyncio's `LifoQueue`; see
/// [`GenericQueue`] for the methods.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::LifoQueue;
///
/// let stack = LifoQueue::new(0);
/// for i in 1..=3 {
///     stack.put(i).await.unwrap();
/// }
/// assert_eq!(stack.get().await.unwrap(), 3);
/// # });
/// ```
pub type LifoQueue<T> = GenericQueue<T, Lifo<T>>;

/// A smallest-first queue, like asyncio's `PriorityQueue` (`T: Ord`; put
/// `(priority, item)` tuples); see [`GenericQueue`] for the methods.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::PriorityQueue;
///
/// let jobs = PriorityQueue::new(0);
/// jobs.put((2, "later")).await.unwrap();
/// jobs.put((1, "first")).await.unwrap();
/// assert_eq!(jobs.get().await.unwrap(), (1, "first"));
/// # });
/// ```
pub type PriorityQueue<T> = GenericQueue<T, Priority<T>>;

/// The queue behind [`Queue`], [`LifoQueue`] and [`PriorityQueue`]:
/// multi-producer, multi-consumer, optionally bounded, with asyncio's
/// `task_done` / `join` accounting and a `close` for shutdown. Cloning it
/// yields another handle to the same queue.
///
/// Waiting `get`s and `put`s are served in FIFO order and are cancel safe.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::Queue;
///
/// let q = Queue::new(1);
/// q.put(1).await.unwrap();
/// assert!(q.try_put(2).is_err()); // full
/// q.close();
/// assert!(q.put(3).await.is_err()); // closed: puts fail...
/// assert_eq!(q.get().await, Ok(1)); // ...gets drain what is left...
/// assert!(q.get().await.is_err()); // ...then fail
/// # });
/// ```
pub struct GenericQueue<T, O: QueueOrder<T>> {
    shared: Arc<Shared<T, O>>,
}

struct Shared<T, O> {
    maxsize: usize,
    state: Mutex<State<T, O>>,
}

struct State<T, O> {
    items: O,
    closed: bool,
    unfinished: usize,
    get_reserved: usize,
    put_reserved: usize,
    getters: WaitList<Turn>,
    putters: WaitList<Turn>,
    joiners: WaitList<()>,
    _item: std::marker::PhantomData<fn() -> T>,
}

/// Why a getter or putter node was unlinked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Turn {
    Waiting,
    Reserved,
    Closed,
}

impl<T, O: QueueOrder<T>> State<T, O> {
    fn can_take(&self) -> bool {
        self.items.len() > self.get_reserved
    }

    fn has_room(&self, maxsize: usize) -> bool {
        maxsize == 0 || self.items.len() + self.put_reserved < maxsize
    }

    /// Stores an item and reserves it for the head getter, if any.
    fn push_item(&mut self, item: T, wakers: &mut WakeList) {
        self.items.push(item);
        // Saturating: a queue used only with get/put never calls task_done.
        self.unfinished = self.unfinished.saturating_add(1);
        self.reserve_for_getters(wakers);
    }

    fn reserve_for_getters(&mut self, wakers: &mut WakeList) {
        while self.can_take() {
            let Some(key) = self.getters.front() else {
                break;
            };
            *self.getters.get_mut(key) = Turn::Reserved;
            self.get_reserved += 1;
            wakers.push(self.getters.unlink(key));
        }
    }

    /// Takes an item (the caller checked `can_take` or holds a reservation)
    /// and reserves the freed slot for the head putter, if any.
    fn pop_item(&mut self, maxsize: usize, wakers: &mut WakeList) -> Option<T> {
        let item = self.items.pop()?;
        self.reserve_for_putters(maxsize, wakers);
        Some(item)
    }

    fn reserve_for_putters(&mut self, maxsize: usize, wakers: &mut WakeList) {
        while self.has_room(maxsize) {
            let Some(key) = self.putters.front() else {
                break;
            };
            *self.putters.get_mut(key) = Turn::Reserved;
            self.put_reserved += 1;
            wakers.push(self.putters.unlink(key));
        }
    }
}

impl<T, O: QueueOrder<T>> GenericQueue<T, O> {
    /// Creates a queue holding at most `maxsize` items; `0` means unbounded.
    pub fn new(maxsize: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                maxsize,
                state: Mutex::new(State {
                    items: O::new(),
                    closed: false,
                    unfinished: 0,
                    get_reserved: 0,
                    put_reserved: 0,
                    getters: WaitList::new(),
                    putters: WaitList::new(),
                    joiners: WaitList::new(),
                    _item: std::marker::PhantomData,
                }),
            }),
        }
    }

    /// The capacity given to [`new`](Self::new) (`0`: unbounded).
    pub fn maxsize(&self) -> usize {
        self.shared.maxsize
    }

    /// The number of items in the queue (asyncio's `qsize()`), including
    /// items already promised to a woken `get` that has not run yet.
    pub fn len(&self) -> usize {
        self.shared.state.lock().items.len()
    }

    /// Whether the queue holds no item.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue holds `maxsize` items (never for an unbounded
    /// queue). `try_put` can also fail while free slots are promised to
    /// woken `put`s that have not run yet.
    pub fn is_full(&self) -> bool {
        let maxsize = self.shared.maxsize;
        maxsize > 0 && self.len() >= maxsize
    }

    /// Closes the queue: every pending and future `put` fails with
    /// [`Closed`] (handing the value back); `get` keeps returning the items
    /// left, then fails with [`Closed`]. `join` is unaffected.
    pub fn close(&self) {
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        if !st.closed {
            st.closed = true;
            st.getters.unlink_all(&mut wakers, |t| *t = Turn::Closed);
            st.putters.unlink_all(&mut wakers, |t| *t = Turn::Closed);
        }
        drop(st);
        wakers.wake_all();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.shared.state.lock().closed
    }

    /// Puts `item` into the queue, waiting for a free slot if it is full.
    ///
    /// Fails with [`Closed`], handing `item` back, if the queue is closed
    /// before the item could be put.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. If the future is dropped before it completes, the item
    /// was not put (it is dropped with the future), and a free slot already
    /// promised to it goes to the next waiting `put`.
    pub fn put(&self, item: T) -> impl Future<Output = Result<(), Closed<T>>> + '_ {
        Put {
            shared: &self.shared,
            item: Some(item),
            key: None,
        }
    }

    /// Takes the next item, waiting for one if the queue is empty.
    ///
    /// Fails with [`Closed`] once the queue is closed and empty.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. A dropped `get` has taken no item; if an item was
    /// already promised to it, the promise passes to the next waiting `get`
    /// (or back to the queue).
    pub fn get(&self) -> impl Future<Output = Result<T, Closed>> + '_ {
        Get {
            shared: &self.shared,
            key: None,
        }
    }

    /// Puts `item` if a slot is free right now.
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        if st.closed {
            return Err(TryPutError::Closed(item));
        }
        if !st.has_room(self.shared.maxsize) {
            return Err(TryPutError::Full(item));
        }
        st.push_item(item, &mut wakers);
        drop(st);
        wakers.wake_all();
        Ok(())
    }

    /// Takes an item if one is available right now.
    pub fn try_get(&self) -> Result<T, TryGetError> {
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        if st.can_take() {
            let item = st.pop_item(self.shared.maxsize, &mut wakers);
            drop(st);
            wakers.wake_all();
            return item.ok_or(TryGetError::Empty);
        }
        Err(if st.closed {
            TryGetError::Closed
        } else {
            TryGetError::Empty
        })
    }

    /// Marks one item taken with `get` as processed (asyncio's
    /// `task_done()`). When every item ever put has been marked, `join`
    /// returns.
    ///
    /// Calling it more times than items were put returns
    /// [`TaskDoneError`] and changes nothing.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        if st.unfinished == 0 {
            return Err(TaskDoneError);
        }
        st.unfinished -= 1;
        if st.unfinished == 0 {
            st.joiners.unlink_all(&mut wakers, |_| {});
        }
        drop(st);
        wakers.wake_all();
        Ok(())
    }

    /// Waits until every item put into the queue has been marked with
    /// [`task_done`](Self::task_done) (returns at once if none is
    /// outstanding).
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. Dropping it just stops waiting.
    pub fn join(&self) -> impl Future<Output = ()> + '_ {
        Join {
            shared: &self.shared,
            key: None,
        }
    }

    /// Blocks the current thread until `item` is put (see [`put`](Self::put)).
    #[track_caller]
    pub fn blocking_put(&self, item: T) -> Result<(), Closed<T>> {
        blocking_wait("Queue::blocking_put", self.put(item))
    }

    /// Blocks the current thread until an item is taken (see
    /// [`get`](Self::get)).
    #[track_caller]
    pub fn blocking_get(&self) -> Result<T, Closed> {
        blocking_wait("Queue::blocking_get", self.get())
    }
}

impl<T, O: QueueOrder<T>> Clone for GenericQueue<T, O> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T, O: QueueOrder<T>> fmt::Debug for GenericQueue<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.state.lock();
        f.debug_struct("Queue")
            .field("len", &st.items.len())
            .field("maxsize", &self.shared.maxsize)
            .field("unfinished", &st.unfinished)
            .field("closed", &st.closed)
            .field("getters", &st.getters.len())
            .field("putters", &st.putters.len())
            .finish()
    }
}

struct Get<'a, T, O: QueueOrder<T>> {
    shared: &'a Shared<T, O>,
    key: Option<usize>,
}

impl<T, O: QueueOrder<T>> Future for Get<'_, T, O> {
    type Output = Result<T, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let maxsize = this.shared.maxsize;
        let mut wakers = WakeList::new();
        let mut st = this.shared.state.lock();
        let out = match this.key {
            None if st.can_take() => {
                Poll::Ready(st.pop_item(maxsize, &mut wakers).ok_or(Closed(())))
            }
            None if st.closed => Poll::Ready(Err(Closed(()))),
            None => {
                this.key = Some(st.getters.push_back(Turn::Waiting, Some(cx.waker())));
                Poll::Pending
            }
            Some(key) if st.getters.is_linked(key) => {
                st.getters.set_waker(key, cx.waker());
                Poll::Pending
            }
            Some(key) => {
                this.key = None;
                if st.getters.remove(key) == Turn::Reserved {
                    st.get_reserved -= 1;
                    let item = st.pop_item(maxsize, &mut wakers);
                    debug_assert!(item.is_some(), "a reserved item is always there");
                    Poll::Ready(item.ok_or(Closed(())))
                } else if st.can_take() {
                    Poll::Ready(st.pop_item(maxsize, &mut wakers).ok_or(Closed(())))
                } else {
                    Poll::Ready(Err(Closed(())))
                }
            }
        };
        drop(st);
        wakers.wake_all();
        if out.is_pending() {
            coop::refund();
        }
        out
    }
}

impl<T, O: QueueOrder<T>> Drop for Get<'_, T, O> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        if st.getters.remove(key) == Turn::Reserved {
            st.get_reserved -= 1;
            // Pass the turn on to the next getter, if the item is still there.
            st.reserve_for_getters(&mut wakers);
        }
        drop(st);
        wakers.wake_all();
    }
}

struct Put<'a, T, O: QueueOrder<T>> {
    shared: &'a Shared<T, O>,
    item: Option<T>,
    key: Option<usize>,
}

// The item is never pinned: it is only moved in and out by value.
impl<T, O: QueueOrder<T>> Unpin for Put<'_, T, O> {}

impl<T, O: QueueOrder<T>> Future for Put<'_, T, O> {
    type Output = Result<(), Closed<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let maxsize = this.shared.maxsize;
        let mut wakers = WakeList::new();
        let mut st = this.shared.state.lock();
        let admitted = match this.key {
            None if st.closed => false,
            None if st.has_room(maxsize) => true,
            None => {
                this.key = Some(st.putters.push_back(Turn::Waiting, Some(cx.waker())));
                drop(st);
                coop::refund();
                return Poll::Pending;
            }
            Some(key) if st.putters.is_linked(key) => {
                st.putters.set_waker(key, cx.waker());
                drop(st);
                coop::refund();
                return Poll::Pending;
            }
            Some(key) => {
                this.key = None;
                if st.putters.remove(key) == Turn::Reserved {
                    st.put_reserved -= 1;
                }
                !st.closed
            }
        };
        let item = this.item.take().expect("Put polled after completion");
        if !admitted {
            return Poll::Ready(Err(Closed(item)));
        }
        st.push_item(item, &mut wakers);
        drop(st);
        wakers.wake_all();
        Poll::Ready(Ok(()))
    }
}

impl<T, O: QueueOrder<T>> Drop for Put<'_, T, O> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wakers = WakeList::new();
        let mut st = self.shared.state.lock();
        if st.putters.remove(key) == Turn::Reserved {
            st.put_reserved -= 1;
            st.reserve_for_putters(self.shared.maxsize, &mut wakers);
        }
        drop(st);
        wakers.wake_all();
        // `self.item` is dropped after this, outside the lock.
    }
}

struct Join<'a, T, O> {
    shared: &'a Shared<T, O>,
    key: Option<usize>,
}

impl<T, O> Future for Join<'_, T, O> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let mut st = this.shared.state.lock();
        match this.key {
            None if st.unfinished == 0 => return Poll::Ready(()),
            None => this.key = Some(st.joiners.push_back((), Some(cx.waker()))),
            Some(key) if st.joiners.is_linked(key) => st.joiners.set_waker(key, cx.waker()),
            Some(key) => {
                st.joiners.remove(key);
                this.key = None;
                return Poll::Ready(());
            }
        }
        drop(st);
        coop::refund();
        Poll::Pending
    }
}

impl<T, O> Drop for Join<'_, T, O> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.state.lock().joiners.remove(key);
        }
    }
}
