//! The machinery shared by gather, wait and as_completed: a set of tasks
//! that yields each one as it finishes, and cancels whatever is left when
//! dropped early.

use crate::task::{AbortHandle, JoinError, Task};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A task tagged with its position in the caller's input.
struct Indexed<T> {
    index: usize,
    task: Task<T>,
}

impl<T> Future for Indexed<T> {
    type Output = (usize, Result<T, JoinError>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let index = self.index;
        Pin::new(&mut self.task).poll(cx).map(|out| (index, out))
    }
}

/// Tasks in completion order. Dropping it before it is drained cancels the
/// tasks still running (asyncio: cancelling `gather` cancels its children).
pub(crate) struct JoinSet<T> {
    running: FuturesUnordered<Indexed<T>>,
    aborts: Vec<AbortHandle>,
    cancel_on_drop: bool,
}

impl<T> JoinSet<T> {
    pub(crate) fn new(
        tasks: impl IntoIterator<Item = Task<T>>,
        cancel_on_drop: bool,
    ) -> JoinSet<T> {
        let running = FuturesUnordered::new();
        let mut aborts = Vec::new();
        for (index, task) in tasks.into_iter().enumerate() {
            if cancel_on_drop {
                aborts.push(task.abort_handle());
            }
            running.push(Indexed { index, task });
        }
        JoinSet {
            running,
            aborts,
            cancel_on_drop,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.running.len()
    }

    /// The next task to finish: its input position and result.
    pub(crate) async fn next(&mut self) -> Option<(usize, Result<T, JoinError>)> {
        self.running.next().await
    }

    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(usize, Result<T, JoinError>)>> {
        self.running.poll_next_unpin(cx)
    }

    /// Cancels every task still running.
    pub(crate) fn cancel_all(&self) {
        for abort in &self.aborts {
            abort.cancel();
        }
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        if self.cancel_on_drop && !self.running.is_empty() {
            self.cancel_all();
        }
    }
}

/// Re-raises a failed child in the caller: its panic with the original
/// payload, or a panic naming the child if it was cancelled.
pub(crate) fn propagate(error: JoinError, function: &str) -> ! {
    match error.try_into_panic() {
        Ok(payload) => std::panic::resume_unwind(payload),
        Err(error) => panic!("{function}: a child task did not finish: {error}"),
    }
}
