//! Fairness on a single worker: a task that wakes itself forever, or a
//! ping-pong pair living in the LIFO slot, cannot starve another task.
mod common;
use common::{watchdog, LIMIT};
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Poll, Waker};

fn one_worker() -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap()
}

#[test]
fn self_waking_task_does_not_starve_others() {
    for rt in [
        one_worker(),
        runtime::Builder::new_current_thread().build().unwrap(),
    ] {
        watchdog(LIMIT, move || {
            let stop = Arc::new(AtomicBool::new(false));
            let s = stop.clone();
            rt.block_on(async move {
                let spinner = runtime::spawn(poll_fn(move |cx| {
                    if s.load(SeqCst) {
                        return Poll::Ready(());
                    }
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }));
                let other = runtime::spawn(async { 11 });
                assert_eq!(other.await.unwrap(), 11);
                stop.store(true, SeqCst);
                spinner.await.unwrap();
            });
        });
    }
}

/// A and B wake each other forever: each wake puts the other in the LIFO
/// slot. A third task must still run.
#[test]
fn lifo_ping_pong_does_not_starve_a_third_task() {
    watchdog(LIMIT, || {
        let rt = one_worker();
        let stop = Arc::new(AtomicBool::new(false));
        let slot_a: Arc<std::sync::Mutex<Option<Waker>>> = Default::default();
        let slot_b: Arc<std::sync::Mutex<Option<Waker>>> = Default::default();
        let player = |mine: Arc<std::sync::Mutex<Option<Waker>>>,
                      theirs: Arc<std::sync::Mutex<Option<Waker>>>,
                      stop: Arc<AtomicBool>| {
            poll_fn(move |cx| {
                if stop.load(SeqCst) {
                    if let Some(w) = theirs.lock().unwrap().take() {
                        w.wake();
                    }
                    return Poll::Ready(());
                }
                *mine.lock().unwrap() = Some(cx.waker().clone());
                if let Some(w) = theirs.lock().unwrap().take() {
                    w.wake();
                }
                Poll::Pending
            })
        };
        rt.block_on(async {
            let a = runtime::spawn(player(slot_a.clone(), slot_b.clone(), stop.clone()));
            let b = runtime::spawn(player(slot_b.clone(), slot_a.clone(), stop.clone()));
            runtime::yield_now().await;
            let third = runtime::spawn(async { "ran" });
            assert_eq!(third.await.unwrap(), "ran");
            stop.store(true, SeqCst);
            if let Some(w) = slot_a.lock().unwrap().take() {
                w.wake();
            }
            if let Some(w) = slot_b.lock().unwrap().take() {
                w.wake();
            }
            a.await.unwrap();
            b.await.unwrap();
        });
    });
}

#[test]
fn injector_is_checked_while_local_work_never_ends() {
    watchdog(LIMIT, || {
        let rt = one_worker();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        // A task that keeps its worker's local queue non-empty by yielding.
        let spinner = rt.spawn(async move {
            while !s.load(SeqCst) {
                runtime::yield_now().await;
            }
        });
        // A task spawned from outside goes through the injector.
        let outside = rt.handle().spawn(async { 1 });
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            tx.send(runtime::Runtime::new().unwrap().block_on(outside).unwrap())
                .unwrap();
        });
        assert_eq!(rx.recv().unwrap(), 1);
        stop.store(true, SeqCst);
        rt.block_on(spinner).unwrap();
    });
}
