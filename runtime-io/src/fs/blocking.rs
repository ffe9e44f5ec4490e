//! Running one `std::fs` call on the current runtime's blocking pool.

use std::io;
use std::path::Path;

use runtime_core::scheduler::Handle;
use runtime_core::task::{JoinError, Task};

use crate::context_error::with_context;

/// The blocking pool of the current runtime, or an error naming `what` and
/// saying where to call it from.
pub(crate) fn handle_for(what: &str) -> io::Result<Handle> {
    Handle::try_current().map_err(|_| {
        io::Error::other(format!(
            "{what}: no runtime: file operations run on the runtime's blocking pool; call this \
             from within #[runtime::main], Runtime::block_on or a spawned task"
        ))
    })
}

/// Starts `f` on the current runtime's blocking pool.
pub(crate) fn spawn<F, R>(what: &str, f: F) -> io::Result<Task<R>>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    Ok(handle_for(what)?.spawn_blocking(f))
}

/// What a blocking job that did not run to the end becomes: its panic is
/// re-raised in the awaiting task (as a call of the `std` function would
/// have panicked there); a job cancelled because the runtime shut down
/// before a blocking thread took it becomes an `io::Error`.
pub(crate) fn join_error(what: &str, err: JoinError) -> io::Error {
    match err.try_into_panic() {
        Ok(panic) => std::panic::resume_unwind(panic),
        Err(err) => io::Error::other(format!(
            "{what}: the runtime shut down before the operation ran ({err})"
        )),
    }
}

/// Runs `f` on the blocking pool and waits for its result.
pub(crate) async fn run<F, T>(what: &str, f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match spawn(what, f)?.await {
        Ok(result) => result,
        Err(err) => Err(join_error(what, err)),
    }
}

/// [`run`] for a call on one path: an error of the call names the
/// function and the path (kind and OS error kept, see `context_error.rs`).
pub(crate) async fn run_on<F, T>(what: &'static str, path: &Path, f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let path = path.to_owned();
    run(what, move || {
        f().map_err(|err| with_context(err, format!("{what} `{}`", path.display())))
    })
    .await
}

/// [`run`] for a call on two paths (`copy`, `rename`, links).
pub(crate) async fn run_on_two<F, T>(
    what: &'static str,
    from: &Path,
    to: &Path,
    f: F,
) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let (from, to) = (from.to_owned(), to.to_owned());
    run(what, move || {
        f().map_err(|err| {
            let context = format!("{what} `{}` to `{}`", from.display(), to.display());
            with_context(err, context)
        })
    })
    .await
}
