//! Error types of the synchronization primitives.
//!
//! Every error that hands a value back (a refused `put` or `send`) carries it,
//! so nothing is lost; `Debug` never requires `T: Debug`.

use std::error::Error;
use std::fmt;

macro_rules! unit_error {
    ($(#[$doc:meta])* $name:ident, $msg:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub struct $name;

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($msg)
            }
        }

        impl Error for $name {}
    };
}

// ---------------------------------------------------------------- Queue

/// The queue was closed with [`close`](crate::sync::GenericQueue::close).
///
/// `get` returns `Closed` (i.e. `Closed<()>`) once the queue is closed *and*
/// drained; `put` returns `Closed<T>` carrying the value that was not put.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Closed<T = ()>(pub T);

impl<T> Closed<T> {
    /// The value that could not be put.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closed(..)")
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is closed: no more items can be put, and none are left to get")
    }
}

impl<T> Error for Closed<T> {}

/// Why [`try_put`](crate::sync::GenericQueue::try_put) refused a value; the
/// value is handed back in either case.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryPutError<T> {
    /// The queue holds `maxsize` items (or waiting `put`s hold the free slots).
    Full(T),
    /// The queue was closed.
    Closed(T),
}

impl<T> TryPutError<T> {
    /// The value that was not put.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(v) | Self::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("the queue is full: await `put` to wait for a free slot"),
            Self::Closed(_) => f.write_str("the queue is closed: no more items can be put"),
        }
    }
}

impl<T> Error for TryPutError<T> {}

/// Why [`try_get`](crate::sync::GenericQueue::try_get) returned no item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryGetError {
    /// No item is available right now.
    Empty,
    /// The queue is closed and every item has been taken.
    Closed,
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the queue is empty: await `get` to wait for an item"),
            Self::Closed => f.write_str("the queue is closed and drained"),
        }
    }
}

impl Error for TryGetError {}

unit_error!(
    /// [`task_done`](crate::sync::GenericQueue::task_done) was called more
    /// times than items were put into the queue.
    TaskDoneError,
    "task_done() called more times than there were items put into the queue: \
     call it exactly once per item taken with get()"
);

// ------------------------------------------------------------ Semaphore

unit_error!(
    /// The semaphore was closed, so no permit will ever be granted.
    AcquireError,
    "the semaphore is closed: no permits will be granted"
);

/// Why [`Semaphore::try_acquire`](crate::sync::Semaphore::try_acquire) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free, or earlier waiters are queued for them
    /// (the semaphore is fair: a `try_acquire` never jumps the queue).
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("the semaphore is closed: no permits will be granted"),
            Self::NoPermits => f.write_str(
                "no permits available right now (or earlier waiters are queued): \
                 await `acquire` to wait for one",
            ),
        }
    }
}

impl Error for TryAcquireError {}

/// A [`BoundedSemaphore`](crate::sync::BoundedSemaphore) release would have
/// raised the number of permits above the semaphore's initial count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReleaseError {
    pub(crate) bound: usize,
}

impl ReleaseError {
    /// The semaphore's initial (and maximum) number of permits.
    pub fn bound(&self) -> usize {
        self.bound
    }
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BoundedSemaphore released too many times: that would exceed its initial {} permit(s); \
             release only permits that were acquired and forgotten",
            self.bound
        )
    }
}

impl Error for ReleaseError {}

// ---------------------------------------------------------------- Locks

unit_error!(
    /// The lock is held elsewhere (or queued waiters are ahead), so
    /// `try_lock` / `try_read` / `try_write` could not take it.
    TryLockError,
    "the lock is held (or other tasks are queued for it): await the lock to wait for it"
);

// ------------------------------------------------------------- Channels

unit_error!(
    /// The oneshot sender was dropped without sending a value (or the
    /// receiver was closed before a value arrived).
    RecvError,
    "the oneshot channel closed without a value: the sender was dropped without sending"
);

/// Why a channel's `try_recv` returned no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// No value is available right now, but one may still arrive.
    Empty,
    /// No value will ever arrive: the senders are gone or the receiver was
    /// closed, and everything sent has been received.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the channel is empty: await `recv` to wait for a value"),
            Self::Disconnected => {
                f.write_str("the channel is closed and drained: no value will arrive")
            }
        }
    }
}

