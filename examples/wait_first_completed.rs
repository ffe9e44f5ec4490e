//! `wait(..., FirstCompleted)`: race five unreliable operations, take the
//! first one to finish (success or failure), cancel the rest.
//!
//! Mirrors seed `004_78da268977e4f56f.txt`, section "Advanced Task
//! Management" (`advanced_task_management`: five `unreliable_operation`s
//! sleeping `uniform(0.5, 2.0)` s and failing with probability 0.3,
//! `asyncio.wait(tasks, return_when=FIRST_COMPLETED)`, then cancelling and
//! gathering the pending ones), with the sleeps scaled down to 50-200 ms.
//!
//! ```text
//! cargo run --release --example wait_first_completed
//! ```
//!
//! `runtime::wait` returns `(done, pending)` as vectors in input order and,
//! like asyncio, cancels nothing: the pending tasks are ours to cancel.

use runtime::time::{sleep, Duration};
use runtime::ReturnWhen;
use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

thread_local! {
    static RNG: Cell<u64> = Cell::new(
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1,
    );
}

/// `random.random()`: a xorshift generator seeded from the clock.
fn random() -> f64 {
    RNG.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// `random.uniform(a, b)`.
fn uniform(a: f64, b: f64) -> f64 {
    a + (b - a) * random()
}

/// An operation that might fail or take variable time. The dice are rolled
/// up front (on the main thread) so the task itself is plain data.
async fn unreliable_operation(
    name: String,
    delay: Duration,
    fails: bool,
) -> Result<String, String> {
    sleep(delay).await;
    if fails {
        return Err(format!("Operation {name} failed!"));
    }
    Ok(format!("Success: {name}"))
}

#[runtime::main]
async fn main() {
    println!("=== Advanced Task Management ===");

    // Create multiple tasks (named like asyncio's default names).
    let failure_chance = 0.3;
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let name = format!("Task-{i}");
            let delay = Duration::from_secs_f64(uniform(0.05, 0.2));
            let fails = random() < failure_chance;
            runtime::task::Builder::new()
                .name(name.clone())
                .spawn(unreliable_operation(name, delay, fails))
        })
        .collect();

    println!("Created {} tasks", tasks.len());

    // Method 1: wait for the first completion.
    println!("\n--- Waiting for first completion ---");
    let (done, pending) = runtime::wait(tasks, ReturnWhen::FirstCompleted).await;

    println!(
        "First task completed: {} done, {} pending",
        done.len(),
        pending.len()
    );

    // Handle the completed task(s).
    for task in done {
        match task.await {
            Ok(Ok(result)) => println!("First result: {result}"),
            Ok(Err(e)) => println!("First task failed: {e}"),
            Err(e) => println!("First task failed: {e}"),
        }
    }

    // Cancel the remaining tasks.
    for task in &pending {
        task.cancel();
        let name = task.name().unwrap_or_default();
        println!("Cancelled task: {name} (id {})", task.id());
    }

    // Wait for the cancellations to complete (gather(..., return_exceptions=True)).
    let outcomes = runtime::gather_settled(pending).await;
    debug_assert!(outcomes.iter().all(|o| o.is_ok()));
    println!("All remaining tasks cancelled");
}
