//! The data cell of the locks built on a [`Semaphore`](super::Semaphore)
//! (`Mutex`, `RwLock`), and the trait impls they share.
//!
//! Both locks keep their `T` in an `UnsafeCell` beside the semaphore; which
//! permits a caller holds decides what it may do with the data (for the
//! mutex: the single permit gives `&mut T`; for the rwlock: one permit gives
//! `&T`, all of them give `&mut T`). That argument is each lock's, in its
//! own file; this cell is the one place where the `unsafe` dereferences
//! are, so a soundness fix is made once.

use crate::loom::cell::UnsafeCell;

/// A lock's `T`. Reaching it through `&self` is `unsafe`: the caller must
/// hold the permits that exclude the other accesses.
pub(super) struct LockData<T> {
    cell: UnsafeCell<T>,
}

impl<T> LockData<T> {
    pub(super) fn new(value: T) -> Self {
        LockData {
            cell: UnsafeCell::new(value),
        }
    }

    /// `&mut self` proves that no guard exists (guards borrow the lock or
    /// own an `Arc` of it), so nobody else can reach the data.
    pub(super) fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` is exclusive: no other reference to the cell
        // can exist, so handing out `&mut T` for its lifetime aliases nothing.
        self.cell.with_mut(|p| unsafe { &mut *p })
    }

    pub(super) fn into_inner(self) -> T {
        self.cell.into_inner()
    }

    /// # Safety
    ///
    /// While the returned reference lives, the caller holds permits that
    /// exclude every writer (nobody holds a `&mut T` from [`Self::exclusive`]).
    pub(super) unsafe fn shared(&self) -> &T {
        // SAFETY: by the caller's contract no `&mut T` is live, so a shared
        // reference aliases only other shared ones.
        self.cell.with(|p| unsafe { &*p })
    }

    /// # Safety
    ///
    /// While the returned reference lives, the caller holds permits that
    /// exclude every other access, and no other reference obtained through
    /// those permits is live.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn exclusive(&self) -> &mut T {
        // SAFETY: by the caller's contract this is the only reference to
        // the data while it lives.
        self.cell.with_mut(|p| unsafe { &mut *p })
    }
}

/// `Default`, `From<T>` and a `Debug` that shows the data when the lock can
/// be taken at once (`$try_access`) and `<locked>` otherwise.
macro_rules! impl_lock_traits {
    ($lock:ident, $try_access:ident) => {
        impl<T: Default> Default for $lock<T> {
            fn default() -> Self {
                Self::new(T::default())
            }
        }

        impl<T> From<T> for $lock<T> {
            fn from(value: T) -> Self {
                Self::new(value)
            }
        }

        impl<T: std::fmt::Debug> std::fmt::Debug for $lock<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut d = f.debug_struct(stringify!($lock));
                match self.$try_access() {
                    Ok(guard) => d.field("data", &&*guard),
                    Err(_) => d.field("data", &format_args!("<locked>")),
                };
                d.finish()
            }
        }
    };
}
pub(super) use impl_lock_traits;
