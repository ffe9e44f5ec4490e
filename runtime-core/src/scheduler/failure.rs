//! What happens to a failure nobody will see: the unhandled-failure policy.

/// What a runtime does when a task panics while nobody holds or awaits its
/// `Task` (asyncio's "Task exception was never retrieved").
///
/// Set with `Builder::unhandled_failure`. Reports go through `tracing` when a
/// subscriber is installed (target `runtime`, with the task's id, name and
/// spawn site as fields), and to stderr otherwise: never silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Report it and carry on (the default).
    #[default]
    Log,
    /// Say nothing.
    Ignore,
    /// Report it and abort the process.
    Abort,
    /// Report it and make `block_on` panic with the report, which ends the
    /// program's main future; dropping the runtime then cancels the rest.
    ShutdownRuntime,
}
