//! A fair counting semaphore.
//!
//! # Waiter protocol
//!
//! State (one mutex): `permits` free, `total` in circulation (free + handed
//! out, for [`BoundedSemaphore`](crate::sync::BoundedSemaphore)), `closed`,
//! and a [`WaitList`] of `{ needed, assigned }` records.
//!
//! Invariant: **while any waiter is queued, `permits == 0`.** Every permit
//! that becomes free goes to the head waiter first (it accumulates them in
//! `assigned`), so a large `acquire_many` at the head is never overtaken by a
//! later small request, and `try_acquire` cannot jump the queue.
//!
//! - *Acquire*: with no queue and enough free permits, take them. Otherwise
//!   push a node (a new head takes the free permits as a partial assignment)
//!   and return `Pending`.
//! - *Release* (permit drop, `add_permits`): add to `permits`, then while
//!   permits are free hand them to the head; a head whose `assigned ==
//!   needed` is unlinked (chosen) and its waker collected. Wakers are woken
//!   after the lock is released.
//! - *Poll again*: a node that is no longer linked was chosen (or the
//!   semaphore was closed): remove it; `assigned == needed` means success.
//! - *Drop of a waiting future*: remove the node and release its `assigned`
//!   permits through the normal release path, so a waiter cancelled after it
//!   was chosen passes its permits to the next waiter.
//! - *Close*: unlink every queued node, give its partial permits back to the
//!   pool and wake it; it then returns `AcquireError`. Fully granted nodes
//!   keep their permits.
//!
//! No wakeup is lost because the check ("must I wait?") and the enqueue are
//! done under the same lock that every release takes.

use super::error::{AcquireError, TryAcquireError};
use super::waitlist::{WaitList, WakeList};
use crate::coop;
use crate::loom::sync::Mutex;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

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
pub struct Semaphore {
    state: Mutex<State>,
}

struct State {
    permits: usize,
    total: usize,
    closed: bool,
    waiters: WaitList<Waiter>,
}

struct Waiter {
    needed: usize,
    assigned: usize,
}

impl State {
    /// Returns `n` permits to the pool and hands free permits to the queue
    /// head, in order, unlinking every waiter that becomes fully served.
    fn release(&mut self, n: usize, wakers: &mut WakeList) {
        self.permits += n;
        while self.permits > 0 {
            let Some(key) = self.waiters.front() else {
                break;
            };
            let w = self.waiters.get_mut(key);
            let take = self.permits.min(w.needed - w.assigned);
            w.assigned += take;
            self.permits -= take;
            if w.assigned < w.needed {
                break;
            }
            wakers.push(self.waiters.unlink(key));
        }
    }
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
            state: Mutex::new(State {
                permits,
                total: permits,
                closed: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// The number of free permits (permits already promised to a queued
    /// waiter are not free).
    pub fn available_permits(&self) -> usize {
        self.state.lock().permits
    }

    /// Adds `n` permits, waking queued waiters in FIFO order.
    ///
    /// # Panics
    ///
    /// If the semaphore would hold more than [`Semaphore::MAX_PERMITS`].
    pub fn add_permits(&self, n: usize) {
        let mut wakers = WakeList::new();
        let mut st = self.state.lock();
        assert!(
            st.total.saturating_add(n) <= Self::MAX_PERMITS,
            "Semaphore::add_permits({n}) would exceed Semaphore::MAX_PERMITS ({})",
            Self::MAX_PERMITS
        );
        st.total += n;
        st.release(n, &mut wakers);
        drop(st);
        wakers.wake_all();
    }

    /// Adds `n` permits only if the permits in circulation (free, held, or
    /// promised to waiters; forgotten ones excluded) stay `<= bound`.
    pub(crate) fn add_permits_bounded(&self, n: usize, bound: usize) -> bool {
        let mut wakers = WakeList::new();
        let mut st = self.state.lock();
        if st.total.saturating_add(n) > bound {
            return false;
        }
        st.total += n;
        st.release(n, &mut wakers);
        drop(st);
        wakers.wake_all();
        true
    }

    /// Gives back permits taken by a guard (not new permits).
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut wakers = WakeList::new();
        let mut st = self.state.lock();
        st.release(n, &mut wakers);
        drop(st);
        wakers.wake_all();
    }

    /// Takes `n` permits out of circulation for good.
    fn forget_permits(&self, n: usize) {
        if n > 0 {
            self.state.lock().total -= n;
        }
    }

    /// Closes the semaphore: queued and future `acquire`s fail with
    /// [`AcquireError`]; permits already granted stay valid and may still be
    /// released.
    pub fn close(&self) {
        let mut wakers = WakeList::new();
        let mut st = self.state.lock();
        st.closed = true;
        let mut returned = 0;
        st.waiters.unlink_all(&mut wakers, |w| {
            returned += w.assigned;
            w.assigned = 0;
        });
        st.permits += returned;
        drop(st);
        wakers.wake_all();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Waits for one permit.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safe and fair: dropping the future leaves the queue; permits
    /// already assigned to it are passed on to the next waiter.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many(1).await
    }

    /// Waits for `n` permits, taken all at once (it holds its place at the
    /// head of the queue while permits accumulate for it).
    ///
    /// # Cancellation safety
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`Semaphore::MAX_PERMITS`] (it could never succeed).
    pub async fn acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, AcquireError> {
        Acquire::new(self, n).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Takes one permit if one is free and nobody is queued.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is queued.
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_take(n)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Takes `n` permits without wrapping them in a guard.
    pub(crate) fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut st = self.state.lock();
        if st.closed {
            Err(TryAcquireError::Closed)
        } else if n == 0 || (st.waiters.is_empty() && st.permits >= n) {
            st.permits -= n;
            Ok(())
        } else {
            Err(TryAcquireError::NoPermits)
        }
    }

