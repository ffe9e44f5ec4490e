//! A semaphore that refuses to grow past its initial count.
//!
//! # Waiter protocol
//!
//! Exactly [`Semaphore`]'s (this type wraps one): see `semaphore.rs`. The
//! only addition is the bound check in [`BoundedSemaphore::release`] and
//! [`BoundedSemaphore::add_permits`], made under the semaphore's lock against
//! the number of permits in circulation (free + held by guards + promised to
//! waiters; [`forget`](SemaphorePermit::forget) takes permits out of
//! circulation, which is what makes room for a `release`).

use super::error::{AcquireError, ReleaseError, TryAcquireError};
use super::semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
use std::fmt;
use std::sync::Arc;

/// asyncio's `BoundedSemaphore`: a [`Semaphore`] whose permits can never
/// exceed the initial count; releasing one too many is an error value.
///
/// Permits are RAII guards exactly as with [`Semaphore`]; [`release`] exists
/// for asyncio's manual style, where a permit is acquired and
/// [`forget`](SemaphorePermit::forget)-ed in one place and released in
/// another.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::BoundedSemaphore;
///
/// let sem = BoundedSemaphore::new(2);
/// sem.acquire().await.unwrap().forget(); // asyncio: await sem.acquire()
/// assert_eq!(sem.available_permits(), 1);
/// sem.release().unwrap();                 // asyncio: sem.release()
/// assert!(sem.release().is_err(), "a third permit would exceed the bound");
/// # });
/// ```
///
/// [`release`]: BoundedSemaphore::release
pub struct BoundedSemaphore {
    sem: Arc<Semaphore>,
    bound: usize,
}

impl BoundedSemaphore {
    /// Creates a semaphore with `permits` permits, which is also its bound.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    pub fn new(permits: usize) -> Self {
        Self {
            sem: Arc::new(Semaphore::new(permits)),
            bound: permits,
        }
    }

    /// The initial (and maximum) number of permits.
    pub fn bound(&self) -> usize {
        self.bound
    }

    /// Gives one permit back (asyncio's `release()`), waking the next waiter.
    ///
    /// Fails, changing nothing, if the semaphore would then hold more
    /// permits than it was created with.
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.add_permits(1)
    }

    /// Adds `n` permits, or fails and changes nothing if that would exceed
    /// the bound.
    pub fn add_permits(&self, n: usize) -> Result<(), ReleaseError> {
        if self.sem.add_permits_bounded(n, self.bound) {
            Ok(())
        } else {
            Err(ReleaseError { bound: self.bound })
        }
    }

    /// See [`Semaphore::available_permits`].
    pub fn available_permits(&self) -> usize {
        self.sem.available_permits()
    }

    /// See [`Semaphore::close`].
    pub fn close(&self) {
        self.sem.close();
    }

    /// See [`Semaphore::is_closed`].
    pub fn is_closed(&self) -> bool {
        self.sem.is_closed()
    }

    /// Waits for one permit. See [`Semaphore::acquire`].
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, and fair. A dropped waiter passes assigned permits on.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.sem.acquire().await
    }

    /// Waits for `n` permits. See [`Semaphore::acquire_many`].
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`acquire`](Self::acquire).
    pub async fn acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.sem.acquire_many(n).await
    }

    /// See [`Semaphore::try_acquire`].
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.sem.try_acquire()
    }

    /// See [`Semaphore::try_acquire_many`].
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.sem.try_acquire_many(n)
    }

    /// See [`Semaphore::acquire_owned`].
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`acquire`](Self::acquire).
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// See [`Semaphore::acquire_many_owned`].
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`acquire`](Self::acquire).
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.sem.clone().acquire_many_owned(n).await
    }

    /// See [`Semaphore::try_acquire_owned`].
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.sem.clone().try_acquire_owned()
    }

    /// See [`Semaphore::try_acquire_many_owned`].
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.sem.clone().try_acquire_many_owned(n)
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("bound", &self.bound)
            .field("semaphore", &self.sem)
            .finish()
    }
}
