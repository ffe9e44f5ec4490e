//! Wording of the reports about failures nobody would see otherwise.
//!
//! A task that panics while nobody holds its `Task` handle (or whose handle
//! is dropped without reading the result) would lose the panic silently; the
//! runtime's unhandled-failure policy reports it instead, like asyncio's
//! "Task exception was never retrieved".

use super::raw::Header;
use super::JoinError;
use crate::diagnostics::{emit, Level, Report, Subject};

/// The task a report is about: its id, name and spawn site.
pub(crate) fn subject(header: &Header) -> Subject {
    Subject {
        id: header.id.as_u64(),
        name: header.meta.name(),
        spawned_at: header.location(),
    }
}

/// "task 'name' (id N, spawned at file:line) panicked and its result was
/// never retrieved: message".
pub(super) fn describe(header: &Header, error: &JoinError) -> Report {
    let task = subject(header);
    let message = error
        .panic_message()
        .unwrap_or_else(|| "<non-string panic payload>".to_owned());
    Report {
        kind: "unretrieved_panic",
        level: Level::Error,
        message: format!(
            "{} panicked and its result was never retrieved: {message}",
            task.describe()
        ),
        task: Some(task),
    }
}

/// Wakes `waker` for a driver (`by` names it in the report: "the time
/// driver", "the I/O reactor"), containing a panic in its `wake`.
///
/// The runtime's own wakers never panic, but a future polled by another
/// executor registers that executor's waker with the runtime's timers and
/// sockets, and its `wake` may. The drivers wake from whichever thread
/// drives them: a worker parked in the I/O poll, a busy worker between
/// tasks, the reactor or timer thread. Unwinding there would kill that
/// thread (a worker lost with its queue, or the driver itself, and with it
/// every timer and socket of the runtime) for one foreign future's bug. So
/// the panic is caught, reported (like a done callback's), and the driver
/// carries on with the next waker; the waker is consumed either way. A
/// waker panicking inside a task (a channel's send waking a foreign
/// receiver) needs nothing here: the task's poll catches it and the task
/// fails with it, as any panic in a poll.
#[doc(hidden)]
pub fn wake_contained(waker: std::task::Waker, by: &str) {
    let woken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || waker.wake()));
    if let Err(payload) = woken {
        let message =
            super::error::panic_message(&*payload).unwrap_or("<non-string panic payload>");
        emit(&Report::plain(
            "waker_panic",
            Level::Error,
            format!(
                "a waker panicked when {by} woke it; the panic was contained and {by} \
                 carries on: {message}"
            ),
        ));
    }
}

/// Reports a done callback that panicked (the task and the runtime carry on).
pub(super) fn callback_panicked(header: &Header, payload: &(dyn std::any::Any + Send)) {
    let message = super::error::panic_message(payload).unwrap_or("<non-string panic payload>");
    let task = subject(header);
    emit(&Report {
        kind: "callback_panic",
        level: Level::Error,
        message: format!("a done callback of {} panicked: {message}", task.describe()),
        task: Some(task),
    });
}
