//! Cancellation under contention: for each waiting method, 10k futures are
//! polled and then dropped mid-wait (often after other threads chose them)
//! while other threads use the primitive for real; afterwards items and
//! permits are counted. A leaked permit or swallowed wakeup makes a blocking
//! thread hang, which the watchdog reports. Under miri every count is a
//! hundredth ([`scaled`]).

use super::util::{block_on, scaled, spawn, watchdog, Rng};
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Arc, Mutex};
use crate::sync::{mpsc, Barrier, Condition, Event, Mutex as AsyncMutex, Notify, Queue};
use crate::sync::{RwLock, Semaphore};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

/// Cancellations per primitive, spread over the cancelling threads.
const CANCELS: usize = scaled(10_000);

/// Polls `fut` `polls` times, yielding the thread after each poll so other
/// threads can choose it as the next waiter, then drops it. Returns the
/// output if it completed instead.
fn poll_and_cancel<F: Future>(fut: F, polls: u64) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
    for _ in 0..polls {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return Some(v);
        }
        std::thread::yield_now();
    }
    None
}

/// Runs `n` cancelling threads of `CANCELS / n` iterations each.
fn cancellers<S: Send + Sync + 'static>(
    name: &str,
    n: usize,
    shared: &Arc<S>,
    body: impl Fn(&S, &mut Rng) + Send + Sync + Clone + 'static,
) -> Vec<crate::loom::thread::JoinHandle<()>> {
    (0..n)
        .map(|t| {
            let (shared, body) = (shared.clone(), body.clone());
            spawn(&format!("{name}-canceller-{t}"), move || {
                let mut rng = Rng::new(t as u64 + 1);
                for _ in 0..CANCELS / n {
                    body(&shared, &mut rng);
                }
            })
        })
        .collect()
}

