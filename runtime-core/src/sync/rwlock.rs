//! A fair async reader-writer lock.
//!
//! # Waiter protocol
//!
//! The lock is a [`Semaphore`] with `MAX_READS` permits: a reader takes one,
//! a writer takes all of them. Because the semaphore is strictly FIFO (free
//! permits go to the head waiter first, see `semaphore.rs`), a writer at the
//! head of the queue collects the permits released by departing readers and
//! readers that arrive after it queue behind it: writers are not starved and
//! nobody barges. A dropped `read`/`write` future leaves the queue and passes
//! on any permits it had been assigned (a writer may hold a partial set while
//! readers drain). Readers and writers exclude each other because a writer
//! holds every permit; that is the safety argument for the `unsafe` below.

use super::error::TryLockError;
use super::lock_data::{impl_lock_traits, LockData};
use super::semaphore::{Acquire, Semaphore};
use crate::scheduler::park::blocking_wait;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// The most readers that can hold the lock at once (smaller under loom so
/// models reach the limit).
const MAX_READS: usize = crate::loom::loom_or(4, u32::MAX as usize >> 3);

/// A fair async reader-writer lock protecting a `T`.
///
/// Any number of readers, or one writer. Requests are served in arrival
/// order: a queued writer blocks readers that arrive after it.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::RwLock;
///
/// let config = RwLock::new(String::from("v1"));
/// {
///     let a = config.read().await;
///     let b = config.read().await; // readers share
///     assert_eq!(*a, *b);
/// }
/// config.write().await.push_str("-patched");
/// assert_eq!(*config.read().await, "v1-patched");
/// # });
/// ```
pub struct RwLock<T> {
    sem: Semaphore,
    data: LockData<T>,
}

// SAFETY: a writer gets `&mut T` on whatever thread it runs (needs
// `T: Send`).
unsafe impl<T: Send> Send for RwLock<T> {}
// SAFETY: readers on several threads share `&T` (needs `T: Sync`), a writer
// moves `T` across threads (`T: Send`); the permits exclude a writer from
// every other holder.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// Creates an unlocked lock holding `value`.
    pub fn new(value: T) -> Self {
        Self {
            sem: Semaphore::new(MAX_READS),
            data: LockData::new(value),
        }
    }

    async fn acquire(&self, n: usize) {
        if Acquire::new(&self.sem, n).await.is_err() {
            unreachable!("an RwLock's semaphore is never closed");
        }
    }

    /// Waits for shared read access.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, and fair. Dropping the future leaves the queue and passes
    /// on anything already handed to it.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        RwLockReadGuard {
            lock: self,
            _marker: PhantomData,
        }
    }

    /// Waits for exclusive write access.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`read`](Self::read); a writer dropped while it was collecting
    /// permits hands them to the waiters behind it.
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(MAX_READS).await;
        RwLockWriteGuard {
            lock: self,
            _marker: PhantomData,
        }
    }

    /// Takes read access if no writer holds or waits for the lock.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.sem.try_take(1).map_err(|_| TryLockError)?;
        Ok(RwLockReadGuard {
            lock: self,
            _marker: PhantomData,
        })
    }

    /// Takes write access if nobody holds or waits for the lock.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.sem.try_take(MAX_READS).map_err(|_| TryLockError)?;
        Ok(RwLockWriteGuard {
            lock: self,
            _marker: PhantomData,
        })
    }

    /// [`read`](Self::read) returning a guard that owns an `Arc` of the lock.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`read`](Self::read).
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard {
            lock: self,
            _marker: PhantomData,
        }
    }

    /// [`write`](Self::write) returning a guard that owns an `Arc` of the
    /// lock.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes, as [`write`](Self::write).
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(MAX_READS).await;
        OwnedRwLockWriteGuard {
            lock: self,
            permits: MAX_READS,
            _marker: PhantomData,
        }
    }

    /// [`try_read`](Self::try_read) returning an owned guard.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.sem.try_take(1).map_err(|_| TryLockError)?;
        Ok(OwnedRwLockReadGuard {
            lock: self,
            _marker: PhantomData,
        })
    }

    /// [`try_write`](Self::try_write) returning an owned guard.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.sem.try_take(MAX_READS).map_err(|_| TryLockError)?;
        Ok(OwnedRwLockWriteGuard {
            lock: self,
            permits: MAX_READS,
            _marker: PhantomData,
        })
    }

    /// Blocks the current thread until read access is granted.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        blocking_wait("RwLock::blocking_read", self.read())
    }

    /// Blocks the current thread until write access is granted.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        blocking_wait("RwLock::blocking_write", self.write())
    }

    /// A mutable reference to the data; `&mut self` proves exclusivity.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Consumes the lock, returning the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl_lock_traits!(RwLock, try_read);

/// Shared access to an [`RwLock`]'s data.
#[must_use = "the read access is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
    _marker: PhantomData<&'a T>,
}

/// Exclusive access to an [`RwLock`]'s data.
#[must_use = "the write access is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
    _marker: PhantomData<&'a mut T>,
}

/// An [`RwLockReadGuard`] that owns an `Arc` of its lock.
#[must_use = "the read access is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T> {
    lock: Arc<RwLock<T>>,
    _marker: PhantomData<T>,
}

/// An [`RwLockWriteGuard`] that owns an `Arc` of its lock.
#[must_use = "the write access is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T> {
    lock: Arc<RwLock<T>>,
    /// `MAX_READS` until `downgrade` hands them on.
    permits: usize,
    _marker: PhantomData<T>,
}

impl<'a, T> RwLockWriteGuard<'a, T> {
    /// Turns write access into read access without letting a queued writer
    /// in between; readers queued behind may now proceed.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let lock = self.lock;
        std::mem::forget(self);
        lock.sem.release(MAX_READS - 1);
        RwLockReadGuard {
            lock,
            _marker: PhantomData,
        }
    }
}

impl<T> OwnedRwLockWriteGuard<T> {
    /// Turns write access into read access (see
    /// [`RwLockWriteGuard::downgrade`]).
    pub fn downgrade(mut self) -> OwnedRwLockReadGuard<T> {
        // Keep one permit for the read guard, give the rest back; `self`
        // then drops holding none.
        self.permits = 0;
        self.lock.sem.release(MAX_READS - 1);
        OwnedRwLockReadGuard {
            lock: self.lock.clone(),
            _marker: PhantomData,
        }
    }
}

macro_rules! guard_impls {
    ($guard:ident $(<$lt:lifetime>)?, |$g:ident| $permits:expr) => {
        impl<$($lt,)? T> Deref for $guard<$($lt,)? T> {
            type Target = T;
            fn deref(&self) -> &T {
                // SAFETY: the guard holds at least one permit while it lives.
                unsafe { self.lock.data.shared() }
            }
        }

        impl<$($lt,)? T> Drop for $guard<$($lt,)? T> {
            fn drop(&mut self) {
                let $g = &*self;
                $g.lock.sem.release($permits);
            }
        }

        impl<$($lt,)? T: fmt::Debug> fmt::Debug for $guard<$($lt,)? T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }
    };
}

guard_impls!(RwLockReadGuard<'a>, |_g| 1);
guard_impls!(RwLockWriteGuard<'a>, |_g| MAX_READS);
guard_impls!(OwnedRwLockReadGuard, |_g| 1);
guard_impls!(OwnedRwLockWriteGuard, |g| g.permits);

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: a write guard holds every permit; `&mut self` makes this
        // the only live reference obtained through it.
        unsafe { self.lock.data.exclusive() }
    }
}

impl<T> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `RwLockWriteGuard`.
        unsafe { self.lock.data.exclusive() }
    }
}
