//! `SharedRef`: how a runtime task finds its runtime.
//!
//! Each task cell stores its scheduler (`raw.rs`). For runtime tasks that
//! is a `SharedRef`: a plain pointer to the runtime's `Shared`, with
//! nothing counted per task. (A counted `Arc<Shared>` per task would cost
//! two atomic read-modify-writes on one counter shared by every thread of
//! the runtime, the increment at spawn and the decrement when the cell is
//! freed, usually on another worker: that cache line would bounce between
//! workers on every spawn.)
//!
//! # Why the pointer stays valid
//!
//! A task uses its `SharedRef` only
//!
//! 1. to submit itself after a wake or a cancellation found it idle
//!    (`schedule`) or woken during its poll (`yield_now`): the task is not
//!    `COMPLETE` then (`state.rs`: those transitions never submit a complete
//!    task);
//! 2. in its completion (`release`, `unhandled_failure`, `failure_reporter`),
//!    run by the thread that owns `RUNNING`;
//!
//! and never in its join handle's drop, which can happen anywhere, at any
//! time: a failure report left to the handle goes through the counted
//! reporter that `failure_reporter` gave the task at completion.
//!
//! While a runtime task is not complete, someone holds an `Arc<Shared>`:
//! the `Runtime` itself until its shutdown has run, and shutdown leaves no
//! task incomplete except those being polled by a thread that holds its own
//! `Arc` (a worker still in a poll, or a `block_on` thread). Shutdown closes
//! the registry, which holds every task spawned and not complete
//! (`registry.rs`: a spawn after the close is rejected and the task
//! completed as cancelled by the spawner, which holds a `Handle`), and
//! cancels each one (`Shared::shutdown_tasks`): an idle or queued task
//! completes right there; a running one is cancelled by its poller when the
//! poll returns. A task that is polling, or completing, has a poller: a
//! worker (its thread owns a `Handle`), `block_on` (borrows one), or the
//! thread running shutdown (owns the `Runtime`). So case 1 and case 2 both
//! happen while `Shared` is alive.
//!
//! Under loom each `SharedRef` also holds a counted `Arc`, as the `Handle`
//! did: the scheduler models rely on loom reporting "Arc leaked" for a task
//! that is never freed.
//!
//! # The check
//!
//! Debug builds do not trust the argument above: each `SharedRef` also
//! holds a `Weak` on the runtime, and every use (`shared`,
//! `failure_reporter`) first asserts that the runtime is still alive, so a
//! path that breaks the invariant panics with this module's name instead of
//! reading freed memory. (A `Weak` per task is the counted reference the
//! release build avoids, so the check is debug-only.) A task *cell* may
//! outlive its runtime (a join handle held past the runtime's drop keeps
//! it); only using its `SharedRef` then would be a bug, and that is what is
//! checked. The cases: this module's tests (a task's waker woken and its
//! join handle dropped after the runtime is gone; the check firing on a
//! `SharedRef` used after its runtime was freed), run in debug by
//! `cargo test -p runtime-core` and by `ci/sanitizers.sh`.

use super::{Handle, Shared};
use crate::loom::sync::Arc;
use crate::task::raw::{FailureReporter, Notified, RawTask, Schedule};
use std::ptr::NonNull;

/// The scheduler stored in each runtime task: a pointer to its runtime.
pub(crate) struct SharedRef {
    shared: NonNull<Shared>,
    #[cfg(runtime_loom)]
    _counted: Arc<Shared>,
    /// Debug builds: what [`SharedRef::check_alive`] asks.
    #[cfg(all(debug_assertions, not(runtime_loom)))]
    alive: std::sync::Weak<Shared>,
}

// SAFETY: a `SharedRef` only gives out `&Shared`, and `Shared` is `Sync`
// (checked below), so sending or sharing the pointer across threads is as
// safe as sending or sharing `&Shared`.
unsafe impl Send for SharedRef {}
// SAFETY: as above.
unsafe impl Sync for SharedRef {}

const _: () = {
    const fn shared_is_send_and_sync<T: Send + Sync>() {}
    shared_is_send_and_sync::<Shared>();
};

