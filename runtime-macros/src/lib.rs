//! `#[runtime::main]` and `#[runtime::test]`: run an `async fn` on a fresh
//! `runtime` runtime.
//!
//! Use them through the facade crate, as `#[runtime::main]` and
//! `#[runtime::test]`; this crate is an implementation detail. (The examples
//! below are marked `ignore` because a proc-macro crate cannot depend on the
//! facade that re-exports it; the facade's docs carry runnable ones.)
//!
//! ```ignore
//! #[runtime::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let answer = runtime::spawn(async { 42 }).await?;
//!     println!("{answer}");
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! #[runtime::test(flavor = "multi_thread", worker_threads = 2, timeout = "10s")]
//! async fn spawns_on_two_workers() {
//!     assert_eq!(runtime::Handle::current().num_workers(), 2);
//!     assert_eq!(runtime::spawn(async { 1 + 1 }).await.unwrap(), 2);
//! }
//! ```
//!
//! # Options
//!
//! | option | values | default |
//! | --- | --- | --- |
//! | `flavor` | `"multi_thread"` or `"current_thread"` | `"multi_thread"` for `main`, `"current_thread"` for `test` (`"multi_thread"` when `worker_threads` is given) |
//! | `worker_threads` | an integer `>= 1`; multi-thread only | the number of cores |
//! | `thread_name` | a string: the prefix of the runtime's thread names | `"runtime"` |
//! | `timeout` | `test` only: `"500ms"`, `"10s"`, `"2m"` | none |
//! | `start_paused` | `test` only, current-thread only: `true` pauses the test clock (`runtime::time::pause`) before the body runs | `false` |
//! | `crate` | the path of the `runtime` crate, as a string, for re-exports | `"::runtime"` |
//!
//! Misuse is a compile error pointing at the culprit: a function without
//! `async`, arguments or generic parameters, an unknown option (the message
//! lists the valid ones), a bad value, `worker_threads` together with
//! `flavor = "current_thread"`, `start_paused = true` on the multi-thread
//! flavour.

#![warn(missing_docs)]

use proc_macro::TokenStream;

mod args;
mod expand;
mod item;

/// Runs an `async fn` (usually `main`) on a new runtime.
///
/// The function's body becomes an `async move` block that the runtime's
/// `block_on` drives to completion; its value, such as a
/// `Result<(), E>`, is the function's return value. The runtime is built
/// with `runtime::Builder` and shut down when the function returns. If it
/// cannot start, the function panics with the builder's error.
///
/// ```ignore
/// #[runtime::main]
/// async fn main() {
///     let task = runtime::spawn(async { "hello" });
///     println!("{}", task.await.unwrap());
/// }
/// ```
///
/// Options (all optional):
///
/// ```ignore
/// #[runtime::main(flavor = "multi_thread", worker_threads = 4, thread_name = "server")]
/// async fn main() -> std::io::Result<()> {
///     Ok(())
/// }
///
/// // A single-threaded runtime, like asyncio's event loop.
/// #[runtime::main(flavor = "current_thread")]
/// async fn main() {}
///
/// // Through a re-export of `runtime` in another crate.
/// #[my_framework::runtime::main(crate = "my_framework::runtime")]
/// async fn main() {}
/// ```
///
/// Expands to roughly:
///
/// ```ignore
/// fn main() {
///     let body = async move { /* the body */ };
///     let rt = ::runtime::Builder::new_multi_thread()
///         .build()
///         .unwrap_or_else(|err| panic!("#[runtime::main]: could not start the runtime: {}", err));
///     rt.block_on(body)
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args::Kind::Main, args.into(), item.into()).into()
}

/// Marks an `async fn` as a test run on its own new runtime.
///
/// Every test gets a fresh runtime, by default a **current-thread** one (as
/// Tokio does): the body and every task it spawns run on the test's thread,
/// which keeps tests deterministic. Ask for
/// `flavor = "multi_thread"` or `worker_threads = n` to test on the
/// work-stealing pool.
///
/// ```ignore
/// #[runtime::test]
/// async fn adds() {
///     assert_eq!(runtime::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
///
/// #[runtime::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() -> Result<(), runtime::JoinError> {
///     assert_eq!(runtime::Handle::current().num_workers(), 2);
///     runtime::spawn(async {}).await
/// }
/// ```
///
/// The generated function carries `#[test]`, followed by the function's other
/// attributes (`#[should_panic]`, `#[ignore]`, ...); do not add `#[test]`
/// yourself.
///
/// # Timeouts
///
/// `timeout = "10s"` (units `ms`, `s`, `m`) fails a test that hangs: the
/// runtime runs on a thread of its own, and when the body has not finished in
/// time the test panics with "test `name` timed out after 10s". A panic in
/// the body is re-raised on the test's thread with its original payload, so
/// `#[should_panic(expected = "...")]` works. The watchdog does not use the
/// runtime's timers.
///
/// ```ignore
/// #[runtime::test(timeout = "300ms")]
/// #[should_panic(expected = "timed out after 300ms")]
/// async fn hangs() {
///     std::future::pending::<()>().await
/// }
/// ```
///
/// With a timeout, a test that returns `Result<(), E>` is turned into one
/// returning `std::process::ExitCode`: the result is reported (`Error: ...`
/// printed in the test's output) on the runtime's thread, so `E` need not be
/// `Send`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args::Kind::Test, args.into(), item.into()).into()
}
