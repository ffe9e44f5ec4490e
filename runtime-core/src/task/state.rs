//! The task state word: ten flag bits and a reference count in one atomic.
//!
//! Every task has exactly one `State`. All decisions about who may touch the
//! future, the output and the join waker are made by compare-and-swap on this
//! word, so each is taken by exactly one thread.
//!
//! # Bits
//!
//! | bit | name | set when | cleared when | excludes |
//! | --- | --- | --- | --- | --- |
//! | 0 | `SCHEDULED` | a wake (or spawn, or `cancel`) finds the task idle and submits a [`Notified`](super::Notified); or a wake arrives while it is `RUNNING` | a worker moves it to `RUNNING` | a second submission: while set, wakes do nothing |
//! | 1 | `RUNNING` | a worker takes the task to poll it, or shutdown takes an idle task to cancel it | the poll returns `Pending` (back to idle) or the task completes | every other access to the future |
//! | 2 | `COMPLETE` | the future has been dropped and the output (or the `JoinError`) stored | never | `RUNNING`, `SCHEDULED` being acted upon |
//! | 3 | `CANCELLED` | `Task::cancel`, task-group cancellation or runtime shutdown | when the task completes with a value anyway (it finished before it saw the request) | nothing: it is a request the next owner of `RUNNING` honours |
//! | 4 | `JOIN_INTEREST` | at spawn: the `Task<T>` handle exists | the handle is dropped, or it took the output (the stage is then empty) | the runtime dropping the output (the handle will read it) |
//! | 5 | `JOIN_WAKER` | the handle stored a waker in the header's join-waker slot | the handle takes the waker back to replace it, or drops | the handle writing the waker slot (the completer may read it) |
//! | 6 | `HAS_CALLBACKS` | `add_done_callback` registered a callback (in the task's `Meta`) before completion | never | the completer skipping the callback list |
//! | 7 | `PANICKED` | at completion, if the task panicked | never | - |
//! | 8 | `FAILED` | at completion, if a task-group member returned `Err` (its error went to the group) | never | - |
//! | 9 | `GRACE` | with `CANCELLED`, by a task group's failure, on a task already `SCHEDULED` (woken): the poll it was woken for still happens | by the poller that takes `RUNNING` for that poll, at completion, and at shutdown | the poller honouring `CANCELLED` before that poll |
//!
//! The reference count lives in the bits above `REF_SHIFT`. References are
//! held by: the `Task<T>` handle, the live-task registry, every `Notified`
//! sitting in a queue (or being polled), and every `Waker`. The thread that
//! brings the count to zero frees the allocation.
//!
//! # Transitions
//!
//! - **spawn**: `SCHEDULED | JOIN_INTEREST`, three references (handle,
//!   registry, the first `Notified`); two for blocking tasks, which are not in
//!   the registry.
//! - **idle -> notified** (wake, cancel): sets `SCHEDULED` and adds the
//!   reference the new `Notified` owns. A wake consuming its waker's
//!   reference gives that reference to the `Notified` instead.
//! - **running -> notified** (a wake during the poll): sets `SCHEDULED`
//!   only; the poller resubmits the task when the poll returns.
//! - **notified -> running**: clears `SCHEDULED`, sets `RUNNING`. Fails when
//!   another owner (shutdown) already holds `RUNNING` or the task is
//!   `COMPLETE`; the poller then just drops its reference.
//! - **running -> idle**: clears `RUNNING` and releases the poller's
//!   reference, unless `SCHEDULED` was set meanwhile, in which case the
//!   reference goes to a new `Notified`. Fails when `CANCELLED` is set: the
//!   poller keeps `RUNNING` and cancels the task instead.
//! - **running -> complete**: clears `RUNNING`, sets `COMPLETE` and the
//!   outcome bits (`PANICKED` / `FAILED`); clears `CANCELLED` if the task
//!   produced its own output. The outcome stays readable after the output is
//!   taken, for done callbacks added late.
//! - **callback registered**: sets `HAS_CALLBACKS` unless the task is already
//!   `COMPLETE` (then the caller runs the callback itself, at once).
//! - **shutdown**: sets `CANCELLED` (and clears `GRACE`); if the task is
//!   idle also `RUNNING`, and the caller (the runtime shutting down)
//!   cancels it.
//! - **cancel keeping the wake** (`TaskGroup`'s failure rule): as
//!   `Task::cancel`, except that a task already `SCHEDULED` and not yet
//!   cancelled gets `CANCELLED | GRACE`: **notified -> running** then
//!   clears `GRACE` and polls instead of cancelling, and **running ->
//!   idle** with `SCHEDULED | GRACE` (woken during the poll under way)
//!   resubmits instead of cancelling, so the wake's poll comes first. That
//!   poll returning `Pending` finds `CANCELLED` alone: the task is
//!   cancelled then. Decided in one CAS, so a wake either landed before it
//!   (and is served) or after (and is not).
//! - **output taken** (`task.await` returned): the handle clears
//!   `JOIN_INTEREST` after moving the output out of the stage, so the stage
//!   is known to be empty (`stage.rs`: the stage has no discriminant of its
//!   own; this word says what it holds).
//! - **handle dropped**: clears `JOIN_INTEREST` (and `JOIN_WAKER` if not yet
//!   complete). If the task is already `COMPLETE` the handle drops the output,
//!   because the completer saw `JOIN_INTEREST` and left it. When the handle
//!   has nothing to clean up (output taken already, or not complete and no
//!   join waker stored) and its reference is not the last, the flag and the
//!   reference go in one CAS (`drop_join_handle_fast`).