impl SharedRef {
    /// A reference to `handle`'s runtime for a task about to be spawned
    /// on it.
    pub(crate) fn new(handle: &Handle) -> SharedRef {
        SharedRef {
            // From `Arc::as_ptr`: the pointer keeps the provenance of the
            // whole `Arc` allocation, not that of a short-lived borrow.
            shared: NonNull::new(Arc::as_ptr(&handle.shared).cast_mut())
                .expect("Arc::as_ptr is never null"),
            #[cfg(runtime_loom)]
            _counted: handle.shared.clone(),
            #[cfg(all(debug_assertions, not(runtime_loom)))]
            alive: Arc::downgrade(&handle.shared),
        }
    }

    /// Debug builds: panics if the runtime is gone (see "The check").
    #[inline]
    fn check_alive(&self) {
        #[cfg(all(debug_assertions, not(runtime_loom)))]
        assert!(
            self.alive.strong_count() > 0,
            "a task used its runtime after the runtime was freed \
             (the invariant of scheduler/shared_ref.rs is broken)"
        );
    }

    fn shared(&self) -> &Shared {
        self.check_alive();
        // An `Arc<Shared>` is held elsewhere during both uses of the module
        // doc (the `Schedule` methods below, called only then).
        // SAFETY: so the allocation is live; `Shared` is only shared (`&`).
        unsafe { self.shared.as_ref() }
    }
}

impl Schedule for SharedRef {
    fn schedule(&self, task: Notified) {
        self.shared().schedule(task, false);
    }

    fn yield_now(&self, task: Notified) {
        self.shared().schedule(task, true);
    }

    fn release(&self, task: RawTask) -> bool {
        self.shared().release(task)
    }

    fn unhandled_failure(&self, report: &dyn Fn() -> crate::diagnostics::Report) {
        self.shared().unhandled_failure(report);
    }

    fn failure_reporter(&self) -> Option<FailureReporter> {
        self.check_alive();
        let ptr = self.shared.as_ptr().cast_const();
        // SAFETY: `ptr` came from `Arc::as_ptr` (`new`) and the `Arc` is
        // alive: this runs in the task's completion (use 2). Incrementing
        // the count first makes the `Arc` rebuilt here an owned one.
        let shared = unsafe {
            Arc::increment_strong_count(ptr);
            Arc::from_raw(ptr)
        };
        let handle = Handle { shared };
        Some(Box::new(move |report| {
            handle.shared.unhandled_failure(report)
        }))
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use crate::scheduler::Builder;
    use std::sync::Mutex;
    use std::task::{Poll, Waker};

    /// A task parked on a waker it handed out; the runtime dropped while it
    /// waits; then the waker is woken and the join handle dropped on a
    /// thread with no runtime. Shutdown completed the task, so neither
    /// touches the runtime (in a debug build a use would fail the check).
    #[test]
    fn waker_and_join_handle_used_after_the_runtime_is_gone() {
        for workers in [1, 2] {
            let rt = Builder::new_multi_thread()
                .worker_threads(workers)
                .build()
                .unwrap();
            let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
            let (parked_tx, parked_rx) = std::sync::mpsc::channel();
            let task = rt.spawn({
                let slot = slot.clone();
                std::future::poll_fn(move |cx| {
                    *slot.lock().unwrap() = Some(cx.waker().clone());
                    let _ = parked_tx.send(());
                    Poll::<()>::Pending
                })
            });
            parked_rx.recv().unwrap();
            let weak = Arc::downgrade(&rt.handle().shared);
            drop(rt);
            assert_eq!(weak.strong_count(), 0, "the runtime is freed");
            let waker = slot.lock().unwrap().take().expect("the task was polled");
            waker.wake_by_ref();
            waker.wake();
            drop(task);
        }
    }

    /// The check itself: a `SharedRef` whose runtime was freed panics on
    /// use instead of reading freed memory.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "the invariant of scheduler/shared_ref.rs is broken")]
    fn the_check_fires_on_a_use_after_the_runtime_is_freed() {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let r = SharedRef::new(rt.handle());
        let weak = Arc::downgrade(&rt.handle().shared);
        drop(rt);
        assert_eq!(weak.strong_count(), 0, "the runtime is freed");
        let _ = r.failure_reporter();
    }
}
