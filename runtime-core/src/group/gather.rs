//! The gather family: run futures concurrently as tasks and collect their
//! results in input order (asyncio's `gather`).

use super::join_set::{propagate, JoinSet};
use crate::scheduler::spawn;
use crate::task::JoinError;
use std::future::Future;

fn spawn_all<I>(futures: I) -> Vec<crate::task::Task<<I::Item as Future>::Output>>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    futures.into_iter().map(spawn).collect()
}

/// Runs every future as its own task (so CPU work spreads over the
/// workers) and returns their outputs in input order (asyncio's `gather`).
///
/// Futures that return `Result` give a `Vec<Result<..>>`: every error comes
/// back in its place, as with asyncio's `return_exceptions=True`. Use
/// [`try_gather`] to stop at the first error instead.
///
/// If a task panics, the others are cancelled and the panic propagates to
/// the caller. Dropping the returned future cancels the tasks still running.
///
/// ```
/// # runtime_core::scheduler::run(async {
/// let doubled = runtime_core::group::gather((1..=3).map(|i| async move { i * 2 })).await;
/// assert_eq!(doubled, [2, 4, 6]);
/// # });
/// ```
///
/// Cancel safety: no. Dropping the future cancels the tasks still running
/// and loses the results already in.
///
/// # Panics
/// Outside a runtime, or when a task panics (re-raising its panic).
pub async fn gather<I>(futures: I) -> Vec<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let tasks = spawn_all(futures);
    let n = tasks.len();
    let mut set = JoinSet::from_tasks(tasks, true);
    let mut slots: Vec<Option<_>> = (0..n).map(|_| None).collect();
    while let Some((index, _, result)) = set.join_next_indexed().await {
        match result {
            Ok(value) => slots[index] = Some(value),
            Err(error) => {
                set.abort_all();
                propagate(error, "runtime::gather");
            }
        }
    }
    slots
        .into_iter()
        .map(|v| v.expect("every task reported"))
        .collect()
}

/// Like [`gather`] for futures returning `Result`, but returns the first
/// `Err` as soon as it happens and cancels the other tasks.
///
/// This differs from asyncio, whose `gather` leaves the other awaitables
/// running after the first exception: here nothing keeps running unobserved.
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::group::try_gather;
/// let ok = try_gather((1..=2u32).map(|i| async move { Ok::<_, String>(i) })).await;
/// assert_eq!(ok.unwrap(), [1, 2]);
/// let err = try_gather((1..=3u32).map(|i| async move {
///     if i == 2 { Err(format!("item {i} failed")) } else { Ok(i) }
/// }))
/// .await;
/// assert_eq!(err.unwrap_err(), "item 2 failed");
/// # });
/// ```
///
/// Cancel safety: no, as [`gather`].
///
/// # Panics
/// Outside a runtime, or when a task panics (re-raising its panic after
/// cancelling the others).
pub async fn try_gather<I, T, E>(futures: I) -> Result<Vec<T>, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let tasks = spawn_all(futures);
    let n = tasks.len();
    let mut set = JoinSet::from_tasks(tasks, true);
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    while let Some((index, _, result)) = set.join_next_indexed().await {
        match result {
            Ok(Ok(value)) => slots[index] = Some(value),
            Ok(Err(error)) => {
                set.abort_all();
                return Err(error);
            }
            Err(error) => {
                set.abort_all();
                propagate(error, "runtime::try_gather");
            }
        }
    }
    Ok(slots
        .into_iter()
        .map(|v| v.expect("every task reported"))
        .collect())
}

/// Runs every future as a task until all have ended, and returns each
/// outcome in input order: a panic or cancellation is reported in its place
/// as a [`JoinError`], never propagated.
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::group::gather_settled;
/// let results = gather_settled([
///     Box::pin(async { 1 }) as std::pin::Pin<Box<dyn std::future::Future<Output = i32> + Send>>,
///     Box::pin(async { panic!("bad") }),
/// ])
/// .await;
/// assert_eq!(*results[0].as_ref().unwrap(), 1);
/// assert!(results[1].as_ref().unwrap_err().is_panic());
/// # });
/// ```
///
/// Cancel safety: no, as [`gather`].
pub async fn gather_settled<I>(futures: I) -> Vec<Result<<I::Item as Future>::Output, JoinError>>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let tasks = spawn_all(futures);
    let n = tasks.len();
    let mut set = JoinSet::from_tasks(tasks, true);
    let mut slots: Vec<Option<_>> = (0..n).map(|_| None).collect();
    while let Some((index, _, result)) = set.join_next_indexed().await {
        slots[index] = Some(result);
    }
    slots
        .into_iter()
        .map(|v| v.expect("every task reported"))
        .collect()
}

/// Runs futures of different types concurrently, each as its own task, and
/// gives a tuple of their outputs (asyncio's `gather(a, b, c)`).
///
/// ```
/// # runtime_core::scheduler::run(async {
/// let (n, s) = runtime_core::gather!(async { 1 }, async { "two" }).await;
/// assert_eq!((n, s), (1, "two"));
/// # });
/// ```
///
/// If one panics, the others are cancelled and the panic propagates;
/// dropping the future cancels the tasks still running.
#[macro_export]
macro_rules! gather {
    ($($future:expr),+ $(,)?) => {
        $crate::__gather_impl!(@collect [] $($future,)+)
    };
}

/// Builds `gather!`: gives each future a task and a result slot whose names
/// are distinct by macro hygiene (each recursion step makes fresh ones).
#[doc(hidden)]
#[macro_export]
macro_rules! __gather_impl {
    (@collect [$(($task:ident $slot:ident $fut:expr))*] $next:expr, $($rest:expr,)*) => {
        $crate::__gather_impl!(@collect [$(($task $slot $fut))* (task slot $next)] $($rest,)*)
    };
    (@collect [$(($task:ident $slot:ident $fut:expr))*]) => {
        async {
            $( let mut $task = $crate::scheduler::spawn($fut); let mut $slot = ::core::option::Option::None; )*
            let __aborts = [$( $task.abort_handle() ),*];
            let __guard = $crate::group::__CancelOnDrop(&__aborts);
            ::core::future::poll_fn(|cx| {
                let mut __all = true;
                $(
                    if $slot.is_none() {
                        match ::core::future::Future::poll(::core::pin::Pin::new(&mut $task), cx) {
                            ::core::task::Poll::Ready(::core::result::Result::Ok(v)) => $slot = ::core::option::Option::Some(v),
                            ::core::task::Poll::Ready(::core::result::Result::Err(e)) => {
                                for a in &__aborts { a.cancel(); }
                                $crate::group::__propagate(e, "runtime::gather!");
                            }
                            ::core::task::Poll::Pending => __all = false,
                        }
                    }
                )*
                if __all { ::core::task::Poll::Ready(()) } else { ::core::task::Poll::Pending }
            }).await;
            ::core::mem::forget(__guard);
            ( $( $slot.expect("gather! slot filled"), )* )
        }
    };
}
