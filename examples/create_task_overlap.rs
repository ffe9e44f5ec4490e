//! Two tasks created at once run concurrently: the shorter one finishes
//! first even though `main` awaits the longer one first.
//!
//! Mirrors seed `000_a7e8669c975f09da.txt`, section "Understanding Task
//! Creation In Depth" -> "What happens when you call `asyncio.create_task()`?"
//! (`my_coroutine("Task 1", 2)` and `my_coroutine("Task 2", 1)`), with the
//! delays shortened to 0.4 s and 0.2 s and the clock printed to the
//! millisecond (UTC) so the overlap shows.
//!
//! ```text
//! cargo run --release --example create_task_overlap
//! ```
//!
//! The runtime is `current_thread`, like asyncio's single event loop: a new
//! task starts when `main` reaches its first `.await`, so "Tasks created"
//! comes first, as in the seed. On the default multi-thread runtime the
//! tasks start at once on other workers, and their "starting" lines may come
//! before it.

use runtime::time::{sleep, Duration};
use std::time::{SystemTime, UNIX_EPOCH};

/// `time.strftime('%H:%M:%S')`, in UTC and with milliseconds.
fn clock() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        now.subsec_millis()
    )
}

async fn my_coroutine(name: &'static str, delay: Duration) -> String {
    println!("Coroutine {name} is starting at {}", clock());
    sleep(delay).await; // non-blocking sleep
    println!("Coroutine {name} is done at {}", clock());
    format!("Result from {name}")
}

#[runtime::main(flavor = "current_thread")]
async fn main() -> Result<(), runtime::JoinError> {
    // Create two tasks with different delays (asyncio.create_task).
    let task1 = runtime::spawn(my_coroutine("Task 1", Duration::from_millis(400)));
    let task2 = runtime::spawn(my_coroutine("Task 2", Duration::from_millis(200)));

    println!("Tasks created at {}", clock());

    // Wait for both tasks to complete. Task 2 is already done by the time
    // we await it.
    let result1 = task1.await?;
    let result2 = task2.await?;

    println!("Results: {result1}, {result2}");
    Ok(())
}