use super::TaskOutcome;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};

const SCHEDULED: usize = 1 << 0;
const RUNNING: usize = 1 << 1;
const COMPLETE: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;
const HAS_CALLBACKS: usize = 1 << 6;
const PANICKED: usize = 1 << 7;
const FAILED: usize = 1 << 8;
const GRACE: usize = 1 << 9;

const REF_SHIFT: usize = 10;
const REF_ONE: usize = 1 << REF_SHIFT;
/// Past this many references something leaks wakers in a loop: abort rather
/// than overflow into the flag bits.
const REF_MAX: usize = usize::MAX >> (REF_SHIFT + 1);

/// The atomic state word of one task.
pub(crate) struct State {
    val: AtomicUsize,
}

/// A copy of the state word, for inspection.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What the poller must do after `transition_to_running`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Poll,
    /// Cancellation was requested: drop the future and complete as cancelled.
    Cancel,
    /// Someone else owns the task or it is complete: release the reference.
    Failed,
}

/// What the poller must do after `transition_to_idle`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Idle; the poller's reference was released.
    Idle,
    /// Woken during the poll: resubmit; the poller's reference now belongs to
    /// the new `Notified`.
    Notified,
    /// Cancelled during the poll: still `RUNNING`; cancel it now.
    Cancel,
}

/// What `transition_to_cancelled_keeping_wake` did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeepWake {
    /// The task is complete: nothing to cancel.
    Complete,
    /// It was woken: `CANCELLED | GRACE`, it gets that poll first.
    Graced,
    /// It is being polled (not woken since), or was already cancelled:
    /// `CANCELLED` is set, and honoured when the poll under way ends.
    Running,
    /// It was idle: cancelled and notified; submit the `Notified` (it owns
    /// one reference).
    Submit,
}

/// What a waker must do after marking the task notified.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// Nothing to submit (already queued, running, or complete).
    Nothing,
    /// Submit a `Notified`; it owns one reference.
    Submit,
    /// (by-value wakes only) the waker's reference was the last: free.
    Dealloc,
}

