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
