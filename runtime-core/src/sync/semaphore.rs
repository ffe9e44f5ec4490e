//! A fair counting semaphore with an atomic fast path.
//!
//! # Protocol
//!
//! ## State
//!
//! - `state`, one atomic word: `permits << SHIFT | WAITERS | CLOSED`.
//!   `permits` are the free permits; `CLOSED` is set once by `close`;
//!   `WAITERS` mirrors "the wait list is not empty".
//! - `waiters`, one mutex: `total` (permits in circulation: free + held +
//!   promised to waiters, for [`BoundedSemaphore`]), the next `ticket`, and
//!   the wait list: `{ ticket, needed, assigned, waker }` records in a ring
//!   buffer (`queue.rs`). Every waiter gets the next ticket when it
//!   enqueues, so list order is ticket order, and a waiter's record is found
//!   by its ticket.
//! - `finished`, an atomic `u64`, written under the mutex only and read by
//!   waiting futures without it. Until `close`: every waiter whose ticket is
//!   below it has left the list for good (served, or cancelled). `close`
//!   sets it to `FAILED_FROM | t`, where `t` is the first ticket it fails:
//!   from then on every waiter is finished, those below `t` served.
//!
//! ## Invariants
//!
//! 1. `WAITERS` is set if and only if the list is non-empty, at every point
//!    where the mutex is free. Only a holder of the mutex sets or clears it.
//! 2. **While `WAITERS` is set, `permits == 0` and only holders of the mutex
//!    modify the word.** Every permit that becomes free then goes to the
//!    head waiter, which accumulates them in `assigned` until it has all it
//!    asked for: a large `acquire_many` at the head is never overtaken by a
//!    later small request, and nobody barges past a queued waiter.
//! 3. Without `WAITERS`, the word is modified by compare-and-swap from
//!    anywhere (the fast paths, which never touch the mutex) or by
//!    read-modify-writes under the mutex. Every change of the word is a
//!    read-modify-write (never a plain store), so release sequences are
//!    unbroken: whoever takes a permit with an `Acquire` operation
//!    synchronizes with whoever gave it back with a `Release` one (the
//!    `Mutex` and `RwLock` rely on this for their data).
//! 4. Waiters are served in ticket order, so the finished ones form a
//!    prefix: serving the head with ticket `t` (every older waiter already
//!    left) sets `finished = t + 1` with a `Release` store, after removing
//!    its record. A waiter's record leaves the list exactly once, under the
//!    mutex: served (as above), failed by `close` (its partial permits back
//!    in the pool; `finished = FAILED_FROM | first failed ticket`), or
//!    removed by its own future when cancelled while not yet finished. A
//!    future looks its record up (to refresh its waker, or to cancel) only
//!    under the mutex and after checking `finished` there, so the record is
//!    always there.
//!
//! ## Operations
//!
//! - *Fast acquire* (`try_acquire`, the first poll of `acquire`): CAS
//!   `permits -= n` if `CLOSED` and `WAITERS` are clear and `permits >= n`.
//!   `try_acquire` fails otherwise; `acquire` takes the slow path.
//! - *Slow acquire* (mutex held): re-read the word in a CAS loop. Closed:
//!   fail. No `WAITERS` and enough permits: take them (the race with a
//!   release was lost in our favour). Otherwise enqueue: with `WAITERS`
//!   already set, `permits` is 0 and the record starts with nothing; without
//!   it, the record becomes the head and takes every free permit (`permits`
//!   to 0 and `WAITERS` set in the same CAS). Return `Pending`.
//! - *Release* (permit drop): CAS `permits += n` while `WAITERS` is clear.
//!   Seeing `WAITERS`, take the mutex and *hand off*: give the `n` permits to
//!   the head, unlink and serve every waiter that becomes complete; if the
//!   list runs empty, the rest goes back into the word and `WAITERS` is
//!   cleared in one RMW. Wakers are woken after the mutex is released.
//!   `add_permits` is the same hand-off, always under the mutex (it updates
//!   `total`).
//! - *Poll again*: read `finished` (`Acquire`) without the mutex. Above our
//!   ticket: we are done, served (the permits are ours) unless our ticket is
//!   at or above the first failed one (closed). Not yet: take the mutex, re-read
//!   (it may have moved meanwhile) and, still waiting, refresh the waker.
//! - *Cancel* (drop of a waiting future): served but not yet polled (chosen,
//!   then cancelled): release the permits through the normal release path,
//!   so they go to the next waiter. Failed: nothing is held. Not finished:
//!   take the mutex, re-read; if still not finished, remove the record and
//!   hand its `assigned` permits off as a release does (only the head can
//!   hold any), which also clears `WAITERS` if the list ran empty.
//! - *Close* (mutex held): set `CLOSED` (RMW), fail every queued waiter,
//!   returning its partial permits to the pool and clearing `WAITERS`.
//!   Served waiters keep their permits.
//!
//! ## Why no wakeup and no permit is lost
//!
//! A waiter decides to wait and becomes visible (sets `WAITERS`) in one CAS,
//! under the mutex. A fast release is a CAS conditioned on `WAITERS` being
//! clear, so the two are ordered on the word: either the release comes first
//! and the waiter's CAS fails, re-reads and sees the permits; or the waiter
//! comes first and the release's CAS fails, sees `WAITERS` and takes the
//! slow path, which waits for the mutex and hands the permits to the queue.
//! A slow release that finds the list empty (the last waiter left between
//! its look at the word and the mutex) puts the permits back into the word
//! with an RMW, which the fast paths, racing again, see. A waiter is woken
//! only once it is finished, and it reads `finished` before it decides (the
//! `Release`/`Acquire` pair also hands it the permits' happens-before); a
//! cancelled waiter gives back exactly what its record holds,
//! under the mutex, or everything once served. Permits are never in two
//! places: they are in the word, in a record's `assigned`, or held by a
//! guard, and every move between those happens in one RMW or under the
//! mutex with the word untouched by others (invariant 2).
//!
//! The loom models are in `loom-tests/tests/sync_semaphore.rs`.

