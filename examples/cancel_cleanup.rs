//! Cancelling a long-running task: its cleanup runs, and awaiting it reports
//! the cancellation.
//!
//! Mirrors seed `000_a7e8669c975f09da.txt`, section "Task Management and
//! Control" -> "Cancelling a Task" (`long_running_task` printing "Task still
//! running..." every 0.5 s, cancelled after 2 s), with the period shortened
//! to 0.1 s and the cancel sent after 0.35 s.
//!
//! ```text
//! cargo run --release --example cancel_cleanup
//! ```
//!
//! Where asyncio raises `CancelledError` at the task's `await`, Rust drops
//! the task's future at its next `.await`: the `except CancelledError:` block
//! becomes a `Drop` guard, which runs exactly once whether the task ends
//! normally, is cancelled, or panics (Python's `finally`).

use runtime::time::{sleep, Duration};

/// Runs when the task's future is dropped: the `except CancelledError` /
/// `finally` block of the seed.
struct OnCancel;

impl Drop for OnCancel {
    fn drop(&mut self) {
        println!("Task was cancelled!");
    }
}

async fn long_running_task() {
    let _cleanup = OnCancel;
    println!("Task started");
    loop {
        sleep(Duration::from_millis(100)).await;
        println!("Task still running...");
    }
}

#[runtime::main]
async fn main() {
    let task = runtime::spawn(long_running_task());

    // Let the task run for a bit.
    sleep(Duration::from_millis(350)).await;

    // Now cancel it.
    println!("Cancelling task...");
    task.cancel();

    // Awaiting it gives a cancelled JoinError (asyncio raises CancelledError).
    match task.await {
        Err(e) if e.is_cancelled() => println!("Main: task cancellation was acknowledged"),
        Err(e) => println!("Main: task failed: {e}"),
        Ok(()) => println!("Main: task finished on its own"),
    }

    println!("Main: continuing with other work");
}
