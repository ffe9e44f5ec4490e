//! Naming a task, reading the name back and renaming it.
//!
//! Mirrors seed `000_a7e8669c975f09da.txt`, section "Task Naming and
//! Identification" (`create_task(worker("important task"),
//! name="ImportantTask")`, `get_name`, `set_name("VeryImportantTask")`), with
//! the 1 s sleep shortened to 0.2 s.
//!
//! ```text
//! cargo run --release --example task_names
//! ```
//!
//! asyncio's `get_name()` is `Task::name()` (an `Option`: unnamed tasks have
//! none), `set_name` is `Task::set_name`, and inside the task
//! `runtime::task::name()` is `asyncio.current_task().get_name()`.

use runtime::time::{sleep, Duration};

async fn worker(name: &'static str) {
    println!("Worker {name} starting");
    sleep(Duration::from_millis(200)).await;
    println!("Worker {name} done");
}

#[runtime::main(flavor = "current_thread")]
async fn main() -> Result<(), runtime::JoinError> {
    // Create a named task: asyncio.create_task(..., name="ImportantTask").
    let task = runtime::task::Builder::new()
        .name("ImportantTask")
        .spawn(worker("important task"));

    // We can access the name...
    println!("Task name: {}", task.name().unwrap_or_default());

    // ...and we can change it if needed.
    task.set_name("VeryImportantTask");
    println!("New task name: {}", task.name().unwrap_or_default());

    task.await
}