mod acquire;
mod permit;
mod waiter_ring;

pub(crate) use acquire::Acquire;
pub use permit::{OwnedSemaphorePermit, SemaphorePermit};

use super::cache_line::CacheLine;
use super::error::{AcquireError, TryAcquireError};
use super::waitlist::WakeList;
use crate::loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use std::fmt;
use std::sync::Arc;
use waiter_ring::WaiterRing;

/// The word is closed: acquires fail.
const CLOSED: usize = 1;
/// The wait list is not empty (invariant 1); `permits` is then 0.
const WAITERS: usize = 2;
/// `permits` starts at this bit.
const SHIFT: u32 = 2;

/// In `finished`: closed; the other bits are the first ticket failed.
const FAILED_FROM: u64 = 1 << 63;

/// A fair (FIFO) counting semaphore, like asyncio's `Semaphore`.
///
/// Permits are RAII guards: dropping a [`SemaphorePermit`] gives its permits
/// back; [`SemaphorePermit::forget`] keeps them out of circulation. Waiters
/// are served strictly in arrival order: a large [`acquire_many`] at the head
/// of the queue blocks later small requests until it is satisfied.
///
/// # Example: a crawler with at most three fetches in flight
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::Semaphore;
/// use std::sync::Arc;
///
/// # async fn fetch(_: &str) {}
/// let sem = Arc::new(Semaphore::new(3));
/// let mut tasks = Vec::new();
/// for url in ["a", "b", "c", "d", "e"] {
///     let sem = sem.clone();
///     tasks.push(runtime_core::scheduler::spawn(async move {
///         let _permit = sem.acquire().await.unwrap(); // `async with semaphore:`
///         fetch(url).await;
///     }));                                             // permit released here
/// }
/// for t in tasks {
///     t.await.unwrap();
/// }
/// # });
/// ```
///
/// [`acquire_many`]: Semaphore::acquire_many
#[repr(C)]
pub struct Semaphore {
    // Three cache lines, so that under contention a thread reading one of
    // them does not take away a line that another thread is writing: the
    // permit word is read by every fast path (and mostly only read once
    // waiters queue up); `finished` is written on every hand-off and read
    // by every woken waiter; the mutex line is written by its holder, whose
    // unlock would stall on getting the line back.
    state: CacheLine<AtomicUsize>,
    finished: CacheLine<AtomicU64>,
    waiters: CacheLine<Mutex<Waiters>>,
}

