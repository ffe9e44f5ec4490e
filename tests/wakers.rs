//! Wakers are safe from any thread, any number of times, before, during and
//! after completion, and after the runtime is gone.
// `waker.clone().wake()` is deliberate: it exercises the by-value wake,
// which consumes the clone's own reference.
#![allow(clippy::waker_clone_wake)]
mod common;
use common::{rt, watchdog, LIMIT};
use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};

/// A task that hands out its waker, then completes on its `n`th poll.
fn waker_leaker(
    tx: mpsc::Sender<Waker>,
    polls: Arc<AtomicUsize>,
    n: usize,
) -> impl std::future::Future<Output = ()> {
    poll_fn(move |cx| {
        let seen = polls.fetch_add(1, SeqCst) + 1;
        let _ = tx.send(cx.waker().clone());
        if seen >= n {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}

#[test]
fn wake_after_completion_is_harmless() {
    watchdog(LIMIT, || {
        let rt = rt(2, "wake-done");
        let (tx, rx) = mpsc::channel();
        let polls = Arc::new(AtomicUsize::new(0));
        let task = rt.spawn(waker_leaker(tx, polls.clone(), 1));
        rt.block_on(task).unwrap();
        let waker = rx.recv().unwrap();
        for _ in 0..100 {
            waker.wake_by_ref();
        }
        waker.clone().wake();
        drop(waker);
        // Give a worker the chance to (wrongly) poll it again.
        rt.block_on(async {
            for _ in 0..10 {
                runtime::yield_now().await;
            }
        });
        assert_eq!(
            polls.load(SeqCst),
            1,
            "a completed task is never polled again"
        );
    });
}

#[test]
fn wake_after_the_runtime_is_dropped_is_harmless() {
    watchdog(LIMIT, || {
        let (tx, rx) = mpsc::channel();
        let polls = Arc::new(AtomicUsize::new(0));
        let rt = rt(2, "wake-gone");
        // Never completes by itself: cancelled by shutdown.
        drop(rt.spawn(waker_leaker(tx.clone(), polls.clone(), usize::MAX)));
        let waker = rx.recv().unwrap();
        drop(rt);
        waker.wake_by_ref();
        let clone = waker.clone();
        std::thread::spawn(move || clone.wake()).join().unwrap();
        waker.wake();
        // And one from a task that completed before the drop.
        let rt = common::rt(1, "wake-gone2");
        rt.block_on(rt.spawn(waker_leaker(tx, polls.clone(), 0)))
            .unwrap();
        drop(rt);
        while let Ok(w) = rx.try_recv() {
            w.wake();
        }
    });
}

#[test]
fn wakes_from_eight_foreign_threads() {
    watchdog(LIMIT, || {
        const THREADS: usize = 8;
        const WAKES: usize = 100_000 / THREADS;
        let rt = rt(2, "wake-8");
        let polls = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel::<Waker>();
        let p = polls.clone();
        let d = done.clone();
        // Finishes once all the wakers have run (checked on each poll).
        let task = rt.spawn(poll_fn(move |cx| {
            if p.fetch_add(1, SeqCst) == 0 {
                for _ in 0..THREADS {
                    tx.send(cx.waker().clone()).unwrap();
                }
            }
            if d.load(SeqCst) == THREADS {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let waker = rx.recv().unwrap();
                let done = done.clone();
                std::thread::spawn(move || {
                    for i in 0..WAKES {
                        if i % 2 == 0 {
                            waker.wake_by_ref();
                        } else {
                            waker.clone().wake();
                        }
                    }
                    done.fetch_add(1, SeqCst);
                    waker.wake();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        rt.block_on(task).unwrap();
        let n = polls.load(SeqCst);
        assert!((2..=100_001).contains(&n), "coalesced wakes: {n} polls");
    });
}
