//! `shield`: protect work from the cancellation of whoever awaits it.

use super::join_set::propagate;
use crate::scheduler::spawn;
use crate::task::Task;
use std::future::Future;

/// Runs `future` as a task that finishes even if the task awaiting it is
/// cancelled or times out (asyncio's `shield`).
///
/// Dropping or cancelling the returned handle never reaches the inner
/// work: it runs to the end on its own, and if you kept the handle (say, you
/// awaited `&mut handle` under a timeout) it still yields the result.
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::group::shield;
/// use runtime_core::time::{timeout, Duration, sleep};
/// let mut save = shield(async {
///     sleep(Duration::from_millis(50)).await;
///     "saved"
/// });
/// // The caller gives up waiting...
/// assert!(timeout(Duration::from_millis(1), &mut save).await.is_err());
/// // ...but the work went on, and the handle still has its result.
/// assert_eq!(save.await.unwrap(), "saved");
/// # });
/// ```
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn shield<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // The inner task does the work; the outer one only waits for it, so
    // cancelling the outer drops nothing but a join handle (a detach).
    let inner = spawn(future);
    spawn(async move {
        match inner.await {
            Ok(value) => value,
            Err(error) => propagate(error, "runtime::shield"),
        }
    })
}
