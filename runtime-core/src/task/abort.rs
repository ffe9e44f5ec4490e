//! `AbortHandle`: cancel a task without owning its result.

use super::raw::RawTask;
use super::state::{KeepWake, ToNotified};
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

    /// `TaskGroup`'s cancellation on a member's failure: as
    /// [`cancel`](Self::cancel), but a task already woken keeps the poll of
    /// that wake (`state.rs`, "cancel keeping the wake"). When this returns
    /// [`KeepWake::Submit`] the caller must call
    /// [`submit_cancelled`](Self::submit_cancelled) once (it may do so after
    /// releasing its locks).
    pub(crate) fn cancel_keeping_wake(&self) -> KeepWake {
        self.raw
            .header()
            .state
            .transition_to_cancelled_keeping_wake()
    }

    /// Submits the `Notified` that [`cancel_keeping_wake`](Self::cancel_keeping_wake)
    /// created when it returned [`KeepWake::Submit`].
    pub(crate) fn submit_cancelled(&self) {
        self.raw.schedule();
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.raw.id()
    }
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