    /// [`acquire`](Self::acquire) returning a permit that owns an `Arc` of
    /// the semaphore, so it can move into a spawned task.
    ///
    /// # Cancellation safety
    ///
    /// As [`acquire`](Self::acquire).
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// [`acquire_many`](Self::acquire_many) returning an owned permit.
    ///
    /// # Cancellation safety
    ///
    /// As [`acquire`](Self::acquire).
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        Acquire::new(&self, n).await?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
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
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
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
        let st = self.state.lock();
        f.debug_struct("Semaphore")
            .field("available_permits", &st.permits)
            .field("queued", &st.waiters.len())
            .field("closed", &st.closed)
            .finish()
    }
}

/// The waiting part of an acquire: resolves once `needed` permits were taken
/// from the semaphore (the caller then wraps them in a guard).
pub(crate) struct Acquire<'a> {
    sem: &'a Semaphore,
    needed: usize,
    key: Option<usize>,
}

impl<'a> Acquire<'a> {
    pub(crate) fn new(sem: &'a Semaphore, needed: usize) -> Self {
        assert!(
            needed <= Semaphore::MAX_PERMITS,
            "acquire_many({needed}) can never succeed: at most Semaphore::MAX_PERMITS ({}) permits exist",
            Semaphore::MAX_PERMITS
        );
        Self {
            sem,
            needed,
            key: None,
        }
    }
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let mut wakers = WakeList::new();
        let mut st = this.sem.state.lock();
        let out = match this.key {
            None if st.closed => Poll::Ready(Err(AcquireError)),
            // Zero permits never wait (not even behind queued waiters).
            None if this.needed == 0 => Poll::Ready(Ok(())),
            None if st.waiters.is_empty() && st.permits >= this.needed => {
                st.permits -= this.needed;
                Poll::Ready(Ok(()))
            }
            None => {
                // Keep the invariant: a new head takes whatever is free.
                let assigned = if st.waiters.is_empty() { st.permits } else { 0 };
                st.permits -= assigned;
                let waiter = Waiter {
                    needed: this.needed,
                    assigned,
                };
                this.key = Some(st.waiters.push_back(waiter, Some(cx.waker())));
                Poll::Pending
            }
            Some(key) if st.waiters.is_linked(key) => {
                st.waiters.set_waker(key, cx.waker());
                Poll::Pending
            }
            Some(key) => {
                this.key = None;
                let w = st.waiters.remove(key);
                if w.assigned == w.needed {
                    Poll::Ready(Ok(()))
                } else {
                    // Unlinked without being served: closed.
                    st.release(w.assigned, &mut wakers);
                    Poll::Ready(Err(AcquireError))
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

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wakers = WakeList::new();
        let mut st = self.sem.state.lock();
        let w = st.waiters.remove(key);
        // Whether still queued with a partial assignment or already chosen,
        // its permits go to the next waiter(s).
        st.release(w.assigned, &mut wakers);
        drop(st);
        wakers.wake_all();
    }
}

/// Permits borrowed from a [`Semaphore`]; dropping it gives them back.
#[must_use = "the permits are released as soon as the permit is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: usize,
}

impl SemaphorePermit<'_> {
    /// Drops the permit without giving its permits back: the semaphore has
    /// that many fewer permits from now on.
    pub fn forget(mut self) {
        self.sem.forget_permits(std::mem::take(&mut self.permits));
    }

    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the permits come from different semaphores.
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "SemaphorePermit::merge: the permits belong to different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.release(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}

/// Permits owned together with an `Arc` of their [`Semaphore`] (`'static`,
/// so it can move into a spawned task); dropping it gives them back.
#[must_use = "the permits are released as soon as the permit is dropped"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: usize,
}

impl OwnedSemaphorePermit {
    /// Drops the permit without giving its permits back.
    pub fn forget(mut self) {
        self.sem.forget_permits(std::mem::take(&mut self.permits));
    }

    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits belong to.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the permits come from different semaphores.
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "OwnedSemaphorePermit::merge: the permits belong to different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.release(self.permits);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}
