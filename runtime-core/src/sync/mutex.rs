//! A fair async mutex (asyncio's `Lock`, holding data like `std`'s Mutex).
//!
//! # Waiter protocol
//!
//! The lock is a [`Semaphore`] with one permit; the data lives in a
//! `LockData` cell (`lock_data.rs`) beside it. `lock` is the semaphore's
//! acquire, so the waiter protocol is the semaphore's (see
//! `semaphore.rs`): FIFO waiters, a guard
//! drop hands the permit directly to the longest waiter (no barging), and a
//! `lock` future dropped after the permit was handed to it passes the permit
//! on. Whoever holds the single permit is the only one that may touch the
//! data: that is the whole safety argument for the `unsafe` below.

use super::error::TryLockError;
use super::lock_data::{impl_lock_traits, LockData};
use super::semaphore::{Acquire, Semaphore};
use crate::scheduler::park::blocking_wait;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A fair (FIFO) async mutex protecting a `T`.
///
/// `lock().await` waits without blocking the thread; the guard may be held
/// across `.await` points and moved between threads (when `T: Send`).
/// Waiters get the lock in the order they asked for it.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::Mutex;
/// use std::sync::Arc;
///
/// let counter = Arc::new(Mutex::new(0));
/// let tasks: Vec<_> = (0..10)
///     .map(|_| {
///         let counter = counter.clone();
///         runtime_core::scheduler::spawn(async move {
///             let mut n = counter.lock().await; // `async with lock:`
///             *n += 1;
///         })
///     })
///     .collect();
/// for t in tasks {
///     t.await.unwrap();
/// }
/// assert_eq!(*counter.lock().await, 10);
/// # });
/// ```
pub struct Mutex<T> {
    sem: Semaphore,
    data: LockData<T>,
}

// SAFETY: the mutex moves `T` between threads (whoever holds the lock gets
// `&mut T`), so it needs `T: Send`; it never hands out `&T` to two threads at
// once, so it does not need `T: Sync`. The semaphore is `Send + Sync`.
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: as above: access to `T` is serialised by the single permit.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex holding `value`.
    pub fn new(value: T) -> Self {
        Self {
            sem: Semaphore::new(1),
            data: LockData::new(value),
        }
    }

    async fn acquire(&self) {
        if Acquire::new(&self.sem, 1).await.is_err() {
            unreachable!("a Mutex's semaphore is never closed");
        }
    }

    /// Waits for the lock.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, and fair. Dropping the future leaves the queue, and if
    /// the lock had already been handed to it, hands it to the next waiter.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard {
            lock: self,
            _marker: PhantomData,
        }
    }

    /// Takes the lock if it is free and nobody is queued for it.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        self.sem.try_take(1).map_err(|_| TryLockError)?;
        Ok(MutexGuard {
            lock: self,
            _marker: PhantomData,
        })
    }

    /// [`lock`](Self::lock) returning a guard that owns an `Arc` of the
    /// mutex (`'static`, so it can move into a spawned task).
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`lock`](Self::lock).
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard {
            lock: self,
            _marker: PhantomData,
        }
    }

    /// [`try_lock`](Self::try_lock) returning an owned guard.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        self.sem.try_take(1).map_err(|_| TryLockError)?;
        Ok(OwnedMutexGuard {
            lock: self,
            _marker: PhantomData,
        })
    }

    /// Blocks the current thread until the lock is taken. For synchronous
    /// code outside the runtime (e.g. a `spawn_blocking` closure).
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        blocking_wait("Mutex::blocking_lock", self.lock())
    }

    /// A mutable reference to the data: no locking needed, `&mut self`
    /// proves exclusive access.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Consumes the mutex, returning the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl_lock_traits!(Mutex, try_lock);

/// Access to a [`Mutex`]'s data; unlocks (handing the lock to the next
/// waiter) when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T> {
    lock: &'a Mutex<T>,
    // Send iff T: Send, Sync iff T: Send + Sync, like `&mut T`.
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T> MutexGuard<'a, T> {
    /// The mutex this guard locks. (An associated function, so it cannot
    /// shadow a method of `T`: call it as `MutexGuard::mutex(&guard)`.)
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit while it lives.
        unsafe { self.lock.data.shared() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the only permit; `&mut self` makes this
        // the only live reference obtained through it.
        unsafe { self.lock.data.exclusive() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A [`MutexGuard`] that owns an `Arc` of its mutex.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T> {
    lock: Arc<Mutex<T>>,
    // Sync only if T: Sync (Arc<Mutex<T>> alone would only need T: Send).
    _marker: PhantomData<T>,
}

impl<T> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit while it lives.
        unsafe { self.lock.data.shared() }
    }
}

impl<T> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the only permit; `&mut self` makes this
        // the only live reference obtained through it.
        unsafe { self.lock.data.exclusive() }
    }
}

impl<T> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
