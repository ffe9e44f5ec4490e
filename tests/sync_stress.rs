//! Issue 5: 8 producer tasks and 8 consumer tasks on a 2-worker runtime
//! move 1,000,000 items through a bounded `Queue` (maxsize 64) and through a
//! bounded `mpsc` channel (capacity 64). Every item must arrive exactly
//! once: checked with a per-item flag, the count and the sum.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::spawn;
use runtime::sync::{mpsc, Mutex, Queue};
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::sync::Arc;

/// 1,000,000 items, in debug builds too: the unoptimised build moves them
/// in a few seconds (`cfg!(debug_assertions)` could lower this if that ever
/// stops being true).
const ITEMS: usize = 1_000_000;
const PRODUCERS: usize = 8;
const CONSUMERS: usize = 8;
const CAPACITY: usize = 64;

/// One flag per item: set on receipt; a second receipt is a duplicate.
fn flags() -> Arc<Vec<AtomicU8>> {
    Arc::new((0..ITEMS).map(|_| AtomicU8::new(0)).collect())
}

/// Items of producer `p`: a contiguous slice of `0..ITEMS`.
fn produce_range(p: usize) -> std::ops::Range<usize> {
    let per = ITEMS / PRODUCERS;
    let end = if p == PRODUCERS - 1 {
        ITEMS
    } else {
        (p + 1) * per
    };
    p * per..end
}

/// Marks `item` received; panics on a duplicate.
fn receive(seen: &[AtomicU8], item: usize) {
    assert_eq!(seen[item].swap(1, Relaxed), 0, "item {item} received twice");
}

fn check_exactly_once(seen: &[AtomicU8], count: usize, sum: u64) {
    assert_eq!(count, ITEMS, "item count");
    assert_eq!(sum, (0..ITEMS as u64).sum::<u64>(), "item sum");
    let missing: Vec<usize> = (0..ITEMS)
        .filter(|&i| seen[i].load(Relaxed) == 0)
        .take(5)
        .collect();
    assert!(missing.is_empty(), "never received: {missing:?}...");
}

#[test]
fn queue_8_producers_8_consumers_move_every_item_once() {
    watchdog(LIMIT, || {
        rt(2, "stress-q").block_on(async {
            let queue = Queue::<usize>::new(CAPACITY);
            let seen = flags();
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let queue = queue.clone();
                    spawn(async move {
                        for item in produce_range(p) {
                            queue.put(item).await.unwrap();
                        }
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|_| {
                    let (queue, seen) = (queue.clone(), seen.clone());
                    spawn(async move {
                        let (mut count, mut sum) = (0usize, 0u64);
                        while let Ok(item) = queue.get().await {
                            receive(&seen, item);
                            count += 1;
                            sum += item as u64;
                        }
                        (count, sum)
                    })
                })
                .collect();
            for p in producers {
                p.await.unwrap();
            }
            queue.close(); // consumers drain what is left, then stop
            let (mut count, mut sum) = (0, 0);
            for c in consumers {
                let (n, s) = c.await.unwrap();
                count += n;
                sum += s;
            }
            check_exactly_once(&seen, count, sum);
            assert!(queue.is_empty());
        });
    });
}

/// `mpsc` has one receiver: the 8 consumer tasks share it behind the
/// runtime's async `Mutex`, each taking a batch with `recv_many` while it
/// holds the lock.
#[test]
fn mpsc_8_producers_8_consumers_move_every_item_once() {
    watchdog(LIMIT, || {
        rt(2, "stress-mpsc").block_on(async {
            let (tx, rx) = mpsc::channel::<usize>(CAPACITY);
            let rx = Arc::new(Mutex::new(rx));
            let seen = flags();
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let tx = tx.clone();
                    spawn(async move {
                        for item in produce_range(p) {
                            tx.send(item).await.unwrap();
                        }
                    })
                })
                .collect();
            drop(tx); // the channel ends when every producer is done
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|_| {
                    let (rx, seen) = (rx.clone(), seen.clone());
                    spawn(async move {
                        let (mut count, mut sum) = (0usize, 0u64);
                        let mut batch = Vec::with_capacity(CAPACITY);
                        loop {
                            let n = rx.lock().await.recv_many(&mut batch, CAPACITY).await;
                            if n == 0 {
                                break; // closed and drained
                            }
                            for item in batch.drain(..) {
                                receive(&seen, item);
                                count += 1;
                                sum += item as u64;
                            }
                        }
                        (count, sum)
                    })
                })
                .collect();
            for p in producers {
                p.await.unwrap();
            }
            let (mut count, mut sum) = (0, 0);
            for c in consumers {
                let (n, s) = c.await.unwrap();
                count += n;
                sum += s;
            }
            check_exactly_once(&seen, count, sum);
        });
    });
}
