//! `AbortHandle`: cancel a task without owning its result.

use super::raw::RawTask;
use super::state::ToNotified;
use super::TaskId;
use std::fmt;

/// Cancels a task from anywhere, without holding its [`Task`](super::Task)
/// (which may be awaited elsewhere). Cheap to clone; dropping it does
/// nothing to the task.
pub struct AbortHandle {
    raw: RawTask,
}

impl AbortHandle {
    /// # Safety
    /// The caller gives the new handle one reference on `raw`.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> AbortHandle {
        AbortHandle { raw }
    }

    /// Requests cancellation (see [`Task::cancel`](super::Task::cancel));
    /// returns `false` if the task had already finished.
    pub fn cancel(&self) -> bool {
        cancel(self.raw)
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// What the task is doing right now (a snapshot: it may change right
    /// after): for `TaskGroup`'s failure rule.
    pub(crate) fn activity(&self) -> Activity {
        let state = self.raw.header().state.load();
        if state.is_complete() {
            Activity::Complete
        } else if state.is_scheduled() {
            Activity::Woken
        } else if state.is_running() {
            Activity::Running
        } else {
            Activity::Idle
        }
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.raw.id()
    }
}

/// See [`AbortHandle::activity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Activity {
    /// Waiting for a wake-up.
    Idle,
    /// Being polled, and not woken since the poll began.
    Running,
    /// Woken and not yet polled for it: in a run queue, or woken during the
    /// poll it is in (it will be polled again).
    Woken,
    /// Finished.
    Complete,
}

/// Requests cancellation of `raw`; `false` if it had already finished.
pub(crate) fn cancel(raw: RawTask) -> bool {
    match raw.header().state.transition_to_cancelled() {
        None => false,
        Some(ToNotified::Submit) => {
            raw.schedule();
            true
        }
        Some(_) => true,
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_refs(1);
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}
