//! Timeouts: `timeout(d, fut)` is asyncio's `wait_for(fut, timeout=d)`. On a
//! future, the slow work is dropped (cancelled) when time is up; on a
//! `&mut Task`, only the waiting stops and the task is still ours to cancel.
//!
//! Mirrors two seed programs, with seconds turned into tenths of a second:
//!
//! 1. seed `000_a7e8669c975f09da.txt`, "Task Management and Control" ->
//!    "Setting Timeouts" (`wait_for(slow_operation(), timeout=2)` on a 5 s
//!    operation prints "Operation timed out!");
//! 2. seed `001_4dab400b2c762fcc.txt`, "Task Timeouts" (`wait_for(task,
//!    timeout=2)` on a task, then "Is task still running?", `task.cancel()`
//!    and "Task was cancelled after timeout").
//!
//! ```text
//! cargo run --release --example wait_for_timeout
//! ```
//!
//! A difference to know: asyncio's `wait_for` cancels a task it times out
//! on, so in Python the second program actually prints "Is task still
//! running? False". In Rust, `timeout` drops what it was given; given
//! `&mut task`, it drops a borrow, the task keeps running, and the program
//! behaves as the seed's text describes.

use runtime::time::{sleep, timeout, Duration};

async fn slow_operation() -> &'static str {
    println!("Slow operation started");
    sleep(Duration::from_millis(500)).await; // this operation takes 0.5 s
    println!("Slow operation completed");
    "Success!"
}

async fn long_running_task() -> &'static str {
    println!("Long running task started");
    sleep(Duration::from_millis(500)).await;
    println!("Long running task completed");
    "Long result"
}

#[runtime::main]
async fn main() {
    // 1. Only wait 0.2 s for a future: it is dropped when time is up, so
    //    "Slow operation completed" never prints.
    match timeout(Duration::from_millis(200), slow_operation()).await {
        Ok(result) => println!("Result: {result}"),
        Err(_elapsed) => println!("Operation timed out!"),
    }

    println!();

    // 2. Wait 0.2 s for a task: the task keeps running after the timeout.
    let mut task = runtime::spawn(long_running_task());
    match timeout(Duration::from_millis(200), &mut task).await {
        Ok(result) => println!("Got result: {}", result.expect("task failed")),
        Err(_elapsed) => {
            println!("Task took too long, timed out!");
            // The task is still running in the background.
            println!("Is task still running? {}", !task.is_finished());
            // We can cancel it.
            task.cancel();
            match task.await {
                Err(e) if e.is_cancelled() => println!("Task was cancelled after timeout"),
                Err(e) => println!("Task failed: {e}"),
                Ok(result) => println!("Task finished anyway: {result}"),
            }
        }
    }
}
