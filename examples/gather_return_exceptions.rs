//! `gather` keeps results in input order, not completion order; with
//! `return_exceptions=True` each error comes back in its place instead of
//! failing the whole call.
//!
//! Mirrors seed `003_9ede1ec0f106daf7.txt`, section "Gathering Multiple Tasks
//! with asyncio.gather()" (`fetch_data("A", 3)`, `("B", 1)`, `("C", 2)`, then
//! D, E (failing) and F with `return_exceptions=True`), with seconds turned
//! into tenths of a second.
//!
//! ```text
//! cargo run --release --example gather_return_exceptions
//! ```
//!
//! | asyncio | runtime |
//! | --- | --- |
//! | `gather(a, b, c)` (first exception propagates) | `runtime::try_gather(futs)`: the first `Err` returns and cancels the rest |
//! | `gather(..., return_exceptions=True)` | `runtime::gather(futs)`: a `Vec<Result<T, E>>`, every error in its place |

use runtime::time::{sleep, Duration};
use std::fmt;

/// Python's `RuntimeError`.
#[derive(Debug)]
enum FetchError {
    RuntimeError(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::RuntimeError(msg) => f.write_str(msg),
        }
    }
}

async fn fetch_data(
    id: &'static str,
    tenths: u64,
    should_fail: bool,
) -> Result<String, FetchError> {
    sleep(Duration::from_millis(tenths * 100)).await;
    if should_fail {
        return Err(FetchError::RuntimeError(format!(
            "Failed to fetch data {id}!"
        )));
    }
    Ok(format!("Data from {id}"))
}

#[runtime::main]
async fn main() {
    // Run three tasks concurrently: B finishes first, the results are still
    // in input order.
    let results = runtime::try_gather([
        fetch_data("A", 3, false),
        fetch_data("B", 1, false),
        fetch_data("C", 2, false),
    ])
    .await;
    match results {
        Ok(results) => println!("All successful: {results:?}"),
        Err(e) => println!("A fetch failed: {e}"),
    }

    // Error handling with return_exceptions=True: `gather` returns every
    // outcome, the error of E in its place.
    let mixed_results = runtime::gather([
        fetch_data("D", 1, false),
        fetch_data("E", 2, true),
        fetch_data("F", 3, false),
    ])
    .await;
    println!("With exceptions handled: {mixed_results:?}");
}
