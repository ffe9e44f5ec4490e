//! A settable future: asyncio's `Future` is `runtime::sync::Promise`. It
//! starts pending, is completed once with `set_result` (or cancelled), and
//! then reports its result. asyncio's `set_exception` is a `Promise` of a
//! `Result` completed with an `Err`.
//!
//! Mirrors seed `004_78da268977e4f56f.txt`, section "What Are Futures? The
//! Promise of a Result" (`explore_futures` and `future_with_exception`, each
//! run by its own `asyncio.run`).
//!
//! ```text
//! cargo run --release --example future_set_result
//! ```

use runtime::sync::Promise;
use std::fmt;

/// Python's `ValueError`.
#[derive(Clone, Debug)]
struct ValueError(&'static str);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

async fn explore_futures() -> Promise<&'static str> {
    // Create a future manually.
    let future = Promise::new();

    println!("Future created: {future:?}");
    println!("Is it done? {}", future.is_done());
    println!("Is it cancelled? {}", future.is_cancelled());

    // Set a result for the future.
    future
        .set_result("Hello from the future!")
        .expect("a new promise is pending");

    println!("After setting result:");
    println!("Is it done? {}", future.is_done());
    if let Some(Ok(result)) = future.result() {
        println!("Result: {result}");
    }

    future
}

async fn future_with_exception() {
    let future: Promise<Result<&'static str, ValueError>> = Promise::new();

    // Simulate an error (future.set_exception).
    let _ = future.set_result(Err(ValueError("Something went wrong!")));

    match future.result() {
        Some(Ok(Err(e))) => println!("Future raised exception: {e}"),
        Some(Ok(Ok(result))) => println!("Result: {result}"),
        Some(Err(cancelled)) => println!("Future was cancelled: {cancelled}"),
        None => println!("Future is still pending"),
    }
}

fn main() {
    // asyncio.run(explore_futures()); asyncio.run(future_with_exception())
    runtime::run(explore_futures());
    runtime::run(future_with_exception());
}
