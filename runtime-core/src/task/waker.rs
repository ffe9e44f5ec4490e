//! A task's `Waker` is a counted reference to its header.
//!
//! - `clone` adds a reference; `drop` releases one (freeing the task if it
//!   was the last).
//! - `wake_by_ref` marks the task notified and, if it was idle, submits a
//!   `Notified` holding a fresh reference.
//! - `wake` does the same but gives its own reference to the `Notified` (or
//!   releases it if there is nothing to submit).
//!
//! Waking from any thread, any number of times, before, during or after
//! completion, and after the runtime is gone, is safe: the reference keeps
//! the allocation alive, a complete task ignores wakes, and a scheduler that
//! has shut down drops what it is given.

use super::raw::RawTask;
use super::state::ToNotified;
use std::mem::ManuallyDrop;
use std::task::{RawWaker, RawWakerVTable, Waker};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker for the task being polled that borrows the poller's reference
/// instead of taking its own: no reference-count traffic per poll.
pub(super) fn waker_ref(raw: &RawTask) -> ManuallyDrop<Waker> {
    let raw_waker = RawWaker::new(raw.as_waker_data(), &VTABLE);
    // SAFETY: the vtable's functions uphold the RawWaker contract for this
    // data pointer; the ManuallyDrop ensures the borrowed reference is never
    // released by this particular Waker value (clones take their own).
    ManuallyDrop::new(unsafe { Waker::from_raw(raw_waker) })
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` came from a live task's waker, which holds a reference.
    let raw = unsafe { RawTask::from_waker_data(data) };
    raw.header().state.ref_inc();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: as in `clone`; this waker's reference is consumed below.
    let raw = unsafe { RawTask::from_waker_data(data) };
    match raw.header().state.transition_to_notified_by_val() {
        ToNotified::Nothing => {}
        ToNotified::Submit => raw.schedule(),
        // SAFETY: the transition observed the count reaching zero.
        ToNotified::Dealloc => unsafe { raw.dealloc() },
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: as in `clone`.
    let raw = unsafe { RawTask::from_waker_data(data) };
    if raw.header().state.transition_to_notified_by_ref() == ToNotified::Submit {
        raw.schedule();
    }
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: as in `clone`; this waker's reference is released.
    let raw = unsafe { RawTask::from_waker_data(data) };
    raw.drop_refs(1);
}
