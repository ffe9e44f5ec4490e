//! Polling, completing and cancelling a task, and reading its output.
//!
//! Everything here runs on a typed `&Cell<F, S>` handed over by `raw.rs` and
//! decides what it may touch from the state transitions in `state.rs`.
//!
//! Nothing here releases a task reference: a function that gives references
//! up returns how many, and its caller in `raw.rs` releases them after the
//! call has returned. Releasing the last one frees the cell, and that must
//! not happen while a `&Cell` argument of a call into this module is live
//! (a reference argument must stay valid for the whole call; see `cell` in
//! `raw.rs`).

use super::meta::Callback;
use super::raw::{Cell, Header, Notified, RawTask, Schedule};
use super::state::{ToIdle, ToRunning};
use super::{current, report, JoinError, TaskOutcome};
use crate::loom::sync::atomic::Ordering::Relaxed;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{Context, Poll, Waker};

/// Polls the task once; the caller's `Notified` reference is consumed.
/// Returns the number of references the caller must release after this
/// returns.
#[must_use = "the caller must release the returned references"]
pub(super) fn poll<F: Future, S: Schedule>(cell: &Cell<F, S>, raw: RawTask) -> usize {
    let header = &cell.header;
    match header.state.transition_to_running() {
        ToRunning::Failed => return 1,
        ToRunning::Cancel => return cancel(cell, raw),
        ToRunning::Poll => {}
    }
    // Only the owner of RUNNING writes the count, so a load and a store
    // will do (no locked instruction); readers (`all_tasks`) load it.
    header
        .polls
        .store(header.polls.load(Relaxed).wrapping_add(1), Relaxed);
    let waker = super::waker::waker_ref(&raw);
    let mut cx = Context::from_waker(&waker);
    let result = {
        let _current = current::enter(raw);
        catch_unwind(AssertUnwindSafe(|| {
            cell.stage.with_mut(|stage| {
                // SAFETY: we own RUNNING and the task is not COMPLETE, so
                // the stage holds the future and nobody else touches it.
                unsafe { (*stage).poll(&mut cx) }
            })
        }))
    };
    match result {
        // `transition_to_idle` released the poller's reference itself; it
        // cannot be the last (the registry or the handle holds one).
        Ok(Poll::Pending) => match header.state.transition_to_idle() {
            ToIdle::Idle => 0,
            ToIdle::Notified => {
                // SAFETY: the poller's reference and SCHEDULED now belong to
                // the new Notified (transition_to_idle kept both).
                cell.scheduler.yield_now(unsafe { Notified::from_raw(raw) });
                0
            }
            ToIdle::Cancel => cancel(cell, raw),
        },
        Ok(Poll::Ready(output)) => finish(cell, raw, Ok(output)),
        Err(payload) => {
            let error = JoinError::panic(header, payload);
            finish(cell, raw, Err(error))
        }
    }
}

/// Drops the future (we own `RUNNING`) and completes the task as cancelled,
/// or as panicked if the future's `Drop` panicked. Returns the references
/// to release, as [`complete`].
#[must_use = "the caller must release the returned references"]
fn cancel<F: Future, S: Schedule>(cell: &Cell<F, S>, raw: RawTask) -> usize {
    let output = match drop_future(cell) {
        Ok(()) => JoinError::cancelled(&cell.header),
        Err(payload) => JoinError::panic(&cell.header, payload),
    };
    complete(cell, raw, Err(output))
}

/// Drops the future in place (the caller owns `RUNNING` and the task is
/// not `COMPLETE`), as the current task. A panic in its `Drop` is caught
/// and returned; the future counts as dropped either way.
fn drop_future<F: Future, S>(cell: &Cell<F, S>) -> std::thread::Result<()> {
    let _current = current::enter_header(&cell.header);
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per the caller's contract the stage holds the future and
        // we own it (RUNNING); it is never touched again as a future.
        cell.stage
            .with_mut(|stage| unsafe { (*stage).drop_future() })
    }))
}

