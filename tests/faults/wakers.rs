//! Fault family "wakers from outside": runtime futures polled by a foreign
//! executor on a plain thread, wakers woken after their runtime is gone,
//! channels used after the other side's runtime was dropped. Every case
//! runs in a child process under a watchdog (`support::isolated`).
#[macro_use]
mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use support::{block_on_plain, wait_for, DropCounter};

const LIMIT: Duration = Duration::from_secs(30);

fn make_rt(flavor: &str) -> runtime::Runtime {
    match flavor {
        "multi" => runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build(),
        _ => runtime::Builder::new_current_thread().build(),
    }
    .expect("build runtime")
}

// The runtime's sync primitives and task handles, polled by a plain-thread
// executor against tasks on the runtime, in both directions.
case!(runtime_futures_polled_by_a_plain_executor, LIMIT, {
    let rt = make_rt("multi");
    // mpsc: a runtime task sends, the plain thread receives.
    let (tx, mut rx) = runtime::sync::mpsc::channel::<u32>(4);
    rt.spawn(async move {
        for i in 0..100 {
            tx.send(i).await.expect("receiver alive");
        }
    })
    .detach();
    let sum = block_on_plain(async {
        let mut sum = 0;
        while let Some(i) = rx.recv().await {
            sum += i;
        }
        sum
    });
    assert_eq!(sum, (0..100).sum::<u32>());
    // oneshot the other way: the plain thread sends, a task receives.
    let (tx, rx) = runtime::sync::oneshot::channel::<u32>();
    let task = rt.spawn(async move { rx.await.expect("sender sends") });
    tx.send(9).expect("receiver alive");
    assert_eq!(block_on_plain(task).expect("task completes"), 9);
    // Semaphore and Notify shared by both sides.
    let sem = Arc::new(runtime::sync::Semaphore::new(0));
    let notify = Arc::new(runtime::sync::Notify::new());
    let (sem2, notify2) = (sem.clone(), notify.clone());
    let task = rt.spawn(async move {
        notify2.notified().await;
        sem2.add_permits(3);
    });
    notify.notify_one();
    block_on_plain(async {
        let permits = sem.acquire_many(3).await.expect("semaphore open");
        permits.forget();
    });
    block_on_plain(task).expect("task completes");
    // A timer made with the runtime entered, polled on the plain thread
    // after leaving it: the runtime's driver fires it.
    let sleep = {
        let _enter = rt.enter();
        runtime::time::sleep(Duration::from_millis(5))
    };
    block_on_plain(sleep);
    // Without a runtime, making a timer panics saying where to call it.
    let panic = std::panic::catch_unwind(|| runtime::time::sleep(Duration::from_millis(1)))
        .expect_err("sleep outside a runtime panics");
    let msg = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        msg.contains("outside of a runtime"),
        "unclear message: {msg}"
    );
});

/// Pending forever; stores every waker it is polled with.
struct StoreWaker {
    slot: Arc<Mutex<Vec<Waker>>>,
    _guard: support::Counted,
}

impl Future for StoreWaker {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.slot.lock().unwrap().push(cx.waker().clone());
        Poll::Pending
    }
}