fn join_all(handles: Vec<crate::loom::thread::JoinHandle<()>>) {
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn semaphore_acquire_and_acquire_many() {
    watchdog("cancel_semaphore", || {
        struct S {
            sem: Semaphore,
            held: AtomicUsize,
            stop: AtomicBool,
        }
        let s = Arc::new(S {
            sem: Semaphore::new(3),
            held: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let hold = |s: &S, n: usize| {
            let now = s.held.fetch_add(n, SeqCst) + n;
            assert!(now <= 3, "{now} permits held of 3");
            std::thread::yield_now();
            s.held.fetch_sub(n, SeqCst);
        };
        let real: Vec<_> = (0..2)
            .map(|t| {
                let s = s.clone();
                spawn(&format!("sem-real-{t}"), move || {
                    let mut rounds = 0;
                    while !s.stop.load(SeqCst) || rounds < scaled(100) {
                        let n = 1 + rounds % 3;
                        let p = block_on(s.sem.acquire_many(n)).unwrap();
                        hold(&s, n);
                        drop(p);
                        rounds += 1;
                    }
                })
            })
            .collect();
        let cancel = cancellers("sem", 4, &s, move |s, rng| {
            let n = 1 + (rng.next() % 2) as usize;
            if let Some(p) = poll_and_cancel(s.sem.acquire_many(n), 1 + rng.next() % 3) {
                hold(s, n);
                drop(p.unwrap());
            }
        });
        join_all(cancel);
        s.stop.store(true, SeqCst);
        join_all(real);
        assert_eq!(
            s.sem.available_permits(),
            3,
            "no permit leaked or duplicated"
        );
        assert!(format!("{:?}", s.sem).contains("queued: 0"));
        assert!(s.sem.try_acquire_many(3).is_ok());
    });
}

#[test]
fn queue_get_and_put() {
    watchdog("cancel_queue", || {
        const REAL_PUTS: u64 = scaled(2_000) as u64;
        struct S {
            q: Queue<u64>,
            put_ok: Mutex<Vec<u64>>,
            got: Mutex<Vec<u64>>,
        }
        let s = Arc::new(S {
            q: Queue::new(4),
            put_ok: Mutex::new(Vec::new()),
            got: Mutex::new(Vec::new()),
        });
        let producers: Vec<_> = (0..2u64)
            .map(|p| {
                let s = s.clone();
                spawn(&format!("queue-producer-{p}"), move || {
                    for i in 0..REAL_PUTS {
                        let v = p * REAL_PUTS + i;
                        block_on(s.q.put(v)).unwrap();
                        s.put_ok.lock().push(v);
                    }
                })
            })
            .collect();
        let consumer = {
            let s = s.clone();
            spawn("queue-consumer", move || {
                while let Ok(v) = block_on(s.q.get()) {
                    s.got.lock().push(v);
                }
            })
        };
        // Cancelled puts use their own value range; a put that completes
        // counts as put, a dropped one must never show up.
        let next = Arc::new(AtomicUsize::new(0));
        let cancel_puts = cancellers("queue-put", 2, &s, {
            let next = next.clone();
            move |s, rng| {
                let v = 1_000_000 + next.fetch_add(1, SeqCst) as u64;
                if let Some(res) = poll_and_cancel(s.q.put(v), 1 + rng.next() % 3) {
                    res.unwrap();
                    s.put_ok.lock().push(v);
                }
            }
        });
        let cancel_gets = cancellers("queue-get", 2, &s, |s, rng| {
            if let Some(res) = poll_and_cancel(s.q.get(), 1 + rng.next() % 3) {
                s.got.lock().push(res.unwrap());
            }
        });
        join_all(producers);
        join_all(cancel_puts);
        join_all(cancel_gets);
        s.q.close();
        consumer.join().unwrap();
        let mut put = s.put_ok.lock().clone();
        let mut got = s.got.lock().clone();
        put.sort_unstable();
        got.sort_unstable();
        assert!(put.len() as u64 >= 2 * REAL_PUTS);
        assert_eq!(
            got, put,
            "every item put was got exactly once; no dropped put leaked in"
        );
        assert!(format!("{:?}", s.q).contains("getters: 0, putters: 0"));
    });
}

#[test]
fn mutex_lock() {
    watchdog("cancel_mutex", || {
        struct S {
            m: AsyncMutex<u64>,
            increments: AtomicUsize,
        }
        let s = Arc::new(S {
            m: AsyncMutex::new(0),
            increments: AtomicUsize::new(0),
        });
        let real: Vec<_> = (0..2)
            .map(|t| {
                let s = s.clone();
                spawn(&format!("mutex-real-{t}"), move || {
                    for _ in 0..scaled(2_000) {
                        let mut g = s.m.blocking_lock();
                        *g += 1;
                        s.increments.fetch_add(1, SeqCst);
                    }
                })
            })
            .collect();
        let cancel = cancellers("mutex", 3, &s, |s, rng| {
            if let Some(mut g) = poll_and_cancel(s.m.lock(), 1 + rng.next() % 3) {
                *g += 1;
                s.increments.fetch_add(1, SeqCst);
            }
        });
        join_all(cancel);
        join_all(real);
        let g = s.m.try_lock().expect("the lock is free");
        assert_eq!(*g as usize, s.increments.load(SeqCst));
    });
}

#[test]
fn rwlock_read_and_write() {
    watchdog("cancel_rwlock", || {
        struct S {
            l: RwLock<u64>,
            writes: AtomicUsize,
        }
        let s = Arc::new(S {
            l: RwLock::new(0),
            writes: AtomicUsize::new(0),
        });
        let write = |s: &S, g: &mut u64| {
            *g += 1;
            std::thread::yield_now();
            *g += 1;
            s.writes.fetch_add(1, SeqCst);
        };
        let real: Vec<_> = (0..2)
            .map(|t| {
                let s = s.clone();
                spawn(&format!("rwlock-real-{t}"), move || {
                    for i in 0..scaled(1_000) {
                        if i % 2 == 0 {
                            write(&s, &mut s.l.blocking_write());
                        } else {
                            assert_eq!(*s.l.blocking_read() % 2, 0, "saw a half-done write");
                        }
                    }
                })
            })
            .collect();
        let cancel = cancellers("rwlock", 3, &s, move |s, rng| {
            let polls = 1 + rng.next() % 3;
            if rng.one_in(2) {
                if let Some(mut g) = poll_and_cancel(s.l.write(), polls) {
                    write(s, &mut g);
                }
            } else if let Some(g) = poll_and_cancel(s.l.read(), polls) {
                assert_eq!(*g % 2, 0, "saw a half-done write");
            }
        });
        join_all(cancel);
        join_all(real);
        let g = s.l.try_write().expect("every permit came back");
        assert_eq!(*g as usize, 2 * s.writes.load(SeqCst));
    });
}

#[test]
fn mpsc_send_and_recv() {
    watchdog("cancel_mpsc", || {
        const SENDS: u64 = scaled(2_000) as u64;
        let (tx, mut rx) = mpsc::channel::<u64>(4);
        let sent = Arc::new(Mutex::new(Vec::new()));
        let senders: Vec<_> = (0..2u64)
            .map(|p| {
                let (tx, sent) = (tx.clone(), sent.clone());
                spawn(&format!("mpsc-sender-{p}"), move || {
                    for i in 0..SENDS {
                        let v = p * SENDS + i;
                        tx.blocking_send(v).unwrap();
                        sent.lock().push(v);
                    }
                })
            })
            .collect();
        let cancel_senders: Vec<_> = (0..2u64)
            .map(|p| {
                let (tx, sent) = (tx.clone(), sent.clone());
                spawn(&format!("mpsc-cancel-sender-{p}"), move || {
                    let mut rng = Rng::new(p + 7);
                    for i in 0..(CANCELS / 2) as u64 {
                        let v = 1_000_000 + p * 100_000 + i;
                        if let Some(res) = poll_and_cancel(tx.send(v), 1 + rng.next() % 3) {
                            res.unwrap();
                            sent.lock().push(v);
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        // One receiver: it alternates cancelled and real receives.
        let mut got = Vec::new();
        let mut rng = Rng::new(99);
        let mut cancelled = 0;
        loop {
            if cancelled < CANCELS && rng.one_in(2) {
                cancelled += 1;
                if let Some(v) = poll_and_cancel(rx.recv(), 1 + rng.next() % 3) {
                    match v {
                        Some(v) => got.push(v),
                        None => break,
                    }
                }
            } else {
                match rx.blocking_recv() {
                    Some(v) => got.push(v),
                    None => break,
                }
            }
        }
        join_all(senders);
        join_all(cancel_senders);
        let mut sent = sent.lock().clone();
        sent.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, sent, "every value sent was received exactly once");
    });
}

#[test]
fn notify_notified() {
    watchdog("cancel_notify", || {
        struct S {
            n: Notify,
            stop: AtomicBool,
        }
        let s = Arc::new(S {
            n: Notify::new(),
            stop: AtomicBool::new(false),
        });
        let notifier = {
            let s = s.clone();
            spawn("notifier", move || {
                while !s.stop.load(SeqCst) {
                    s.n.notify_one();
                    std::thread::yield_now();
                }
            })
        };
        let waiter = {
            let s = s.clone();
            spawn("notify-real-waiter", move || {
                for _ in 0..scaled(2_000) {
                    block_on(s.n.notified());
                }
            })
        };
        let cancel = cancellers("notify", 3, &s, |s, rng| {
            let _ = poll_and_cancel(s.n.notified(), 1 + rng.next() % 3);
        });
        join_all(cancel);
        waiter.join().unwrap();
        s.stop.store(true, SeqCst);
        notifier.join().unwrap();
        assert!(format!("{:?}", s.n).contains("waiters: 0"));
    });
}

#[test]
fn event_wait() {
    watchdog("cancel_event", || {
        struct S {
            e: Event,
            stop: AtomicBool,
        }
        let s = Arc::new(S {
            e: Event::new(),
            stop: AtomicBool::new(false),
        });
        let toggler = {
            let s = s.clone();
            spawn("event-toggler", move || {
                while !s.stop.load(SeqCst) {
                    s.e.set();
                    std::thread::yield_now();
                    s.e.clear();
                }
            })
        };
        let waiter = {
            let s = s.clone();
            spawn("event-real-waiter", move || {
                for _ in 0..scaled(1_000) {
                    block_on(s.e.wait());
                }
            })
        };
        let cancel = cancellers("event", 3, &s, |s, rng| {
            let _ = poll_and_cancel(s.e.wait(), 1 + rng.next() % 3);
        });
        join_all(cancel);
        waiter.join().unwrap();
        s.stop.store(true, SeqCst);
        toggler.join().unwrap();
        assert!(format!("{:?}", s.e).contains("waiters: 0"));
    });
}

#[test]
fn condition_wait() {
    watchdog("cancel_condition", || {
        const TOKENS: u64 = scaled(2_000) as u64;
        struct S {
            tokens: AsyncMutex<u64>,
            cond: Condition<u64>,
        }
        let s = Arc::new(S {
            tokens: AsyncMutex::new(0),
            cond: Condition::new(),
        });
        let consumer = {
            let s = s.clone();
            spawn("condition-consumer", move || {
                block_on(async {
                    for _ in 0..TOKENS {
                        let g = s.tokens.lock().await;
                        let mut g = s.cond.wait_for(g, |t| *t > 0).await;
                        *g -= 1;
                    }
                })
            })
        };
        let producer = {
            let s = s.clone();
            spawn("condition-producer", move || {
                for _ in 0..TOKENS {
                    *s.tokens.blocking_lock() += 1;
                    s.cond.notify(1);
                }
            })
        };
        let cancel = cancellers("condition", 3, &s, |s, rng| {
            let guard = s.tokens.blocking_lock();
            if poll_and_cancel(s.cond.wait(guard), 1 + rng.next() % 3).is_some() {
                // Woken but consumed nothing: hand the notification on, as a
                // well-behaved participant that was not interested must.
                s.cond.notify(1);
            }
        });
        producer.join().unwrap();
        consumer.join().unwrap();
        join_all(cancel);
        assert_eq!(*s.tokens.try_lock().unwrap(), 0);
        assert!(format!("{:?}", s.cond).contains("waiters: 0"));
    });
}

#[test]
fn barrier_wait() {
    watchdog("cancel_barrier", || {
        // 4 cancelling threads can never complete a round of 5: every
        // arrival must be withdrawn exactly.
        let b = Arc::new(Barrier::new(5));
        let cancel = cancellers("barrier", 4, &b, |b, rng| {
            assert!(poll_and_cancel(b.wait(), 1 + rng.next() % 3).is_none());
        });
        join_all(cancel);
        assert_eq!(b.n_waiting(), 0);
        // A real round still needs exactly five.
        let leaders = Arc::new(AtomicUsize::new(0));
        let real: Vec<_> = (0..5)
            .map(|i| {
                let (b, leaders) = (b.clone(), leaders.clone());
                spawn(&format!("barrier-real-{i}"), move || {
                    if block_on(b.wait()).is_leader() {
                        leaders.fetch_add(1, SeqCst);
                    }
                })
            })
            .collect();
        join_all(real);
        assert_eq!(leaders.load(SeqCst), 1);
    });
}
