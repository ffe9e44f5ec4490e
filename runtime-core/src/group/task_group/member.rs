//! The future each `TaskGroup` member runs: the user's future, the group's
//! check at its first poll (spawns after a failure are refused; the parent
//! module's docs), and the report of its failure to the group.

use super::{Parent, Shared, CURRENT_GROUP};
use crate::group::error::{Failure, FailureKind};
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
    pub(super) started: bool,
}

impl<F, T, E> Future for Member<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let this = &mut *self;
        let id = task::id();
        if !this.started {
            this.started = true;
            let mut state = this.shared.state.lock();
            if state.closed && !state.woken.remove(&id) {
                // Spawned after the group failed or was cancelled: never run.
                drop(state);
                task::cancel_current();
                return Poll::Pending;
            }
        }
        let previous = CURRENT_GROUP.with(|g| g.replace(Some(this.link.clone())));
        let polled = catch_unwind(AssertUnwindSafe(|| this.future.as_mut().poll(cx)));
        CURRENT_GROUP.with(|g| *g.borrow_mut() = previous);
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
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
