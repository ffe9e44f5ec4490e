//! Done callbacks and task failures: a callback registered with
//! `add_done_callback` learns how the task ended, and awaiting the task
//! re-raises its failure in the caller, which logs it.
//!
//! Mirrors seed `000_a7e8669c975f09da.txt`, section "Debugging Tasks"
//! (`problematic_task` raising `ValueError("Something went wrong!")` after
//! 1 s, a `task_done` callback, and main's `logging.critical`), with the
//! sleep shortened to 0.2 s and Python's logging format
//! `%(asctime)s - %(levelname)s - %(message)s` (UTC).
//!
//! ```text
//! cargo run --release --example done_callbacks
//! ```
//!
//! An uncaught exception in an asyncio task is a panic in a Rust task: it
//! ends the task (never the worker thread), and awaiting the handle gives a
//! `JoinError` whose Display names the task and the message. The callback
//! receives a `TaskOutcome` (Completed, Cancelled, Panicked or Failed), not
//! the value or the exception itself: those go to whoever awaits the handle.
//! This program logs the failure itself, so it replaces the default panic
//! hook (which would also print the panic, with a backtrace when
//! `RUST_BACKTRACE` is set) with a silent one.

use runtime::task::TaskOutcome;
use runtime::time::{sleep, Duration};
use std::time::{SystemTime, UNIX_EPOCH};

/// `logging` with `format='%(asctime)s - %(levelname)s - %(message)s'`.
fn log(level: &str, message: &str) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let (days, secs) = (now.as_secs() / 86_400, now.as_secs() % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    println!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02},{:03} - {level} - {message}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        now.subsec_millis()
    );
}

/// Days since 1970-01-01 to a (year, month, day) date (H. Hinnant's
/// algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

async fn problematic_task() -> String {
    log("DEBUG", "Task started");
    sleep(Duration::from_millis(200)).await;
    // Simulate an error: log it, then re-raise it (a panic ends the task).
    let e = "Something went wrong!";
    log("ERROR", &format!("Task failed: {e}"));
    panic!("{e}");
}

#[runtime::main]
async fn main() {
    // The task logs its own failure (the seed's `except` block).
    std::panic::set_hook(Box::new(|_| {}));

    // Create a named task (the name shows up in the JoinError).
    let task = runtime::task::Builder::new()
        .name("problematic_task")
        .spawn(problematic_task());

    // Add a done callback to be notified when the task completes. It runs
    // on the worker that finishes the task.
    task.add_done_callback(|outcome| match outcome {
        TaskOutcome::Completed => log("INFO", "Task completed successfully"),
        other => log("ERROR", &format!("Task completed with error: {other:?}")),
    });

    match task.await {
        Ok(result) => log("INFO", &format!("Result: {result}")),
        Err(e) => log("CRITICAL", &format!("Caught exception in main: {e}")),
    }
}
