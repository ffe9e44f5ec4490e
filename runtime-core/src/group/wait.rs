//! `wait` and `wait_timeout`: wait for tasks until a condition, and split
//! them into done and pending (asyncio's `wait(..., return_when=...)`).

use crate::task::{JoinError, Task};
use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

/// When [`wait`] returns (asyncio's `return_when`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any task finishes (`FIRST_COMPLETED`).
    FirstCompleted,
    /// As soon as any task fails (panics, is cancelled, or returns a value
    /// whose [`Failable::is_failure`] is true, such as an `Err`), or when all
    /// have finished (`FIRST_EXCEPTION`).
    FirstException,
    /// When every task has finished (`ALL_COMPLETED`).
    AllCompleted,
}

/// Task outputs that can represent a failure, for
/// [`ReturnWhen::FirstException`]: `Result` is one when it is `Err`.
///
/// Any other output type counts as success; implement this trait (an empty
/// `impl Failable for MyType {}` suffices) to use it with [`wait`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used with runtime::wait",
    note = "add `impl runtime::Failable for {Self} {{}}` (outputs that are not a Result never count as failures)"
)]
pub trait Failable {
    /// Whether this output is a failure. Default: never.
    fn is_failure(&self) -> bool {
        false
    }
}

impl<T, E> Failable for Result<T, E> {
    fn is_failure(&self) -> bool {
        self.is_err()
    }
}

macro_rules! never_failures {
    ($($t:ty),* $(,)?) => { $(impl Failable for $t {})* };
}
never_failures!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    String,
    &'static str,
    std::time::Duration,
    std::time::Instant
);
impl<T> Failable for Option<T> {}
impl<T> Failable for Vec<T> {}
impl<T: ?Sized> Failable for Box<T> {}
impl<A, B> Failable for (A, B) {}
impl<A, B, C> Failable for (A, B, C) {}

fn is_failure<T: Failable>(result: &Result<T, JoinError>) -> bool {
    match result {
        Ok(value) => value.is_failure(),
        Err(_) => true,
    }
}

/// Waits until the condition `when` holds for `tasks`, then returns them
/// split into `(done, pending)`, each in input order (asyncio's `wait`).
///
/// Nothing is cancelled: the pending tasks keep running, and the done ones
/// keep their results (awaiting them returns at once). Cancel the pending
/// ones yourself if you no longer need them.
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::group::{wait, ReturnWhen};
/// use runtime_core::scheduler::spawn;
/// let fast = spawn(async { "fast" });
/// let slow = spawn(std::future::pending::<&str>());
/// let (done, pending) = wait([fast, slow], ReturnWhen::FirstCompleted).await;
/// assert_eq!(done.len(), 1);
/// for task in &pending {
///     task.cancel();
/// }
/// # });
/// ```
///
/// Cancel safety: no. The task handles move into the future; dropping it
/// detaches them (they keep running, but their results are out of reach).
/// Await tasks you keep with `&mut` instead if the wait may be cancelled.
pub async fn wait<T, I>(tasks: I, when: ReturnWhen) -> (Vec<Task<T>>, Vec<Task<T>>)
where
    I: IntoIterator<Item = Task<T>>,
    T: Failable,
{
    let mut tasks: Vec<Task<T>> = tasks.into_iter().collect();
    wait_in_place(&mut tasks, when).await;
    tasks.into_iter().partition(Task::is_finished)
}

/// [`wait`] with a time limit: returns when `when` holds or `timeout`
/// elapses, whichever comes first (asyncio's `wait(..., timeout=)`).
///
/// Cancel safety: no, as [`wait`]: dropping it detaches the tasks.
pub async fn wait_timeout<T, I>(
    tasks: I,
    when: ReturnWhen,
    timeout: Duration,
) -> (Vec<Task<T>>, Vec<Task<T>>)
where
    I: IntoIterator<Item = Task<T>>,
    T: Failable,
{
    let mut tasks: Vec<Task<T>> = tasks.into_iter().collect();
    // Waiting on `&mut` tasks keeps them ours when the timeout drops the
    // wait future.
    let _ = crate::time::timeout(timeout, wait_in_place(&mut tasks, when)).await;
    tasks.into_iter().partition(Task::is_finished)
}

/// Waits on borrowed tasks until `when` holds for them.
async fn wait_in_place<T: Failable>(tasks: &mut [Task<T>], when: ReturnWhen) {
    poll_fn(|cx| {
        let mut finished = 0;
        let mut failed = false;
        for task in tasks.iter_mut() {
            if task.poll_finished(cx).is_ready() {
                finished += 1;
                failed |= task.peek_result(is_failure).unwrap_or(false);
            }
        }
        let ready = match when {
            _ if finished == tasks.len() => true,
            ReturnWhen::FirstCompleted => finished > 0,
            ReturnWhen::FirstException => failed,
            ReturnWhen::AllCompleted => false,
        };
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}
