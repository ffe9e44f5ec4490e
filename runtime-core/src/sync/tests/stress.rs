//! Throughput stress: 8 producer threads and 8 consumer threads move
//! `ITEMS` items through a bounded Queue (maxsize 64), and 8 producers
//! through a bounded mpsc channel (capacity 64) to its one receiver. Every
//! item must arrive exactly once (count, sum, and a per-item delivery
//! counter). 1M items in debug builds too: about 2 s each on two cores;
//! 1,000 under miri, which still fills and drains the bounded buffers many
//! times over.

use super::util::{block_on, spawn, watchdog};
use crate::loom::sync::atomic::{AtomicU8, Ordering::Relaxed};
use crate::loom::sync::Arc;
use crate::sync::{mpsc, Queue};

const ITEMS: usize = if cfg!(miri) { 1_000 } else { 1_000_000 };
const PRODUCERS: usize = 8;
const CONSUMERS: usize = 8;

/// One flag per item: counts deliveries.
fn flags() -> Arc<Vec<AtomicU8>> {
    Arc::new((0..ITEMS).map(|_| AtomicU8::new(0)).collect())
}

fn check_exactly_once(seen: &[AtomicU8], count: usize, sum: u64) {
    assert_eq!(count, ITEMS, "item count");
    let n = ITEMS as u64;
    assert_eq!(sum, n * (n - 1) / 2, "item sum");
    if let Some(i) = seen.iter().position(|f| f.load(Relaxed) != 1) {
        panic!("item {i} delivered {} times", seen[i].load(Relaxed));
    }
}

fn produce_range(p: usize) -> std::ops::Range<usize> {
    let per = ITEMS / PRODUCERS;
    p * per..if p + 1 == PRODUCERS {
        ITEMS
    } else {
        (p + 1) * per
    }
}

#[test]
fn queue_8_producers_8_consumers() {
    watchdog("stress_queue", || {
        let q: Queue<usize> = Queue::new(64);
        let seen = flags();
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                let (q, seen) = (q.clone(), seen.clone());
                spawn(&format!("stress-consumer-{c}"), move || {
                    block_on(async {
                        let (mut count, mut sum) = (0usize, 0u64);
                        while let Ok(v) = q.get().await {
                            seen[v].fetch_add(1, Relaxed);
                            count += 1;
                            sum += v as u64;
                        }
                        (count, sum)
                    })
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let q = q.clone();
                spawn(&format!("stress-producer-{p}"), move || {
                    block_on(async {
                        for v in produce_range(p) {
                            q.put(v).await.unwrap();
                        }
                    })
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        q.close();
        let (mut count, mut sum) = (0, 0);
        for c in consumers {
            let (n, s) = c.join().unwrap();
            count += n;
            sum += s;
        }
        check_exactly_once(&seen, count, sum);
    });
}

#[test]
fn mpsc_8_producers_1_receiver() {
    watchdog("stress_mpsc", || {
        let (tx, mut rx) = mpsc::channel::<usize>(64);
        let seen = flags();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let tx = tx.clone();
                spawn(&format!("stress-sender-{p}"), move || {
                    block_on(async {
                        for v in produce_range(p) {
                            tx.send(v).await.unwrap();
                        }
                    })
                })
            })
            .collect();
        drop(tx);
        let (count, sum) = block_on(async {
            let (mut count, mut sum) = (0usize, 0u64);
            let mut buf = Vec::with_capacity(64);
            loop {
                buf.clear();
                if rx.recv_many(&mut buf, 64).await == 0 {
                    break;
                }
                for &v in &buf {
                    seen[v].fetch_add(1, Relaxed);
                    count += 1;
                    sum += v as u64;
                }
            }
            (count, sum)
        });
        for p in producers {
            p.join().unwrap();
        }
        check_exactly_once(&seen, count, sum);
    });
}
