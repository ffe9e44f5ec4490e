//! Structured concurrency and the asyncio combinators: [`TaskGroup`],
//! [`gather`] and friends, [`wait`], [`as_completed`], [`shield`], and
//! Tokio's [`JoinSet`].

mod as_completed;
pub(crate) mod cancel;
#[cfg(all(test, not(runtime_loom)))]
mod cancel_tests;
mod error;
mod gather;
mod join_set;
mod shield;
mod task_group;
mod wait;

pub use as_completed::{as_completed, AsCompleted};
pub use cancel::{
    CancellationDropGuard, CancellationToken, WaitForCancellation, WaitForCancellationOwned,
};
pub use error::{Failure, FailureKind, GroupError};
pub use gather::{gather, gather_settled, try_gather};
pub use join_set::JoinSet;
pub use shield::shield;
pub use task_group::{task_group, TaskGroup};
pub use wait::{wait, wait_timeout, Failable, ReturnWhen};

/// Cancels the tasks behind `gather!` if its future is dropped before they
/// all finished. Not public API.
#[doc(hidden)]
pub struct __CancelOnDrop<'a>(pub &'a [crate::task::AbortHandle]);

impl Drop for __CancelOnDrop<'_> {
    fn drop(&mut self) {
        for abort in self.0 {
            abort.cancel();
        }
    }
}

/// Re-raises a failed `gather!` child in the caller. Not public API.
#[doc(hidden)]
pub fn __propagate(error: crate::task::JoinError, function: &str) -> ! {
    join_set::propagate(error, function)
}
