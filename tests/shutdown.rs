//! Shutdown: pending tasks are cancelled (each future dropped exactly once),
//! blocking work is waited for up to the timeout, and a kept Handle stays
//! safe.
mod common;
use common::{watchdog, DropFlag, LIMIT};
use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

#[test]
fn shutdown_with_tasks_pending_forever_drops_each_future_once() {
    for flavor in ["multi", "current"] {
        watchdog(LIMIT, move || {
            let rt = match flavor {
                "multi" => common::rt(2, "shut"),
                _ => runtime::Builder::new_current_thread().build().unwrap(),
            };
            let drops = Arc::new(AtomicUsize::new(0));
            let mut handles = Vec::new();
            for i in 0..1_000 {
                let guard = DropFlag(drops.clone());
                let task = rt.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await;
                });
                if i % 2 == 0 {
                    handles.push(task);
                } else {
                    task.detach();
                }
            }
            // Let them all start (and park on `pending`).
            rt.block_on(async {
                for _ in 0..20 {
                    runtime::yield_now().await;
                }
            });
            drop(rt);
            assert_eq!(
                drops.load(SeqCst),
                1_000,
                "{flavor}: every future dropped exactly once"
            );
            for h in handles {
                assert!(h.is_finished() && h.is_cancelled());
            }
        });
    }
}

#[test]
fn shutdown_timeout_zero_with_a_stuck_blocking_task_returns_promptly() {
    watchdog(LIMIT, || {
        let rt = common::rt(1, "stuck");
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let stuck = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            let _ = release_rx.recv(); // blocks until the test ends
        });
        started_rx.recv().unwrap();
        let start = Instant::now();
        rt.shutdown_timeout(Duration::ZERO);
        let took = start.elapsed();
        // Not a speed assertion: "promptly" means it did not wait for the
        // blocking task, which only ends when we release it below.
        assert!(!stuck.is_finished(), "the blocking task is still running");
        release_tx.send(()).unwrap();
        eprintln!("shutdown_timeout(0) returned after {took:?}");
    });
}

#[test]
fn shutdown_timeout_waits_for_blocking_work_that_finishes() {
    watchdog(LIMIT, || {
        let rt = common::rt(1, "wait-blk");
        let finished = Arc::new(AtomicUsize::new(0));
        let f = finished.clone();
        let (started_tx, started_rx) = mpsc::channel();
        drop(rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            f.fetch_add(1, SeqCst);
        }));
        started_rx.recv().unwrap();
        rt.shutdown_timeout(Duration::from_secs(30));
        assert_eq!(finished.load(SeqCst), 1);
    });
}

#[test]
fn spawn_through_a_kept_handle_after_shutdown_resolves_cancelled() {
    watchdog(LIMIT, || {
        let rt = common::rt(2, "kept");
        let handle = rt.handle().clone();
        drop(rt);
        assert!(handle.is_shutdown());
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropFlag(drops.clone());
        let task = handle.spawn(async move {
            let _guard = guard;
            1
        });
        assert!(task.is_finished());
        assert_eq!(drops.load(SeqCst), 1, "the future was dropped unpolled");
        let other = runtime::Builder::new_current_thread().build().unwrap();
        let err = other.block_on(task).unwrap_err();
        assert!(err.is_cancelled());
        let err = other.block_on(handle.spawn_blocking(|| 1)).unwrap_err();
        assert!(err.is_cancelled());
    });
}

#[test]
fn tasks_dropped_at_shutdown_may_spawn_and_wake() {
    struct SpawnOnDrop(runtime::Handle, Arc<AtomicUsize>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let n = self.1.clone();
            drop(self.0.spawn(async move { n.fetch_add(1, SeqCst) }));
        }
    }
    watchdog(LIMIT, || {
        let rt = common::rt(2, "dropspawn");
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..100 {
            let guard = SpawnOnDrop(rt.handle().clone(), ran.clone());
            drop(rt.spawn(async move {
                let _g = guard;
                pending::<()>().await
            }));
        }
        drop(rt); // must not hang or crash
        assert_eq!(
            ran.load(SeqCst),
            0,
            "tasks spawned during shutdown never run"
        );
    });
}

#[test]
fn shutdown_timeout_does_not_wait_for_a_worker_stuck_in_a_poll() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .slow_poll_threshold(None)
            .build()
            .unwrap();
        let (stuck_tx, stuck_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let task = rt.spawn(async move {
            stuck_tx.send(()).unwrap();
            // A blocking call inside async code: the worker is stuck here.
            let _ = release_rx.recv();
        });
        stuck_rx.recv().unwrap();
        rt.shutdown_timeout(Duration::from_millis(50));
        // Returned while the worker is still stuck; releasing it lets the
        // worker finish the poll and exit.
        assert!(!task.is_finished());
        release_tx.send(()).unwrap();
    });
}
