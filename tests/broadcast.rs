//! `runtime::sync::broadcast`: every receiver gets every value, lagging
//! receivers learn how many they missed, and both ends see the other close.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::sync::broadcast::{self, RecvError, SendError, TryRecvError};
use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn every_receiver_gets_every_value_in_order() {
    watchdog(LIMIT, || {
        rt(2, "bc-all").block_on(async {
            const N: u32 = 2_000;
            let (tx, rx) = broadcast::channel::<(u32, u32)>(N as usize * 2);
            let mut receivers = vec![rx, tx.subscribe(), tx.subscribe()];
            let listeners: Vec<_> = receivers
                .drain(..)
                .map(|mut rx| {
                    runtime::spawn(async move {
                        let mut last = [None::<u32>; 2];
                        let mut count = 0;
                        loop {
                            match rx.recv().await {
                                Ok((sender, i)) => {
                                    let prev = &mut last[sender as usize];
                                    assert!(prev.is_none_or(|p| p + 1 == i), "per-sender order");
                                    *prev = Some(i);
                                    count += 1;
                                }
                                Err(RecvError::Closed) => return count,
                                Err(RecvError::Lagged(n)) => {
                                    panic!("lagged by {n} with room for all")
                                }
                            }
                        }
                    })
                })
                .collect();
            let senders: Vec<_> = (0..2u32)
                .map(|s| {
                    let tx = tx.clone();
                    runtime::spawn(async move {
                        for i in 0..N {
                            assert_eq!(tx.send((s, i)).unwrap(), 3, "three receivers");
                            if i % 64 == 0 {
                                runtime::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            drop(tx);
            for s in senders {
                s.await.unwrap();
            }
            for l in listeners {
                assert_eq!(l.await.unwrap(), 2 * N);
            }
        });
    });
}

#[test]
fn a_lagging_receiver_is_told_how_many_it_missed() {
    watchdog(LIMIT, || {
        rt(1, "bc-lag").block_on(async {
            let (tx, mut rx) = broadcast::channel(4);
            let mut fast = tx.subscribe();
            for i in 0..10 {
                tx.send(i).unwrap();
                assert_eq!(fast.recv().await, Ok(i));
            }
            assert_eq!(rx.len(), 4, "only the capacity is kept");
            let err = rx.recv().await.unwrap_err();
            assert_eq!(err, RecvError::Lagged(6));
            assert!(err.to_string().contains("missed 6 value"), "{err}");
            for i in 6..10 {
                assert_eq!(rx.recv().await, Ok(i));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            for i in 10..15 {
                tx.send(i).unwrap();
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
            assert_eq!(rx.try_recv(), Ok(11));
        });
    });
}

#[test]
fn send_without_receivers_hands_the_value_back() {
    let (tx, rx) = broadcast::channel::<String>(2);
    drop(rx);
    assert!(tx.is_closed());
    let err = tx.send("lost?".to_string()).unwrap_err();
    assert!(err.to_string().contains("receiver"), "{err}");
    assert_eq!(err, SendError("lost?".to_string()));
    assert_eq!(err.into_inner(), "lost?");
    let mut rx = tx.subscribe();
    assert_eq!(tx.send("kept".into()).unwrap(), 1);
    assert_eq!(rx.try_recv().unwrap(), "kept");
}

#[test]
fn receivers_drain_then_see_closed_and_senders_see_the_last_receiver_go() {
    watchdog(LIMIT, || {
        rt(2, "bc-close").block_on(async {
            let (tx, mut rx) = broadcast::channel(8);
            let tx2 = tx.clone();
            tx.send(1).unwrap();
            drop(tx);
            assert!(!rx.is_closed(), "a clone is still alive");
            tx2.send(2).unwrap();
            let waiting = runtime::spawn({
                let mut rx = tx2.subscribe();
                async move { rx.recv().await }
            });
            drop(tx2);
            assert_eq!(waiting.await.unwrap(), Err(RecvError::Closed));
            assert!(rx.is_closed());
            assert_eq!(rx.recv().await, Ok(1), "values kept are still delivered");
            assert_eq!(rx.recv().await, Ok(2));
            assert_eq!(rx.recv().await, Err(RecvError::Closed));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            assert!(RecvError::Closed
                .to_string()
                .contains("every sender was dropped"));

            let (tx, rx) = broadcast::channel::<u8>(1);
            let rx2 = rx.resubscribe();
            let closed = runtime::spawn(async move { tx.closed().await });
            drop(rx);
            runtime::yield_now().await;
            assert!(!closed.is_finished(), "one receiver is left");
            drop(rx2);
            closed.await.unwrap();
        });
    });
}

#[test]
fn a_new_receiver_starts_at_the_tail() {
    let (tx, mut rx) = broadcast::channel(8);
    tx.send(1).unwrap();
    let mut late = rx.resubscribe();
    let mut later = tx.subscribe();
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(late.try_recv(), Ok(2));
    assert_eq!(later.try_recv(), Ok(2));
    assert!(late.same_channel(&later));
    assert!(late.is_empty());
}

/// Counts live instances: clones add one, drops remove one.
struct Tracked(Arc<AtomicIsize>);

impl Clone for Tracked {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, SeqCst);
        Tracked(self.0.clone())
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

#[test]
fn a_value_is_dropped_once_every_receiver_has_it_and_copies_are_not_leaked() {
    let live = Arc::new(AtomicIsize::new(0));
    let make = || {
        live.fetch_add(1, SeqCst);
        Tracked(live.clone())
    };
    let (tx, mut a) = broadcast::channel(4);
    let mut b = tx.subscribe();
    tx.send(make()).unwrap();
    assert_eq!(live.load(SeqCst), 1, "stored once, not cloned per receiver");
    let from_a = a.try_recv().unwrap();
    assert_eq!(live.load(SeqCst), 2, "the first receiver gets a clone");
    let from_b = b.try_recv().unwrap();
    assert_eq!(
        live.load(SeqCst),
        2,
        "the last one gets the original: no clone, none left"
    );
    drop((from_a, from_b));
    assert_eq!(live.load(SeqCst), 0);

    // A receiver dropped with values unread gives up its claim on them.
    tx.send(make()).unwrap();
    tx.send(make()).unwrap();
    drop(b);
    let first = a.try_recv().unwrap();
    assert_eq!(
        live.load(SeqCst),
        2,
        "a was the last claimant: the originals move out"
    );
    drop(first);
    drop(a);
    assert_eq!(
        live.load(SeqCst),
        0,
        "nobody wants the rest: dropped with the last receiver"
    );
    drop(tx);
}

#[test]
fn recv_is_cancel_safe_under_select() {
    watchdog(LIMIT, || {
        rt(2, "bc-cancel").block_on(async {
            const N: u32 = 3_000;
            let (tx, mut rx) = broadcast::channel(N as usize);
            let producer = runtime::spawn(async move {
                for i in 0..N {
                    tx.send(i).unwrap();
                    if i % 50 == 0 {
                        runtime::yield_now().await;
                    }
                }
            });
            let mut next = 0;
            loop {
                runtime::select! {
                    r = rx.recv() => match r {
                        Ok(v) => {
                            assert_eq!(v, next, "no value lost or repeated");
                            next += 1;
                        }
                        Err(RecvError::Closed) => break,
                        Err(e) => panic!("{e}"),
                    },
                    _ = runtime::yield_now() => {}
                }
            }
            assert_eq!(next, N);
            producer.await.unwrap();
        });
    });
}

#[test]
fn blocking_recv_on_a_plain_thread_and_refused_on_a_runtime_thread() {
    watchdog(LIMIT, || {
        let (tx, mut rx) = broadcast::channel(2);
        let mut rx2 = tx.subscribe();
        let t = std::thread::spawn(move || rx.blocking_recv());
        tx.send(5u8).unwrap();
        assert_eq!(t.join().unwrap(), Ok(5));
        let err = rt(1, "bc-block")
            .block_on(async move { runtime::spawn(async move { rx2.blocking_recv() }).await })
            .unwrap_err();
        let msg = err.panic_message().unwrap_or_default();
        assert!(msg.contains("broadcast::Receiver::blocking_recv"), "{msg}");
    });
}

#[test]
fn zero_capacity_is_refused_with_the_reason() {
    let err = std::panic::catch_unwind(|| broadcast::channel::<u8>(0)).unwrap_err();
    let msg = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("capacity of at least 1"), "{msg}");
}