impl State {
    /// Initial state: scheduled, with a join handle, and `refs` references.
    pub(crate) fn new(refs: usize) -> State {
        State {
            val: AtomicUsize::new(SCHEDULED | JOIN_INTEREST | (refs * REF_ONE)),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    /// Applies `f` until the CAS succeeds; `f` returns `None` to stop without
    /// writing. Returns `f`'s result for the value it acted on.
    fn update<R>(&self, mut f: impl FnMut(usize) -> (Option<usize>, R)) -> R {
        let mut cur = self.val.load(Acquire);
        loop {
            let (next, res) = f(cur);
            let Some(next) = next else { return res };
            match self.val.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return res,
                Err(actual) => cur = actual,
            }
        }
    }

    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.update(|cur| {
            debug_assert!(cur & SCHEDULED != 0 || cur & (RUNNING | COMPLETE) != 0);
            if cur & (RUNNING | COMPLETE) != 0 {
                return (None, ToRunning::Failed);
            }
            let next = (cur & !(SCHEDULED | GRACE)) | RUNNING;
            let action = if cur & (CANCELLED | GRACE) == CANCELLED {
                ToRunning::Cancel
            } else {
                // Not cancelled, or cancelled with the grace of this poll
                // (cleared above: the next one is cancelled).
                ToRunning::Poll
            };
            (Some(next), action)
        })
    }

    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.update(|cur| {
            debug_assert!(cur & RUNNING != 0 && cur & COMPLETE == 0);
            // GRACE is only ever set together with SCHEDULED, and both are
            // cleared together when a poll starts.
            debug_assert!(cur & GRACE == 0 || cur & SCHEDULED != 0);
            if cur & CANCELLED != 0 && cur & GRACE == 0 {
                return (None, ToIdle::Cancel);
            }
            let mut next = cur & !RUNNING;
            if cur & SCHEDULED != 0 {
                (Some(next), ToIdle::Notified)
            } else {
                debug_assert!(next >> REF_SHIFT >= 2, "the registry or handle holds a ref");
                next -= REF_ONE;
                (Some(next), ToIdle::Idle)
            }
        })
    }

    /// Marks the task complete. `produced_output`: it finished by itself (a
    /// value or a panic), so a late cancellation request is forgotten.
    pub(crate) fn transition_to_complete(&self, outcome: TaskOutcome) -> Snapshot {
        let outcome_bits = match outcome {
            TaskOutcome::Completed | TaskOutcome::Cancelled => 0,
            TaskOutcome::Panicked => PANICKED,
            TaskOutcome::Failed => FAILED,
        };
        self.update(|cur| {
            debug_assert!(cur & RUNNING != 0 && cur & COMPLETE == 0);
            let mut next = (cur & !(RUNNING | GRACE)) | COMPLETE | outcome_bits;
            if outcome != TaskOutcome::Cancelled {
                // It finished by itself: a late cancellation request is moot.
                next &= !CANCELLED;
            }
            (Some(next), Snapshot(next))
        })
    }

    /// A done callback is being registered. Returns `Err(outcome)` if the
    /// task is already complete (the caller runs the callback at once);
    /// otherwise the completer will look at the callback list.
    pub(crate) fn set_has_callbacks(&self) -> Result<(), TaskOutcome> {
        let prev = Snapshot(self.val.fetch_or(HAS_CALLBACKS, AcqRel));
        match prev.outcome() {
            Some(outcome) => Err(outcome),
            None => Ok(()),
        }
    }

    /// A by-reference wake.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.update(|cur| {
            if cur & (SCHEDULED | COMPLETE) != 0 {
                (None, ToNotified::Nothing)
            } else if cur & RUNNING != 0 {
                (Some(cur | SCHEDULED), ToNotified::Nothing)
            } else {
                check_ref_overflow(cur);
                (Some((cur | SCHEDULED) + REF_ONE), ToNotified::Submit)
            }
        })
    }

    /// A by-value wake: the waker's reference is consumed.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.update(|cur| {
            if cur & RUNNING != 0 {
                // The poller holds a reference, so ours cannot be the last.
                (Some((cur | SCHEDULED) - REF_ONE), ToNotified::Nothing)
            } else if cur & (SCHEDULED | COMPLETE) != 0 {
                let next = cur - REF_ONE;
                let action = if next >> REF_SHIFT == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::Nothing
                };
                (Some(next), action)
            } else {
                // Our reference becomes the Notified's.
                (Some(cur | SCHEDULED), ToNotified::Submit)
            }
        })
    }

    /// `Task::cancel`: requests cancellation. Returns `None` when the task is
    /// already complete, otherwise whether a `Notified` must be submitted so
    /// that a worker drops the future.
    pub(crate) fn transition_to_cancelled(&self) -> Option<ToNotified> {
        self.update(|cur| {
            if cur & COMPLETE != 0 {
                (None, None)
            } else if cur & (RUNNING | SCHEDULED) != 0 {
                (Some(cur | CANCELLED), Some(ToNotified::Nothing))
            } else {
                check_ref_overflow(cur);
                let next = (cur | CANCELLED | SCHEDULED) + REF_ONE;
                (Some(next), Some(ToNotified::Submit))
            }
        })
    }

    /// A task group's failure: requests cancellation, keeping the poll of a
    /// wake that already happened (see the module docs and [`KeepWake`]).
    pub(crate) fn transition_to_cancelled_keeping_wake(&self) -> KeepWake {
        self.update(|cur| {
            if cur & COMPLETE != 0 {
                (None, KeepWake::Complete)
            } else if cur & CANCELLED != 0 {
                // Already cancelled (by its handle, say): no grace.
                (None, KeepWake::Running)
            } else if cur & SCHEDULED != 0 {
                (Some(cur | CANCELLED | GRACE), KeepWake::Graced)
            } else if cur & RUNNING != 0 {
                (Some(cur | CANCELLED), KeepWake::Running)
            } else {
                check_ref_overflow(cur);
                let next = (cur | CANCELLED | SCHEDULED) + REF_ONE;
                (Some(next), KeepWake::Submit)
            }
        })
    }

    /// Runtime shutdown: requests cancellation, and takes `RUNNING` if the task
    /// is idle. Returns `true` if the caller now owns the task and must cancel
    /// it.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.update(|cur| {
            if cur & COMPLETE != 0 {
                (None, false)
            } else if cur & RUNNING != 0 {
                (Some((cur | CANCELLED) & !GRACE), false)
            } else {
                (Some((cur | CANCELLED | RUNNING) & !GRACE), true)
            }
        })
    }

    /// The handle is being dropped. Returns the state before: if it was
    /// `COMPLETE`, the caller must drop the output; otherwise the caller now
    /// owns the join-waker slot.
    pub(crate) fn drop_join_interest(&self) -> Snapshot {
        self.update(|cur| {
            debug_assert!(cur & JOIN_INTEREST != 0);
            let next = if cur & COMPLETE != 0 {
                cur & !JOIN_INTEREST
            } else {
                cur & !(JOIN_INTEREST | JOIN_WAKER)
            };
            (Some(next), Snapshot(cur))
        })
    }

    /// The handle took the output out of the stage: it gives up
    /// `JOIN_INTEREST`, so that its drop (and a `peek_result`) know the
    /// stage is empty.
    pub(crate) fn output_taken(&self) {
        let prev = self.val.fetch_and(!JOIN_INTEREST, AcqRel);
        debug_assert!(prev & COMPLETE != 0 && prev & JOIN_INTEREST != 0);
    }

    /// The handle is being dropped and has nothing left to do in the task:
    /// it took the output already (`JOIN_INTEREST` is clear), or the task
    /// is not `COMPLETE` and no join waker is stored (`JOIN_WAKER` clear, so
    /// the slot is empty). If its reference is not the last, gives up
    /// `JOIN_INTEREST` and that reference in one step and returns `true`;
    /// otherwise changes nothing and returns `false` (the caller takes the
    /// general path: [`drop_join_interest`](Self::drop_join_interest)).
    pub(crate) fn drop_join_handle_fast(&self) -> bool {
        self.update(|cur| {
            let nothing_to_do = cur & JOIN_INTEREST == 0 || cur & (COMPLETE | JOIN_WAKER) == 0;
            if nothing_to_do && cur >> REF_SHIFT >= 2 {
                (Some((cur & !JOIN_INTEREST) - REF_ONE), true)
            } else {
                (None, false)
            }
        })
    }

    /// The handle publishes the waker it wrote. Fails (returning the state)
    /// if the task completed meanwhile; the handle then still owns the slot.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|cur| {
            debug_assert!(cur & JOIN_INTEREST != 0 && cur & JOIN_WAKER == 0);
            if cur & COMPLETE != 0 {
                (None, Err(Snapshot(cur)))
            } else {
                (Some(cur | JOIN_WAKER), Ok(Snapshot(cur | JOIN_WAKER)))
            }
        })
    }

    /// The handle takes back the join-waker slot to replace the waker. Fails if
    /// the task completed meanwhile (the completer may be reading the slot).
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|cur| {
            debug_assert!(cur & JOIN_INTEREST != 0 && cur & JOIN_WAKER != 0);
            if cur & COMPLETE != 0 {
                (None, Err(Snapshot(cur)))
            } else {
                (Some(cur & !JOIN_WAKER), Ok(Snapshot(cur & !JOIN_WAKER)))
            }
        })
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        check_ref_overflow(prev);
    }

    /// Releases `n` references; returns `true` if they were the last.
    pub(crate) fn ref_dec(&self, n: usize) -> bool {
        let prev = self.val.fetch_sub(n * REF_ONE, AcqRel);
        debug_assert!(prev >> REF_SHIFT >= n, "task reference count underflow");
        prev >> REF_SHIFT == n
    }
}

