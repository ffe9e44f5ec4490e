//! `as_completed`: task results in the order the tasks finish.

use super::join_set::JoinSet;
use crate::task::{JoinError, Task};
use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields each task's result as soon as that task finishes (asyncio's
/// `as_completed`). A `futures_core::Stream`, and also usable without any
/// stream library through its inherent [`next`](AsCompleted::next).
///
/// Dropping it detaches the tasks not yet yielded (they keep running), like
/// dropping their `Task` handles.
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::group::as_completed;
/// use runtime_core::scheduler::spawn;
/// let tasks = (1..=3u64).map(|i| spawn(async move { i }));
/// let mut results = as_completed(tasks);
/// let mut sum = 0;
/// while let Some(result) = results.next().await {
///     sum += result.unwrap();
/// }
/// assert_eq!(sum, 6);
/// # });
/// ```
pub fn as_completed<T, I>(tasks: I) -> AsCompleted<T>
where
    I: IntoIterator<Item = Task<T>>,
{
    AsCompleted {
        set: JoinSet::from_tasks(tasks, false),
    }
}

/// The stream returned by [`as_completed`].
pub struct AsCompleted<T> {
    set: JoinSet<T>,
}

impl<T> AsCompleted<T> {
    /// The next result to come in; `None` once every task has been yielded.
    ///
    /// Cancel safety: yes. A result leaves its task only when `next` returns
    /// it; a dropped `next` loses nothing.
    pub async fn next(&mut self) -> Option<Result<T, JoinError>> {
        self.set.join_next().await
    }

    /// Tasks not yet yielded.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether every task has been yielded.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

impl<T> Stream for AsCompleted<T> {
    type Item = Result<T, JoinError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.set.poll_join_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.set.len(), Some(self.set.len()))
    }
}

impl<T> std::fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.len())
            .finish()
    }
}
