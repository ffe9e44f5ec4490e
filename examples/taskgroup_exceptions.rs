//! `TaskGroup`: structured concurrency. A group that succeeds gives every
//! task's result; a failing task cancels its siblings, and `join` returns a
//! `GroupError` (asyncio's `ExceptionGroup`) with every failure.
//!
//! Mirrors seed `002_3d15c173cfc8d45d.txt`, section "TaskGroup (Python
//! 3.11+)": the `process(i)` group printing `[t.result() for t in results]`,
//! then the `except* ValueError` / `except* OSError` handler around a group
//! running `might_fail()` and `might_also_fail()`.
//!
//! ```text
//! cargo run --release --example taskgroup_exceptions
//! ```
//!
//! The seed leaves `might_fail` and `might_also_fail` undefined; here the
//! first fails with a ValueError after 0.1 s and the second would fail with
//! an OSError after 0.3 s, but the group has cancelled it by then, exactly
//! as asyncio does. `except*` becomes a filter over `GroupError::errors()`.

use runtime::time::{sleep, Duration};
use runtime::TaskGroup;
use std::fmt;

async fn process(item: i32) -> Result<i32, AppError> {
    sleep(Duration::from_millis(500)).await;
    Ok(item * 2)
}

/// The exception types the group's tasks can raise.
#[derive(Debug)]
enum AppError {
    ValueError(String),
    OsError(std::io::Error),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::ValueError(msg) => write!(f, "ValueError: {msg}"),
            AppError::OsError(e) => write!(f, "OSError: {e}"),
        }
    }
}

/// Drop guard: shows which tasks the group cancelled.
struct Cancelled(&'static str);

impl Drop for Cancelled {
    fn drop(&mut self) {
        println!("({} was cancelled by the group)", self.0);
    }
}

async fn might_fail() -> Result<(), AppError> {
    sleep(Duration::from_millis(100)).await;
    Err(AppError::ValueError(
        "invalid literal for int(): 'x'".into(),
    ))
}

async fn might_also_fail() -> Result<(), AppError> {
    let guard = Cancelled("might_also_fail");
    sleep(Duration::from_millis(300)).await;
    std::mem::forget(guard); // not cancelled: disarm the guard
    Err(AppError::OsError(std::io::Error::other("disk full")))
}

#[runtime::main]
async fn main() {
    // async with asyncio.TaskGroup() as tg: ... tg.create_task(process(i))
    let tg = TaskGroup::new();
    let results: Vec<_> = (0..5).map(|i| tg.spawn(process(i))).collect();
    // Leaving the `async with` block: wait for every task.
    if let Err(eg) = tg.join().await {
        println!("unexpected failure: {eg}");
        return;
    }
    // All tasks are done here. Access results safely.
    let mut values = Vec::new();
    for task in results {
        values.push(task.await.expect("joined").expect("no failure"));
    }
    println!("{values:?}");

    // try: async with TaskGroup() as tg: ... except* ValueError / OSError
    let tg = TaskGroup::new();
    tg.spawn_named("might_fail", might_fail());
    tg.spawn_named("might_also_fail", might_also_fail());
    if let Err(eg) = tg.join().await {
        // except* ValueError as eg: for exc in eg.exceptions: ...
        for exc in eg.errors() {
            if let AppError::ValueError(msg) = exc {
                println!("ValueError occurred: {msg}");
            }
        }
        // except* OSError as eg: ...
        for exc in eg.errors() {
            if let AppError::OsError(e) = exc {
                println!("OSError occurred: {e}");
            }
        }
        // The group's own report names each failed task.
        println!("{eg}");
    }
}