/// Takes the output out of the stage and drops it, reporting a panic
/// nobody retrieved; a panic in the output's `Drop` is swallowed.
///
/// # Safety
/// The task is `COMPLETE` with its output still in the stage, and the
/// caller owns it: the completer that found no join interest, or the handle
/// giving up `JOIN_INTEREST`.
unsafe fn drop_output<F: Future, S: Schedule>(
    cell: &Cell<F, S>,
    policy: impl FnOnce(&dyn Fn() -> crate::diagnostics::Report),
) {
    // SAFETY: forwarded contract.
    let output = cell
        .stage
        .with_mut(|stage| unsafe { (*stage).take_output() });
    if let Err(error) = &output {
        if error.is_panic() {
            policy(&|| report::describe(&cell.header, error));
        }
    }
    let _ = catch_unwind(AssertUnwindSafe(move || drop(output)));
}

/// The future returned a value (or panicked): drops it, then completes
/// the task. Returns the references to release, as [`complete`].
#[must_use = "the caller must release the returned references"]
fn finish<F: Future, S: Schedule>(
    cell: &Cell<F, S>,
    raw: RawTask,
    mut output: Result<F::Output, JoinError>,
) -> usize {
    // The future goes first: its destructor still runs as part of the task.
    if let Err(payload) = drop_future(cell) {
        if output.is_ok() {
            output = Err(JoinError::panic(&cell.header, payload));
        }
    }
    complete(cell, raw, output)
}

/// Stores the output, marks the task complete, and notifies the join
/// handle. The caller owns `RUNNING` and has dropped the future (the stage
/// is empty). Returns the references the caller must release once this has
/// returned: the poller's, and the registry's if it held one.
#[must_use = "the caller must release the returned references"]
fn complete<F: Future, S: Schedule>(
    cell: &Cell<F, S>,
    raw: RawTask,
    output: Result<F::Output, JoinError>,
) -> usize {
    let header = &cell.header;
    let outcome = match &output {
        Ok(_) => TaskOutcome::Completed,
        Err(e) => e.outcome(),
    };
    if outcome == TaskOutcome::Panicked {
        // The handle may drop this result unread later, on any thread, when
        // the scheduler may be gone: keep what the policy needs then.
        if let Some(reporter) = cell.scheduler.failure_reporter() {
            header.meta.set_failure_reporter(reporter);
        }
    }
    // SAFETY: we own RUNNING until the transition below publishes COMPLETE,
    // and the stage is empty: the caller dropped the future.
    cell.stage
        .with_mut(|stage| unsafe { (*stage).store_output(output) });
    let snapshot = header.state.transition_to_complete(outcome);
    // Leave the registry before anyone is told: once `task.await` returns,
    // `all_tasks()` no longer lists it.
    let registry_ref = cell.scheduler.release(raw);

    // Done callbacks run before the awaiting task is woken, as in asyncio
    // (where awaiting a task is itself the last callback registered).
    if snapshot.has_callbacks() {
        run_callbacks(header, header.meta.take_callbacks(), outcome);
    }

    if !snapshot.is_join_interested() {
        // Nobody will read the output: report an unseen failure, then drop it.
        // SAFETY: COMPLETE was published without join interest, so the
        // output we stored is still there and the completer owns it.
        unsafe { drop_output(cell, |report| cell.scheduler.unhandled_failure(report)) };
    } else if snapshot.has_join_waker() {
        header.join_waker.with(|waker| {
            // SAFETY: JOIN_WAKER was set when COMPLETE was published, so the
            // handle will not write the slot again; we only read it.
            if let Some(waker) = unsafe { &*waker } {
                waker.wake_by_ref();
            }
        });
    }
    1 + usize::from(registry_ref)
}

/// Runs done callbacks; a panicking callback is reported, not fatal.
pub(super) fn run_callbacks(header: &Header, callbacks: Vec<Callback>, outcome: TaskOutcome) {
    for callback in callbacks {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback(outcome))) {
            report::callback_panicked(header, &*payload);
        }
    }
}

