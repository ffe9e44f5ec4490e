//! Issue 5: cancellation in the middle of a wait, under contention, on the
//! real runtime. For `Queue::get` (and `put`), `Semaphore::acquire`,
//! `Mutex::lock` and `mpsc` `recv` (and `send`): 10,000 rounds of
//! `time::timeout(tiny, op)` race real holders and producers, so waiters are
//! dropped while queued, and sometimes just after being chosen. Then
//! everything is counted: no item and no permit is lost or duplicated, and
//! mutual exclusion held throughout.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::spawn;
use runtime::sync::{mpsc, Mutex, Queue, Semaphore};
use runtime::time::{timeout, Duration};
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

/// Total timed-out-or-not rounds per test, split over the cancelling tasks.
const ROUNDS: usize = 10_000;
const CANCELLERS: usize = 4;

/// A tiny timeout: mostly zero (it fires on the next 1 ms timer tick unless
/// the operation is ready at once), every third round 1 ms.
fn tiny(round: usize) -> Duration {
    if round % 3 == 0 {
        Duration::from_millis(1)
    } else {
        Duration::ZERO
    }
}

/// Receipt flags: each item must be received exactly once.
struct Seen {
    flags: Vec<AtomicU8>,
    count: AtomicUsize,
    sum: AtomicU64,
}

impl Seen {
    fn new(n: usize) -> Arc<Seen> {
        Arc::new(Seen {
            flags: (0..n).map(|_| AtomicU8::new(0)).collect(),
            count: AtomicUsize::new(0),
            sum: AtomicU64::new(0),
        })
    }
    fn receive(&self, item: usize) {
        assert_eq!(
            self.flags[item].swap(1, SeqCst),
            0,
            "item {item} received twice"
        );
        self.count.fetch_add(1, SeqCst);
        self.sum.fetch_add(item as u64, SeqCst);
    }
    fn received(&self, item: usize) -> bool {
        self.flags[item].load(SeqCst) == 1
    }
}