struct Waiters {
    total: usize,
    next_ticket: u64,
    list: WaiterRing,
}

impl Semaphore {
    /// The largest number of permits a semaphore can hold.
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// Creates a semaphore with `permits` free permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    pub fn new(permits: usize) -> Self {
        assert!(
            permits <= Self::MAX_PERMITS,
            "Semaphore::new({permits}): at most Semaphore::MAX_PERMITS ({}) permits are supported",
            Self::MAX_PERMITS
        );
        Self {
            state: CacheLine(AtomicUsize::new(permits << SHIFT)),
            finished: CacheLine(AtomicU64::new(0)),
            waiters: CacheLine(Mutex::new(Waiters {
                total: permits,
                next_ticket: 0,
                list: WaiterRing::new(),
            })),
        }
    }

    /// The number of free permits (permits already promised to a queued
    /// waiter are not free).
    pub fn available_permits(&self) -> usize {
        self.state.load(Acquire) >> SHIFT
    }

    /// Adds `n` permits, waking queued waiters in FIFO order.
    ///
    /// # Panics
    ///
    /// If the semaphore would hold more than [`Semaphore::MAX_PERMITS`].
    pub fn add_permits(&self, n: usize) {
        let mut wakers = WakeList::new();
        let mut w = self.waiters.lock();
        assert!(
            w.total.saturating_add(n) <= Self::MAX_PERMITS,
            "Semaphore::add_permits({n}) would exceed Semaphore::MAX_PERMITS ({})",
            Self::MAX_PERMITS
        );
        w.total += n;
        self.hand_off(&mut w, n, &mut wakers);
        drop(w);
        wakers.wake_all();
    }

    /// Adds `n` permits only if the permits in circulation (free, held, or
    /// promised to waiters; forgotten ones excluded) stay `<= bound`.
    pub(crate) fn add_permits_bounded(&self, n: usize, bound: usize) -> bool {
        let mut wakers = WakeList::new();
        let mut w = self.waiters.lock();
        if w.total.saturating_add(n) > bound {
            return false;
        }
        w.total += n;
        self.hand_off(&mut w, n, &mut wakers);
        drop(w);
        wakers.wake_all();
        true
    }

    /// Gives back permits taken by a guard (not new permits): a CAS while
    /// nobody waits, else the hand-off under the mutex.
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut cur = self.state.load(Relaxed);
        while cur & WAITERS == 0 {
            match self
                .state
                .compare_exchange_weak(cur, cur + (n << SHIFT), Release, Relaxed)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        let mut wakers = WakeList::new();
        let mut w = self.waiters.lock();
        self.hand_off(&mut w, n, &mut wakers);
        drop(w);
        wakers.wake_all();
    }

    /// With the mutex held: gives `n` free permits to the queue head, in
    /// order, serving every waiter that becomes complete; if the list runs
    /// empty, the rest goes back into the word and `WAITERS` is cleared.
    fn hand_off(&self, w: &mut Waiters, mut n: usize, wakers: &mut WakeList) {
        let mut finished = None;
        while n > 0 {
            let Some(head) = w.list.front() else { break };
            let take = n.min(head.needed - head.assigned);
            head.assigned += take;
            n -= take;
            if head.assigned < head.needed {
                break;
            }
            let served = w.list.pop_front();
            wakers.push(served.waker);
            finished = Some(served.ticket + 1);
        }
        if let Some(finished) = finished {
            // The served waiters may now read their outcome without the
            // mutex: their records are gone.
            self.finished.store(finished, Release);
        }
        if w.list.is_empty() {
            self.refill(n);
        } else {
            debug_assert_eq!(n, 0, "permits left over while waiters are queued");
        }
    }

    /// With the mutex held and the list empty: clears `WAITERS` and adds `n`
    /// free permits, in one RMW (the fast paths may race with it once
    /// `WAITERS` is clear, so it is a CAS loop, not a store).
    fn refill(&self, n: usize) {
        let mut cur = self.state.load(Relaxed);
        loop {
            let new = (cur & !WAITERS) + (n << SHIFT);
            if new == cur {
                return;
            }
            match self.state.compare_exchange_weak(cur, new, AcqRel, Relaxed) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Whether the waiter holding `ticket` has left the list for good, and
    /// if so, whether it was served (`Some(true)`) or failed by `close`.
    fn outcome(&self, ticket: u64) -> Option<bool> {
        let finished = self.finished.load(Acquire);
        if finished & FAILED_FROM != 0 {
            Some(ticket < finished & !FAILED_FROM)
        } else if ticket < finished {
            Some(true)
        } else {
            None
        }
    }

    /// Takes `n` permits out of circulation for good.
    fn forget_permits(&self, n: usize) {
        if n > 0 {
            self.waiters.lock().total -= n;
        }
    }

    /// Closes the semaphore: queued and future `acquire`s fail with
    /// [`AcquireError`]; permits already granted stay valid and may still be
    /// released.
    pub fn close(&self) {
        let mut wakers = WakeList::new();
        let mut w = self.waiters.lock();
        if self.state.fetch_or(CLOSED, AcqRel) & CLOSED != 0 {
            return;
        }
        // Every ticket handed out from here on is failed; the waiters queued
        // now are failed below, and no waiter enqueues once `CLOSED` is set.
        let next_ticket = w.next_ticket;
        let first_failed = w.list.front().map_or(next_ticket, |head| head.ticket);
        let mut returned = 0;
        while w.list.front().is_some() {
            let failed = w.list.pop_front();
            returned += failed.assigned;
            wakers.push(failed.waker);
        }
        self.finished.store(FAILED_FROM | first_failed, Release);
        self.refill(returned);
        drop(w);
        wakers.wake_all();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.load(Acquire) & CLOSED != 0
    }

    /// Waits for one permit.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, and fair. Dropping the future leaves the queue; permits
    /// already assigned to it are passed on to the next waiter.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many(1).await
    }

    /// Waits for `n` permits, taken all at once (it holds its place at the
    /// head of the queue while permits accumulate for it).
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`acquire`](Self::acquire).
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`Semaphore::MAX_PERMITS`] (it could never succeed).
    pub async fn acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, AcquireError> {
        Acquire::new(self, n).await?;
        Ok(SemaphorePermit::new(self, n))
    }

    /// Takes one permit if one is free and nobody is queued.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is queued.
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_take(n)?;
        Ok(SemaphorePermit::new(self, n))
    }

    /// Takes `n` permits without wrapping them in a guard: the fast path, a
    /// CAS on the word that never touches the mutex.
    pub(crate) fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut cur = self.state.load(Relaxed);
        loop {
            if cur & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if n == 0 {
                return Ok(());
            }
            if cur & WAITERS != 0 || n > Self::MAX_PERMITS || cur >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self
                .state
                .compare_exchange_weak(cur, cur - (n << SHIFT), Acquire, Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
    }

    /// [`acquire`](Self::acquire) returning a permit that owns an `Arc` of
    /// the semaphore, so it can move into a spawned task.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`acquire`](Self::acquire).
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// [`acquire_many`](Self::acquire_many) returning an owned permit.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`acquire`](Self::acquire).
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        Acquire::new(&self, n).await?;
        Ok(OwnedSemaphorePermit::new(self, n))
    }

    /// [`try_acquire`](Self::try_acquire) returning an owned permit.
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// [`try_acquire_many`](Self::try_acquire_many) returning an owned permit.
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_take(n)?;
        Ok(OwnedSemaphorePermit::new(self, n))
    }
}

impl Default for Semaphore {
    /// A semaphore with no permits.
    fn default() -> Self {
        Self::new(0)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let queued = self.waiters.lock().list.len();
        let state = self.state.load(Acquire);
        f.debug_struct("Semaphore")
            .field("available_permits", &(state >> SHIFT))
            .field("queued", &queued)
            .field("closed", &(state & CLOSED != 0))
            .finish()
    }
}
