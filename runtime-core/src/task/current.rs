//! The task being polled (or dropped) on this thread, for
//! `runtime::task::id()` and `runtime::task::name()`.

use super::id::TaskId;
use super::raw::{Header, RawTask};
use crate::loom::thread_local_const;
use std::cell::Cell;
use std::ptr;

thread_local_const! {
    static CURRENT: Cell<*const Header> = Cell::new(ptr::null());
}

/// Restores the previously current task when dropped.
pub(super) struct Guard(*const Header);

impl Drop for Guard {
    fn drop(&mut self) {
        let prev = self.0;
        let _ = CURRENT.try_with(|c| c.set(prev));
    }
}

pub(super) fn enter(raw: RawTask) -> Guard {
    enter_header(raw.header())
}

pub(super) fn enter_header(header: &Header) -> Guard {
    Guard(CURRENT.with(|c| c.replace(header)))
}

/// Runs `f` on the current task's header, if a task is being polled.
fn with_current<R>(f: impl FnOnce(&Header) -> R) -> Option<R> {
    let ptr = CURRENT.try_with(Cell::get).ok()?;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the pointer is set only for the duration of a poll or drop of
    // that task (the `Guard` restores it), during which the poller holds a
    // reference, so the header is live.
    Some(f(unsafe { &*ptr }))
}

/// The id of the task running on this thread, if any.
pub fn try_id() -> Option<TaskId> {
    with_current(|h| h.id)
}

/// The id of the task running on this thread.
///
/// # Panics
/// When called outside a task.
#[track_caller]
pub fn id() -> TaskId {
    try_id().expect(
        "runtime::task::id called outside of a task: call it from code running in a spawned task \
         or a block_on future, or use runtime::task::try_id",
    )
}

/// Requests cancellation of the task running on this thread: it will be
/// cancelled when its current poll returns `Pending`. Returns `false`
/// outside a task.
pub(crate) fn cancel_current() -> bool {
    with_current(|h| h.state.transition_to_cancelled().is_some()).unwrap_or(false)
}

/// The name of the task running on this thread (`None` outside a task or for
/// an unnamed task).
pub fn name() -> Option<String> {
    with_current(|h| h.meta.name()).flatten()
}
