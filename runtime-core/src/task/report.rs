//! Reporting failures nobody will see otherwise.
//!
//! A task that panics while nobody holds its `Task` handle (or whose handle
//! is dropped without reading the result) would lose the panic silently; we
//! report it instead, like asyncio's "Task exception was never retrieved".

use super::raw::Header;
use super::JoinError;

/// Reports a done callback that panicked (the task and the runtime carry on).
pub(super) fn callback_panicked(header: &Header, payload: &(dyn std::any::Any + Send)) {
    let message = super::error::panic_message(payload).unwrap_or("<non-string panic payload>");
    eprintln!(
        "runtime: a done callback of task {} (spawned at {}) panicked: {message}",
        header.id, header.location
    );
}

/// Reports a failed task whose result will never be retrieved. Cancellation
/// is not a failure and is not reported.
pub(super) fn unretrieved_failure(header: &Header, error: &JoinError) {
    if !error.is_panic() {
        return;
    }
    let name = match header.meta.name().as_deref() {
        Some(name) => format!("task '{name}'"),
        None => "task".to_owned(),
    };
    let message = error
        .panic_message()
        .unwrap_or_else(|| "<non-string panic payload>".to_owned());
    eprintln!(
        "runtime: {name} (id {}, spawned at {}) panicked and its result was never retrieved: {message}",
        header.id, header.location
    );
}
