//! `queue_mpmc`: [`PRODUCERS`] tasks each put [`ITEMS`] numbers into one
//! bounded queue (capacity [`CAPACITY`]) that [`CONSUMERS`] tasks drain
//! until it is closed.
//!
//! - `runtime`: `runtime::sync::Queue` (asyncio's `Queue`: `put`/`get`,
//!   closed by the root task once every producer is done), 4 producers,
//!   4 consumers.
//! - smol: `async-channel` (`smol::channel::bounded`, closed when the last
//!   sender drops), 4 producers, 4 consumers.
//! - Tokio has no MPMC queue: `tokio::sync::mpsc::channel`, 4 producers,
//!   **1 consumer** (the closest Tokio primitive; it pays no consumer-side
//!   contention, so it has the easier job).
//!
//! Check: the consumers' counts and sums add up to what was put.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};

/// Producing tasks.
pub const PRODUCERS: u64 = 4;
/// Consuming tasks (Tokio: 1).
pub const CONSUMERS: usize = 4;
/// Items per producer.
pub const ITEMS: u64 = 25_000;
/// Queue capacity.
pub const CAPACITY: usize = 128;

/// The workload.
pub const QUEUE_MPMC: Workload = Workload {
    name: "queue_mpmc",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
    smol_label: None,
};

const COUNT: u64 = PRODUCERS * ITEMS;
const SUM: u64 = COUNT * (COUNT - 1) / 2;

fn value(producer: u64, i: u64) -> u64 {
    producer * ITEMS + i
}

fn add(total: &mut (u64, u64), part: (u64, u64)) {
    total.0 += part.0;
    total.1 += part.1;
}

fn check(name: &str, got: (u64, u64)) {
    assert_eq!(got, (COUNT, SUM), "{name}: queue lost or changed items");
}

fn on_runtime(rt: &runtime::Runtime) {
    let got = in_runtime(rt, async {
        let q = runtime::sync::Queue::<u64>::new(CAPACITY);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let q = q.clone();
                runtime::spawn(async move {
                    for i in 0..ITEMS {
                        q.put(value(p, i)).await.expect("queue closed early");
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let q = q.clone();
                runtime::spawn(async move {
                    let (mut n, mut sum) = (0, 0);
                    while let Ok(v) = q.get().await {
                        n += 1;
                        sum += v;
                    }
                    (n, sum)
                })
            })
            .collect();
        for p in producers {
            p.await.expect("producer failed");
        }
        q.close();
        let mut total = (0, 0);
        for c in consumers {
            add(&mut total, c.await.expect("consumer failed"));
        }
        total
    });
    check("runtime", got);
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    let got = in_tokio(rt, async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(CAPACITY);
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            drop(tokio::spawn(async move {
                for i in 0..ITEMS {
                    tx.send(value(p, i)).await.expect("receiver gone");
                }
            }));
        }
        drop(tx);
        let consumer = tokio::spawn(async move {
            let (mut n, mut sum) = (0, 0);
            while let Some(v) = rx.recv().await {
                n += 1;
                sum += v;
            }
            (n, sum)
        });
        consumer.await.expect("consumer failed")
    });
    check("tokio", got);
}

fn on_smol(pool: &SmolPool) {
    let ex = pool.executor().clone();
    let got = pool.run(async move {
        let (tx, rx) = smol::channel::bounded::<u64>(CAPACITY);
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            ex.spawn(async move {
                for i in 0..ITEMS {
                    tx.send(value(p, i)).await.expect("receivers gone");
                }
            })
            .detach();
        }
        drop(tx);
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let rx = rx.clone();
                ex.spawn(async move {
                    let (mut n, mut sum) = (0, 0);
                    while let Ok(v) = rx.recv().await {
                        n += 1;
                        sum += v;
                    }
                    (n, sum)
                })
            })
            .collect();
        drop(rx);
        let mut total = (0, 0);
        for c in consumers {
            add(&mut total, c.await);
        }
        total
    });
    check("smol", got);
}
