//! A bounded `Queue` between one producer and two consumers, with
//! `task_done` / `join` to know when every item was processed, then the
//! idle consumers cancelled.
//!
//! Mirrors seed `004_78da268977e4f56f.txt`, section "Common Patterns and Best
//! Practices" -> "Pattern 1: Producer-Consumer with Tasks"
//! (`producer_consumer_pattern`: `Queue(maxsize=3)`, five items produced
//! every 0.5 s plus a `None` sentinel, two consumers taking 0.2 s per item),
//! with the times shortened to 0.1 s and 0.04 s.
//!
//! ```text
//! cargo run --release --example producer_consumer_queue
//! ```

use runtime::sync::Queue;
use runtime::time::{sleep, Duration};

async fn producer(queue: Queue<Option<String>>, name: &'static str) {
    for i in 0..5 {
        sleep(Duration::from_millis(100)).await; // simulate work
        let item = format!("{name}-item-{i}");
        queue.put(Some(item.clone())).await.expect("queue is open");
        println!("Produced: {item}");
    }
    queue.put(None).await.expect("queue is open"); // signal completion
}

async fn consumer(queue: Queue<Option<String>>, name: &'static str) {
    loop {
        let Ok(item) = queue.get().await else {
            break; // the queue was closed
        };
        let Some(item) = item else {
            let _ = queue.task_done();
            break;
        };
        // Simulate processing.
        sleep(Duration::from_millis(40)).await;
        println!("Consumer {name} processed: {item}");
        let _ = queue.task_done();
    }
}

#[runtime::main]
async fn main() {
    println!("=== Producer-Consumer Pattern ===");

    // Create the queue (a `Queue` is a handle: clones share it) and the tasks.
    let queue = Queue::new(3);
    let producer_task = runtime::spawn(producer(queue.clone(), "Producer-1"));
    let consumer_task1 = runtime::spawn(consumer(queue.clone(), "Consumer-1"));
    let consumer_task2 = runtime::spawn(consumer(queue.clone(), "Consumer-2"));

    // Wait for the producer to finish.
    producer_task.await.expect("producer failed");

    // Wait for the queue to be processed.
    queue.join().await;

    // Cancel the consumers (one has already left on the sentinel).
    consumer_task1.cancel();
    consumer_task2.cancel();

    // Wait for the cancellations (asyncio: gather(..., return_exceptions=True)).
    for (name, task) in [
        ("Consumer-1", consumer_task1),
        ("Consumer-2", consumer_task2),
    ] {
        match task.await {
            Ok(()) => println!("{name}: left on the sentinel"),
            Err(e) if e.is_cancelled() => println!("{name}: cancelled"),
            Err(e) => println!("{name}: {e}"),
        }
    }
}
