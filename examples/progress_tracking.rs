//! Monitoring tasks: a wrapper starts a task, reports its progress while it
//! runs, and records when it started and finished.
//!
//! Mirrors seed `001_4dab400b2c762fcc.txt`, section "Task Monitoring and
//! Progress Tracking" (`ProgressTask` wrapping `worker("A", 3)` and
//! `worker("B", 5)`, reporting every 0.5 s, run with `asyncio.gather`), with
//! seconds scaled by 1/5: workers of 0.6 s and 1.0 s, reports every 0.1 s.
//!
//! ```text
//! cargo run --release --example progress_tracking
//! ```
//!
//! `run` takes the wrapper by value and hands it back with the result, since
//! `gather!` runs each `run()` as a task of its own (tasks own their data).

use runtime::time::{sleep, Duration, Instant};
use runtime::JoinError;
use std::future::Future;
use std::pin::Pin;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

struct ProgressTask {
    coro: Option<BoxFuture<String>>,
    name: String,
    started_at: Option<Instant>,
    completed_at: Option<Instant>,
    progress: u32,
}

impl ProgressTask {
    fn new(coro: impl Future<Output = String> + Send + 'static, name: &str) -> ProgressTask {
        ProgressTask {
            coro: Some(Box::pin(coro)),
            name: name.to_string(),
            started_at: None,
            completed_at: None,
            progress: 0,
        }
    }

    async fn run(mut self) -> (ProgressTask, Result<String, JoinError>) {
        self.started_at = Some(Instant::now());
        let coro = self.coro.take().expect("run is called once");
        let task = runtime::spawn(coro);

        // We can monitor the task here.
        while !task.is_finished() {
            // In a real application, you might get progress from the task.
            self.progress = (self.progress + 10).min(100);
            println!("Task {} progress: {}%", self.name, self.progress);
            sleep(Duration::from_millis(100)).await;
        }

        self.completed_at = Some(Instant::now());
        self.progress = 100;

        // Get the result or the failure.
        let result = task.await;
        if let Err(e) = &result {
            println!("Task {} failed with: {e}", self.name);
        }
        (self, result)
    }

    fn ran_for(&self) -> f64 {
        match (self.started_at, self.completed_at) {
            (Some(start), Some(end)) => (end - start).as_secs_f64(),
            _ => 0.0,
        }
    }
}

async fn worker(name: &'static str, duration: Duration) -> String {
    println!("Worker {name} starting");
    for _ in 0..10 {
        sleep(duration / 10).await;
        // We could update progress here if we had a way to communicate.
    }
    println!("Worker {name} completed");
    format!("Result from {name}")
}

#[runtime::main]
async fn main() {
    // Create progress-tracked tasks.
    let task1 = ProgressTask::new(worker("A", Duration::from_millis(600)), "Task A");
    let task2 = ProgressTask::new(worker("B", Duration::from_millis(1000)), "Task B");

    // Run them and get the results.
    let ((task1, result1), (task2, result2)) = runtime::gather!(task1.run(), task2.run()).await;

    // Print information about the tasks.
    println!("Task A ran for {:.2} seconds", task1.ran_for());
    println!("Task B ran for {:.2} seconds", task2.ran_for());
    let results: Vec<String> = [result1, result2]
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| e.to_string()))
        .collect();
    println!("Results: {results:?}");
}
