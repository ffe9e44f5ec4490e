//! The future each `TaskGroup` member runs: the user's future, the group's
//! closed-flag check before each poll (the failure rule in the parent
//! module's docs), and the report of its failure to the group.

use super::{Parent, Shared, CURRENT_GROUP};
use crate::group::error::{Failure, FailureKind};
use crate::loom::sync::atomic::Ordering;
use crate::loom::sync::Arc;
use crate::task::{self, FailedInGroup};
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The future a group member runs: the user's future, with its failure
/// reported to the group.
pub(super) struct Member<F: Future, E> {
    pub(super) future: Pin<Box<F>>,
    pub(super) shared: Arc<Shared<E>>,
    /// This group, as the parent of groups created while polling.
    pub(super) link: Parent,
}

impl<F, T, E> Future for Member<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let this = &mut *self;
        let id = task::id();
        let mut last_poll = false;
        if this.shared.closed.load(Ordering::Acquire) {
            if !this.shared.state.lock().woken.remove(&id) {
                // Spawned after the group closed, or being cancelled: never
                // poll the user's future again.
                task::cancel_current();
                return Poll::Pending;
            }
            // Woken before a failure closed the group: this poll is its due.
            last_poll = true;
        }
        let previous = CURRENT_GROUP.with(|g| g.replace(Some(this.link.clone())));
        let polled = catch_unwind(AssertUnwindSafe(|| this.future.as_mut().poll(cx)));
        CURRENT_GROUP.with(|g| *g.borrow_mut() = previous);
        match polled {
            Ok(Poll::Pending) => {
                if last_poll {
                    task::cancel_current();
                }
                Poll::Pending
            }
            Ok(Poll::Ready(Ok(value))) => Poll::Ready(Ok(value)),
            Ok(Poll::Ready(Err(error))) => {
                let failure = Failure::new(id, task::name(), FailureKind::Error(error));
                this.shared.close(Some((failure, id)));
                // The error now belongs to the group; end this task as
                // "failed" without running the panic hook.
                resume_unwind(Box::new(FailedInGroup))
            }
            Err(payload) => {
                let message = task::panic_message(&*payload)
                    .unwrap_or("<non-string panic payload>")
                    .to_owned();
                let failure = Failure::new(id, task::name(), FailureKind::Panic(message));
                this.shared.close(Some((failure, id)));
                resume_unwind(payload)
            }
        }
    }
}