// Task wakers kept past the runtime's drop: cloning, waking (by value and
// by reference, from several threads at once) and dropping them is safe,
// runs nothing, and the last one frees the task.
case!(wakers_woken_after_their_runtime_is_gone, LIMIT, {
    for flavor in ["multi", "current"] {
        let rt = make_rt(flavor);
        let drops = DropCounter::default();
        let slot: Arc<Mutex<Vec<Waker>>> = Arc::default();
        for _ in 0..200 {
            rt.spawn(StoreWaker {
                slot: slot.clone(),
                _guard: drops.guard(),
            })
            .detach();
        }
        // Each task is polled once (current-thread: inside block_on).
        rt.block_on(async {
            while slot.lock().unwrap().len() < 200 {
                runtime::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(
            drops.dropped(),
            200,
            "{flavor}: every future dropped at shutdown"
        );
        let wakers: Vec<Waker> = std::mem::take(&mut *slot.lock().unwrap());
        let wakers = Arc::new(wakers);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let wakers = wakers.clone();
                std::thread::spawn(move || {
                    for w in wakers.iter() {
                        let clone = w.clone();
                        w.wake_by_ref();
                        clone.wake();
                        w.clone().wake_by_ref();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join()
                .expect("waking a dead runtime's waker must not panic");
        }
        drop(wakers);
        assert_eq!(drops.dropped(), 200, "{flavor}: nothing dropped twice");
    }
});

// Wakes racing shutdown: threads keep waking the tasks' wakers while the
// runtime is dropped; every future is dropped exactly once.
case!(wakes_racing_shutdown, LIMIT, {
    let rounds = support::size(30, 300);
    for round in 0..rounds {
        let rt = make_rt(if round % 2 == 0 { "multi" } else { "current" });
        let drops = DropCounter::default();
        let slot: Arc<Mutex<Vec<Waker>>> = Arc::default();
        for _ in 0..50 {
            rt.spawn(StoreWaker {
                slot: slot.clone(),
                _guard: drops.guard(),
            })
            .detach();
        }
        rt.block_on(async {
            while slot.lock().unwrap().len() < 50 {
                runtime::yield_now().await;
            }
        });
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let wakes = Arc::new(AtomicUsize::new(0));
        let wakers: Vec<_> = (0..2)
            .map(|_| {
                let (slot, stop, wakes) = (slot.clone(), stop.clone(), wakes.clone());
                std::thread::spawn(move || {
                    while !stop.load(SeqCst) {
                        let ws: Vec<Waker> = slot.lock().unwrap().clone();
                        for w in ws {
                            w.wake();
                            wakes.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
            .collect();
        wait_for(LIMIT, "the wakers to start", || wakes.load(SeqCst) > 100);
        drop(rt);
        stop.store(true, SeqCst);
        for t in wakers {
            t.join().expect("a waker thread panicked");
        }
        slot.lock().unwrap().clear();
        assert_eq!(
            (drops.created(), drops.dropped()),
            (50, 50),
            "round {round}: futures created vs dropped"
        );
    }
});

// Channels whose other side lived on a runtime that was dropped: the
// survivor sees the channel closed instead of waiting forever.
case!(channels_after_the_other_sides_runtime_is_dropped, LIMIT, {
    for flavor in ["multi", "current"] {
        // The receiver's task is dropped with its runtime: sends fail.
        let rt = make_rt(flavor);
        let (tx, mut rx) = runtime::sync::mpsc::channel::<u32>(1);
        let (utx, mut urx) = runtime::sync::mpsc::unbounded_channel::<u32>();
        let (otx, orx) = runtime::sync::oneshot::channel::<u32>();
        let started = Arc::new(AtomicUsize::new(0));
        let s = started.clone();
        rt.spawn(async move {
            s.fetch_add(1, SeqCst);
            let _ = rx.recv().await;
            let _ = urx.recv().await;
            let _ = orx.await;
        })
        .detach();
        rt.block_on(async {
            while started.load(SeqCst) == 0 {
                runtime::yield_now().await;
            }
        });
        drop(rt);
        assert!(
            tx.try_send(1).is_err(),
            "{flavor}: receiver gone, try_send fails"
        );
        assert!(
            block_on_plain(tx.send(2)).is_err(),
            "{flavor}: send fails, no hang"
        );
        assert!(utx.send(3).is_err(), "{flavor}: unbounded send fails");
        assert!(otx.send(4).is_err(), "{flavor}: oneshot send fails");
        // The sender's task is dropped with its runtime: receives end.
        let rt = make_rt(flavor);
        let (tx, mut rx) = runtime::sync::mpsc::channel::<u32>(1);
        let (otx, orx) = runtime::sync::oneshot::channel::<u32>();
        rt.spawn(async move {
            let _otx = otx;
            tx.send(1).await.expect("receiver alive");
            std::future::pending::<()>().await;
        })
        .detach();
        // (A current-thread runtime runs its tasks only inside `block_on`.)
        assert_eq!(rt.block_on(rx.recv()), Some(1), "{flavor}: first value");
        drop(rt);
        assert_eq!(block_on_plain(rx.recv()), None, "{flavor}: closed, no hang");
        assert!(block_on_plain(orx).is_err(), "{flavor}: oneshot closed");
    }
});
