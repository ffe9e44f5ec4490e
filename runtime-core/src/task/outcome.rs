//! How a task ended, as told to done callbacks.

/// How a task ended (what `Task::add_done_callback` callbacks receive).
///
/// Its `Debug` output says it in one word: `Completed`, `Cancelled`,
/// `Panicked` or `Failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskOutcome {
    /// It returned its value.
    Completed,
    /// It was cancelled before finishing.
    Cancelled,
    /// It panicked.
    Panicked,
    /// It was a `TaskGroup` member and returned `Err`: the error went to the
    /// group (see `TaskGroup::join`).
    Failed,
}
