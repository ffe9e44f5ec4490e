//! Cooperative scheduling budget.
//!
//! A task that never returns `Pending` would keep its worker forever, and a
//! task whose resources are always ready (a socket with data queued, a channel
//! that is never empty) behaves exactly like that. So each poll of a task gets
//! a budget of [`BUDGET_PER_POLL`] operations. Every resource of the runtime
//! (join handles, sync primitives, sockets) calls [`poll_proceed`] before
//! doing work; once the budget is spent, `poll_proceed` wakes the task and
//! returns `Pending`, the task's poll ends, and the worker puts it at the back
//! of its queue so other tasks run.
//!
//! Outside a runtime-driven poll (a plain thread, a foreign executor) the
//! budget is unconstrained and `poll_proceed` always proceeds.
//!
//! The protocol is entirely thread-local: no atomics, nothing shared.

use crate::loom::thread_local_const;
use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations a task may perform in one poll before it is made to yield.
pub const BUDGET_PER_POLL: u8 = 128;

thread_local_const! {
    /// `None`: unconstrained. `Some(n)`: `n` operations left in this poll.
    static BUDGET: Cell<Option<u8>> = Cell::new(None);
    /// Set when `poll_proceed` forced a yield during the current poll.
    static FORCED: Cell<bool> = Cell::new(false);
}

/// Runs `f` (one poll of a task) with a fresh budget, restoring the previous
/// budget afterwards. Returns `f`'s result and whether the budget ran out.
pub(crate) fn with_budget<R>(f: impl FnOnce() -> R) -> (R, bool) {
    struct Restore(Option<u8>, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let (budget, forced) = (self.0, self.1);
            let _ = BUDGET.try_with(|b| b.set(budget));
            let _ = FORCED.try_with(|f| f.set(forced));
        }
    }
    let prev_budget = BUDGET.with(|b| b.replace(Some(BUDGET_PER_POLL)));
    let prev_forced = FORCED.with(|f| f.replace(false));
    let _restore = Restore(prev_budget, prev_forced);
    let out = f();
    let forced = FORCED.with(|f| f.get());
    (out, forced)
}

/// Consumes one unit of the current task's budget.
///
/// Returns `Ready(())` when the caller may go ahead. When the budget is spent
/// it wakes `cx`'s waker and returns `Pending`: the caller must then return
/// `Pending` too, without having done any work, and it will be polled again
/// after the other tasks queued on its worker.
///
/// Resource implementors (sockets, channels) call this at the top of every
/// `poll_*` method that could otherwise return `Ready` indefinitely.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    let spent = BUDGET.with(|b| match b.get() {
        None => false,
        Some(0) => true,
        Some(n) => {
            b.set(Some(n - 1));
            false
        }
    });
    if spent {
        FORCED.with(|f| f.set(true));
        cx.waker().wake_by_ref();
        Poll::Pending
    } else {
        Poll::Ready(())
    }
}

/// Whether the current task may still perform an operation in this poll
/// (always `true` outside a runtime-driven poll).
pub fn has_budget_remaining() -> bool {
    BUDGET.with(|b| b.get() != Some(0))
}

/// Gives back one unit: for a resource that called [`poll_proceed`] and then
/// found it could not make progress (it returns `Pending` for a real reason).
pub fn refund() {
    BUDGET.with(|b| {
        if let Some(n) = b.get() {
            b.set(Some(n.saturating_add(1).min(BUDGET_PER_POLL)));
        }
    });
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn unconstrained_outside_a_poll() {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            assert!(poll_proceed(&mut cx).is_ready());
        }
    }

    #[test]
    fn budget_runs_out_and_is_restored() {
        let mut cx = Context::from_waker(Waker::noop());
        let (ready, forced) = with_budget(|| {
            let mut ready = 0;
            while poll_proceed(&mut cx).is_ready() {
                ready += 1;
            }
            ready
        });
        assert_eq!(ready, usize::from(BUDGET_PER_POLL));
        assert!(forced);
        assert!(has_budget_remaining(), "budget restored after the poll");
        let ((), forced) = with_budget(|| ());
        assert!(!forced);
    }
}
