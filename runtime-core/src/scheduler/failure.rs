//! What happens to a failure nobody will see: the unhandled-failure policy.

/// What a runtime does when a task panics while nobody holds or awaits its
/// `Task` (asyncio's "Task exception was never retrieved").
///
/// Set with `Builder::unhandled_failure`. Reports go through `tracing` when a
/// subscriber is installed, and to stderr otherwise: never silently.
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

/// Emits a report: to the `tracing` subscriber if one is installed, else to
/// stderr.
pub(crate) fn emit(message: &str) {
    let has_subscriber = tracing::dispatcher::get_default(|dispatch| {
        !dispatch.is::<tracing::subscriber::NoSubscriber>()
    });
    if has_subscriber {
        tracing::error!(target: "runtime", "{message}");
    } else {
        eprintln!("runtime: {message}");
    }
}