/// `Queue::get` and `Queue::put` cancelled mid-wait. Items are put by
/// producers that give up on a put after a tiny timeout (such an item was
/// never in the queue, and is put again) and taken by cancellers that give
/// up on a get, alongside two plain consumers.
#[test]
fn queue_get_and_put_cancelled_mid_wait_lose_nothing() {
    watchdog(LIMIT, || {
        rt(2, "cx-queue").block_on(async {
            const ITEMS: usize = 20_000;
            let queue = Queue::<usize>::new(8);
            let seen = Seen::new(ITEMS);
            let put_timeouts = Arc::new(AtomicUsize::new(0));
            let producers: Vec<_> = (0..4)
                .map(|p| {
                    let (queue, put_timeouts) = (queue.clone(), put_timeouts.clone());
                    spawn(async move {
                        for (round, item) in (p..ITEMS).step_by(4).enumerate() {
                            // Retry until the put goes through: a timed-out
                            // put did not put the item.
                            while timeout(tiny(round), queue.put(item)).await.is_err() {
                                put_timeouts.fetch_add(1, SeqCst);
                            }
                        }
                    })
                })
                .collect();
            let cancellers: Vec<_> = (0..CANCELLERS)
                .map(|_| {
                    let (queue, seen) = (queue.clone(), seen.clone());
                    spawn(async move {
                        let mut timeouts = 0;
                        for round in 0..ROUNDS / CANCELLERS {
                            match timeout(tiny(round), queue.get()).await {
                                Ok(item) => seen.receive(item.unwrap()),
                                Err(_) => timeouts += 1,
                            }
                        }
                        timeouts
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let (queue, seen) = (queue.clone(), seen.clone());
                    spawn(async move {
                        while let Ok(item) = queue.get().await {
                            seen.receive(item);
                        }
                    })
                })
                .collect();
            for p in producers {
                p.await.unwrap();
            }
            let mut get_timeouts = 0;
            for c in cancellers {
                get_timeouts += c.await.unwrap();
            }
            queue.close();
            for c in consumers {
                c.await.unwrap();
            }
            let missing: Vec<usize> = (0..ITEMS).filter(|&i| !seen.received(i)).take(5).collect();
            assert!(missing.is_empty(), "lost items {missing:?}...");
            assert_eq!(seen.count.load(SeqCst), ITEMS);
            assert_eq!(seen.sum.load(SeqCst), (0..ITEMS as u64).sum::<u64>());
            assert!(queue.is_empty());
            assert!(queue.try_get().is_err());
            // Informational: how much cancelling actually happened.
            eprintln!(
                "queue: {get_timeouts} gets and {} puts timed out",
                put_timeouts.load(SeqCst)
            );
        });
    });
}

/// `Semaphore::acquire` / `acquire_many` cancelled mid-wait while holders
/// cycle permits: the number in use never exceeds the permits, and at the
/// end every permit is back.
#[test]
fn semaphore_acquire_cancelled_mid_wait_loses_no_permit() {
    watchdog(LIMIT, || {
        rt(2, "cx-sem").block_on(async {
            const PERMITS: usize = 3;
            let sem = Arc::new(Semaphore::new(PERMITS));
            let in_use = Arc::new(AtomicUsize::new(0));
            let take = |n: usize, in_use: &AtomicUsize| {
                let now = in_use.fetch_add(n, SeqCst) + n;
                assert!(now <= PERMITS, "{now} permits in use out of {PERMITS}");
            };
            let holders: Vec<_> = (0..2)
                .map(|_| {
                    let (sem, in_use) = (sem.clone(), in_use.clone());
                    spawn(async move {
                        for _ in 0..2_000 {
                            let permit = sem.acquire().await.unwrap();
                            take(1, &in_use);
                            runtime::yield_now().await;
                            in_use.fetch_sub(1, SeqCst);
                            drop(permit);
                        }
                    })
                })
                .collect();
            let cancellers: Vec<_> = (0..CANCELLERS)
                .map(|c| {
                    let (sem, in_use) = (sem.clone(), in_use.clone());
                    spawn(async move {
                        let mut acquired = 0;
                        for round in 0..ROUNDS / CANCELLERS {
                            let n = if (c + round) % 2 == 0 { 1 } else { 2 };
                            if let Ok(permit) = timeout(tiny(round), sem.acquire_many(n)).await {
                                let permit = permit.unwrap();
                                assert_eq!(permit.num_permits(), n);
                                take(n, &in_use);
                                runtime::yield_now().await;
                                in_use.fetch_sub(n, SeqCst);
                                drop(permit);
                                acquired += 1;
                            }
                        }
                        acquired
                    })
                })
                .collect();
            for h in holders {
                h.await.unwrap();
            }
            let mut acquired = 0;
            for c in cancellers {
                acquired += c.await.unwrap();
            }
            assert_eq!(in_use.load(SeqCst), 0);
            assert_eq!(sem.available_permits(), PERMITS, "every permit came back");
            let all = sem
                .try_acquire_many(PERMITS)
                .expect("all permits free, nobody queued");
            assert!(sem.try_acquire().is_err());
            drop(all);
            assert_eq!(sem.available_permits(), PERMITS);
            eprintln!("semaphore: {acquired} of {ROUNDS} timed acquires succeeded");
        });
    });
}

/// `Mutex::lock` cancelled mid-wait while holders keep the lock across an
/// `.await`: never two holders at once, every successful lock counted once,
/// and the lock is free at the end.
#[test]
fn mutex_lock_cancelled_mid_wait_keeps_exclusion_and_frees_the_lock() {
    watchdog(LIMIT, || {
        rt(2, "cx-mutex").block_on(async {
            struct Guarded {
                count: u64,
                inside: bool,
            }
            let mutex = Arc::new(Mutex::new(Guarded {
                count: 0,
                inside: false,
            }));
            async fn critical(guard: &mut Guarded) {
                assert!(!guard.inside, "two holders at once");
                guard.inside = true;
                runtime::yield_now().await; // held across an await
                guard.inside = false;
                guard.count += 1;
            }
            let holders: Vec<_> = (0..2)
                .map(|_| {
                    let mutex = mutex.clone();
                    spawn(async move {
                        for _ in 0..2_000 {
                            critical(&mut *mutex.lock().await).await;
                        }
                    })
                })
                .collect();
            let cancellers: Vec<_> = (0..CANCELLERS)
                .map(|_| {
                    let mutex = mutex.clone();
                    spawn(async move {
                        let mut locked = 0u64;
                        for round in 0..ROUNDS / CANCELLERS {
                            if let Ok(mut guard) = timeout(tiny(round), mutex.lock()).await {
                                critical(&mut guard).await;
                                locked += 1;
                            }
                        }
                        locked
                    })
                })
                .collect();
            for h in holders {
                h.await.unwrap();
            }
            let mut locked = 0;
            for c in cancellers {
                locked += c.await.unwrap();
            }
            let guard = mutex
                .try_lock()
                .expect("the lock is free and nobody is queued");
            assert_eq!(guard.count, 2 * 2_000 + locked);
            assert!(!guard.inside);
            eprintln!("mutex: {locked} of {ROUNDS} timed locks succeeded");
        });
    });
}

/// `mpsc` `recv` (and `send`) cancelled mid-wait: the receiver gives up on
/// 10,000 receives after a tiny timeout while four producers send (and give
/// up on sends, then retry); then it drains. Every value arrives once.
#[test]
fn mpsc_recv_and_send_cancelled_mid_wait_lose_nothing() {
    watchdog(LIMIT, || {
        rt(2, "cx-mpsc").block_on(async {
            const ITEMS: usize = 20_000;
            let (tx, mut rx) = mpsc::channel::<usize>(8);
            let seen = Seen::new(ITEMS);
            let producers: Vec<_> = (0..4)
                .map(|p| {
                    let tx = tx.clone();
                    spawn(async move {
                        for (round, item) in (p..ITEMS).step_by(4).enumerate() {
                            while timeout(tiny(round + 1), tx.send(item)).await.is_err() {}
                        }
                    })
                })
                .collect();
            drop(tx);
            let receiver = spawn({
                let seen = seen.clone();
                async move {
                    let mut timeouts = 0;
                    for round in 0..ROUNDS {
                        match timeout(tiny(round), rx.recv()).await {
                            Ok(Some(item)) => seen.receive(item),
                            Ok(None) => break,
                            Err(_) => timeouts += 1,
                        }
                    }
                    while let Some(item) = rx.recv().await {
                        seen.receive(item);
                    }
                    timeouts
                }
            });
            for p in producers {
                p.await.unwrap();
            }
            let timeouts = receiver.await.unwrap();
            let missing: Vec<usize> = (0..ITEMS).filter(|&i| !seen.received(i)).take(5).collect();
            assert!(missing.is_empty(), "lost values {missing:?}...");
            assert_eq!(seen.count.load(SeqCst), ITEMS);
            assert_eq!(seen.sum.load(SeqCst), (0..ITEMS as u64).sum::<u64>());
            eprintln!("mpsc: {timeouts} receives timed out");
        });
    });
}