impl Error for TryRecvError {}

/// A send failed because no receiver is left: the mpsc receiver was closed
/// or dropped, or (broadcast, watch) every receiver was dropped. The value
/// is handed back.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the channel's receiver was closed or dropped (broadcast, watch: every receiver \
             was dropped); the value was not sent",
        )
    }
}

impl<T> Error for SendError<T> {}

/// Why an mpsc `try_send` refused a value; the value is handed back.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrySendError<T> {
    /// The channel's buffer is full.
    Full(T),
    /// The receiver was closed or dropped.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(v) | Self::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => {
                f.write_str("the channel is full: await `send` to wait for buffer space")
            }
            Self::Closed(_) => {
                f.write_str("the channel's receiver was closed or dropped; the value was not sent")
            }
        }
    }
}

impl<T> Error for TrySendError<T> {}

// --------------------------------------------------- broadcast and watch

/// Why a broadcast `recv` returned no value; re-exported as
/// `broadcast::RecvError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BroadcastRecvError {
    /// Every sender was dropped and this receiver has received every value
    /// left in the channel.
    Closed,
    /// This receiver fell behind: this many values were overwritten by newer
    /// ones before it received them. The next `recv` returns the oldest
    /// value still in the channel.
    Lagged(u64),
}

impl fmt::Display for BroadcastRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str(
                "the broadcast channel is closed: every sender was dropped and every value \
                 was received",
            ),
            Self::Lagged(n) => write!(
                f,
                "this broadcast receiver fell behind and missed {n} value(s), overwritten by \
                 newer ones; the next recv returns the oldest value kept (receive faster, or \
                 give the channel a larger capacity)"
            ),
        }
    }
}

impl Error for BroadcastRecvError {}

/// Why a broadcast `try_recv` returned no value; re-exported as
/// `broadcast::TryRecvError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BroadcastTryRecvError {
    /// No value is waiting for this receiver right now.
    Empty,
    /// Every sender was dropped and every value was received.
    Closed,
    /// This many values were overwritten before this receiver got them (see
    /// [`BroadcastRecvError::Lagged`]).
    Lagged(u64),
}

impl fmt::Display for BroadcastTryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str(
                "the broadcast channel has no new value for this receiver: await `recv` to \
                 wait for one",
            ),
            Self::Closed => BroadcastRecvError::Closed.fmt(f),
            Self::Lagged(n) => BroadcastRecvError::Lagged(*n).fmt(f),
        }
    }
}

impl Error for BroadcastTryRecvError {}

unit_error!(
    /// Every sender of a watch channel was dropped (and, for `changed`, the
    /// last value was already seen); re-exported as `watch::RecvError`.
    WatchRecvError,
    "the watch channel is closed: every sender was dropped, so the value will not change again"
);

// -------------------------------------------------------------- Promise

unit_error!(
    /// The promise was cancelled before a result was set.
    PromiseCancelled,
    "the promise was cancelled before a result was set"
);

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened_and_values_come_back() {
        assert!(TaskDoneError
            .to_string()
            .contains("task_done() called more times"));
        assert!(Closed(5).to_string().contains("closed"));
        assert_eq!(Closed(5).into_inner(), 5);
        assert_eq!(TryPutError::Full(3).into_inner(), 3);
        assert_eq!(format!("{:?}", TrySendError::Closed(vec![1])), "Closed(..)");
        assert!(ReleaseError { bound: 2 }
            .to_string()
            .contains("initial 2 permit"));
        let e: Box<dyn Error + Send + Sync> = Box::new(SendError(1u8));
        assert!(e.to_string().contains("receiver"));
        assert!(BroadcastRecvError::Lagged(3)
            .to_string()
            .contains("missed 3 value"));
        assert!(BroadcastTryRecvError::Lagged(2)
            .to_string()
            .contains("missed 2"));
        assert!(BroadcastTryRecvError::Empty
            .to_string()
            .contains("await `recv`"));
        assert!(WatchRecvError
            .to_string()
            .contains("every sender was dropped"));
    }
}