/// The join handle's poll: returns the output once the task is complete,
/// otherwise registers `waker` to be woken at completion.
pub(super) fn try_read_output<F: Future, S>(
    cell: &Cell<F, S>,
    waker: &Waker,
) -> Option<Result<F::Output, JoinError>> {
    if !register_join_waker(&cell.header, waker) {
        return None;
    }
    let state = &cell.header.state;
    // Only the handle clears JOIN_INTEREST, so this load is reliable.
    assert!(
        state.load().is_join_interested(),
        "a runtime::Task was polled after it returned its output"
    );
    let output = cell.stage.with_mut(|stage| {
        // SAFETY: COMPLETE is set and we hold JOIN_INTEREST: the stage holds
        // the output, and it is ours.
        unsafe { (*stage).take_output() }
    });
    // The stage is empty now; say so (our drop then leaves it alone).
    state.output_taken();
    Some(output)
}

/// Returns `true` if the task is complete; otherwise makes sure `waker` is
/// the registered join waker.
pub(super) fn register_join_waker(header: &Header, waker: &Waker) -> bool {
    let state = &header.state;
    let snapshot = state.load();
    if snapshot.is_complete() {
        return true;
    }
    if snapshot.has_join_waker() {
        let same = header.join_waker.with(|w| {
            // SAFETY: while JOIN_WAKER is set nobody writes the slot; reading
            // it concurrently with the completer's read is fine.
            let current = unsafe { &*w };
            current.as_ref().is_some_and(|w| w.will_wake(waker))
        });
        if same {
            return false;
        }
        if state.unset_join_waker().is_err() {
            return true;
        }
    }
    header.join_waker.with_mut(|w| {
        // SAFETY: JOIN_WAKER is clear and we hold JOIN_INTEREST: the handle
        // owns the slot until it sets the bit.
        unsafe { *w = Some(waker.clone()) }
    });
    match state.set_join_waker() {
        Ok(_) => false,
        Err(_) => {
            // Completed meanwhile; the completer never saw our waker.
            // SAFETY: the bit is still clear, so the slot is still ours.
            header.join_waker.with_mut(|w| unsafe { *w = None });
            true
        }
    }
}

/// The join handle is dropped: give up join interest. Returns the handle's
/// reference (1), for the caller to release after this returns.
#[must_use = "the caller must release the returned references"]
pub(super) fn drop_join_handle<F: Future, S: Schedule>(cell: &Cell<F, S>) -> usize {
    let state = &cell.header.state;
    if !state.load().is_join_interested() {
        // We took the output already; only our reference is left.
        return 1;
    }
    let before = state.drop_join_interest();
    if before.is_complete() {
        // The completer saw our interest and left the output to us.
        // The scheduler is not ours to use here (this may run after the
        // runtime is gone): a failure goes to the reporter the completer
        // left, if the scheduler gave one (`Schedule::failure_reporter`).
        let policy = |report: &dyn Fn() -> crate::diagnostics::Report| match cell
            .header
            .meta
            .take_failure_reporter()
        {
            Some(reporter) => reporter(report),
            None => cell.scheduler.unhandled_failure(report),
        };
        // SAFETY: COMPLETE, and we held JOIN_INTEREST until just now: the
        // output is in the stage and nobody else will touch it.
        unsafe { drop_output(cell, policy) };
    } else {
        // SAFETY: we cleared JOIN_WAKER together with JOIN_INTEREST before
        // completion, so the completer will not read the slot.
        cell.header.join_waker.with_mut(|w| unsafe { *w = None });
    }
    1
}

/// Runtime shutdown reached this task; the caller's reference is consumed
/// (returned, with any others to release, as from [`poll`]).
#[must_use = "the caller must release the returned references"]
pub(super) fn shutdown<F: Future, S: Schedule>(cell: &Cell<F, S>, raw: RawTask) -> usize {
    if cell.header.state.transition_to_shutdown() {
        // We own RUNNING now; `complete` returns our reference.
        cancel(cell, raw)
    } else {
        1
    }
}
