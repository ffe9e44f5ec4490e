//! Wording of the reports about failures nobody would see otherwise.
//!
//! A task that panics while nobody holds its `Task` handle (or whose handle
//! is dropped without reading the result) would lose the panic silently; the
//! runtime's unhandled-failure policy reports it instead, like asyncio's
//! "Task exception was never retrieved".

use super::raw::Header;
use super::JoinError;
use crate::scheduler::failure::emit;

/// "task 'name' (id N, spawned at file:line) panicked and its result was
/// never retrieved: message".
pub(super) fn describe(header: &Header, error: &JoinError) -> String {
    let who = match header.meta.name() {
        Some(name) => format!("task '{name}'"),
        None => "task".to_owned(),
    };
    let message = error
        .panic_message()
        .unwrap_or_else(|| "<non-string panic payload>".to_owned());
    format!(
        "{who} (id {}, spawned at {}) panicked and its result was never retrieved: {message}",
        header.id,
        header.location()
    )
}

/// Reports a done callback that panicked (the task and the runtime carry on).
pub(super) fn callback_panicked(header: &Header, payload: &(dyn std::any::Any + Send)) {
    let message = super::error::panic_message(payload).unwrap_or("<non-string panic payload>");
    emit(&format!(
        "a done callback of task {} (spawned at {}) panicked: {message}",
        header.id,
        header.location()
    ));
}