fn check_ref_overflow(cur: usize) {
    if cur >> REF_SHIFT >= REF_MAX {
        // Continuing would corrupt the flag bits; this only happens when
        // wakers are leaked in a loop.
        std::process::abort();
    }
}

impl Snapshot {
    pub(crate) fn is_scheduled(self) -> bool {
        self.0 & SCHEDULED != 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn has_join_waker(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn has_callbacks(self) -> bool {
        self.0 & HAS_CALLBACKS != 0
    }
    /// How the task ended, once it is complete.
    pub(crate) fn outcome(self) -> Option<TaskOutcome> {
        if self.0 & COMPLETE == 0 {
            None
        } else if self.0 & PANICKED != 0 {
            Some(TaskOutcome::Panicked)
        } else if self.0 & FAILED != 0 {
            Some(TaskOutcome::Failed)
        } else if self.0 & CANCELLED != 0 {
            Some(TaskOutcome::Cancelled)
        } else {
            Some(TaskOutcome::Completed)
        }
    }
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("scheduled", &self.is_scheduled())
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.has_join_waker())
            .field("refs", &(self.0 >> REF_SHIFT))
            .finish()
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn spawn_poll_pending_wake_poll_complete() {
        let s = State::new(3);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Idle);
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Submit);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Nothing);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        let snap = s.transition_to_complete(TaskOutcome::Completed);
        assert!(snap.is_complete() && !snap.is_running());
        assert!(
            s.transition_to_cancelled().is_none(),
            "cancel after completion"
        );
    }

    #[test]
    fn wake_while_running_resubmits() {
        let s = State::new(3);
        s.transition_to_running();
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Nothing);
        assert_eq!(s.transition_to_idle(), ToIdle::Notified);
        assert_eq!(
            s.load().ref_count(),
            3,
            "the poller's ref moved to the new Notified"
        );
    }

    #[test]
    fn cancel_idle_submits_and_running_defers() {
        let s = State::new(3);
        s.transition_to_running();
        s.transition_to_idle();
        assert_eq!(s.transition_to_cancelled(), Some(ToNotified::Submit));
        assert_eq!(s.transition_to_running(), ToRunning::Cancel);

        let s = State::new(3);
        s.transition_to_running();
        assert_eq!(s.transition_to_cancelled(), Some(ToNotified::Nothing));
        assert_eq!(s.transition_to_idle(), ToIdle::Cancel);
        assert!(s
            .transition_to_complete(TaskOutcome::Cancelled)
            .is_cancelled());
    }

    #[test]
    fn completing_with_a_value_forgets_a_late_cancel() {
        let s = State::new(3);
        s.transition_to_running();
        s.transition_to_cancelled();
        let snap = s.transition_to_complete(TaskOutcome::Completed);
        assert!(snap.is_complete() && !snap.is_cancelled());
    }

    #[test]
    fn cancel_keeping_wake_serves_the_wake_first() {
        // Woken and queued: the next poll happens, the one after does not.
        let s = State::new(3);
        s.transition_to_running();
        s.transition_to_idle();
        s.transition_to_notified_by_ref();
        assert_eq!(s.transition_to_cancelled_keeping_wake(), KeepWake::Graced);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Cancel);

        // Woken during the poll under way: resubmitted, polled, then cancelled.
        let s = State::new(3);
        s.transition_to_running();
        s.transition_to_notified_by_ref();
        assert_eq!(s.transition_to_cancelled_keeping_wake(), KeepWake::Graced);
        assert_eq!(s.transition_to_idle(), ToIdle::Notified);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Cancel);

        // Running, not woken: cancelled when the poll ends.
        let s = State::new(3);
        s.transition_to_running();
        assert_eq!(s.transition_to_cancelled_keeping_wake(), KeepWake::Running);
        assert_eq!(s.transition_to_idle(), ToIdle::Cancel);

        // Idle: cancelled at once, through a new Notified.
        let s = State::new(3);
        s.transition_to_running();
        s.transition_to_idle();
        assert_eq!(s.transition_to_cancelled_keeping_wake(), KeepWake::Submit);
        assert_eq!(s.transition_to_running(), ToRunning::Cancel);

        // Already cancelled by its handle: no grace.
        let s = State::new(3);
        s.transition_to_cancelled();
        assert_eq!(s.transition_to_cancelled_keeping_wake(), KeepWake::Running);
        assert_eq!(s.transition_to_running(), ToRunning::Cancel);

        // Shutdown takes the grace away.
        let s = State::new(3);
        assert_eq!(s.transition_to_cancelled_keeping_wake(), KeepWake::Graced);
        assert!(s.transition_to_shutdown());
        assert_eq!(s.transition_to_running(), ToRunning::Failed);
        let s = State::new(3);
        s.transition_to_running();
        s.transition_to_notified_by_ref();
        s.transition_to_cancelled_keeping_wake();
        assert!(!s.transition_to_shutdown());
        assert_eq!(s.transition_to_idle(), ToIdle::Cancel);
    }

    #[test]
    fn shutdown_takes_idle_tasks_only() {
        let s = State::new(3);
        assert!(
            s.transition_to_shutdown(),
            "scheduled but not running: taken"
        );
        assert_eq!(s.transition_to_running(), ToRunning::Failed);
        let s = State::new(3);
        s.transition_to_running();
        assert!(!s.transition_to_shutdown());
        assert_eq!(s.transition_to_idle(), ToIdle::Cancel);
    }

    #[test]
    fn by_value_wake_of_complete_task_can_free() {
        let s = State::new(1);
        s.transition_to_running();
        s.transition_to_complete(TaskOutcome::Completed);
        s.ref_inc(); // a waker
        assert!(!s.ref_dec(1));
        assert_eq!(s.transition_to_notified_by_val(), ToNotified::Dealloc);
    }

    #[test]
    fn join_waker_protocol() {
        let s = State::new(3);
        assert!(s.set_join_waker().is_ok());
        assert!(s.unset_join_waker().is_ok());
        assert!(s.set_join_waker().is_ok());
        s.transition_to_running();
        s.transition_to_complete(TaskOutcome::Completed);
        assert!(s.unset_join_waker().is_err(), "completer owns the slot now");
        assert!(s.drop_join_interest().is_complete());
    }
}
