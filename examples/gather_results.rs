//! `gather`: three fetches run concurrently, their results come back in input
//! order, and the whole takes as long as one fetch, not three.
//!
//! Mirrors seed `001_4dab400b2c762fcc.txt`, section "Creating Multiple Tasks"
//! (`fetch_data(1..3)` with `asyncio.gather(task1, task2, task3)` and "Time
//! taken: 2.00 seconds"), with the 2 s sleep shortened to 0.5 s.
//!
//! ```text
//! cargo run --release --example gather_results
//! ```
//!
//! The tasks run on all workers of the multi-thread runtime, so the order of
//! the "Start fetching" and "fetched" lines may vary; the results never do.

use runtime::time::{sleep, Duration, Instant};

async fn fetch_data(id: u32) -> String {
    println!("Start fetching data {id}");
    sleep(Duration::from_millis(500)).await; // simulate a network request
    println!("Data {id} fetched");
    format!("Data {id}")
}

#[runtime::main]
async fn main() {
    let start_time = Instant::now();

    // Create multiple tasks...
    let task1 = runtime::spawn(fetch_data(1));
    let task2 = runtime::spawn(fetch_data(2));
    let task3 = runtime::spawn(fetch_data(3));

    // ...and wait for all of them: `gather!` gives their outputs as a tuple,
    // in the order given (each is a Result: a task may be cancelled or panic).
    let (r1, r2, r3) = runtime::gather!(task1, task2, task3).await;
    let results = [r1, r2, r3].map(|r| r.expect("fetch task failed"));

    println!("All data fetched: {results:?}");
    println!(
        "Time taken: {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
