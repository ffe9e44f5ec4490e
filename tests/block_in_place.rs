//! `runtime::task::block_in_place`: a task blocks its thread while the
//! worker's other tasks go on on a new thread. Every test body runs under a
//! watchdog: without the hand-off, most of these deadlock.
mod common;
use common::{count_threads, rt, watchdog, DropFlag, LIMIT};
use runtime::task::block_in_place;
use runtime::Handle;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Barrier};
use std::time::Duration;

/// One worker: a task waits in `block_in_place` for a message that only a
/// task spawned after it sends. Without the hand-off the sender would sit
/// in the blocked worker's queue forever.
#[test]
fn one_worker_runs_its_other_tasks_while_a_task_blocks() {
    watchdog(LIMIT, || {
        let rt = rt(1, "bip-one");
        let got = rt.block_on(async {
            let (tx, rx) = mpsc::channel();
            let blocked = runtime::spawn(async move { block_in_place(|| rx.recv().unwrap()) });
            // Let the blocked task start first on the one worker.
            runtime::time::sleep(Duration::from_millis(5)).await;
            let sender = runtime::spawn(async move { tx.send(41).unwrap() });
            sender.await.unwrap();
            blocked.await.unwrap() + 1
        });
        assert_eq!(got, 42);
    });
}

/// Four tasks on two workers all wait on one barrier inside
/// `block_in_place`: only possible if each blocked worker hands its queue
/// on, twice over. Meanwhile a timer-driven task keeps running.
#[test]
fn more_tasks_block_at_once_than_there_are_workers() {
    watchdog(LIMIT, || {
        let rt = rt(2, "bip-four");
        rt.block_on(async {
            let barrier = Arc::new(Barrier::new(4));
            let blocked: Vec<_> = (0..4)
                .map(|_| {
                    let barrier = barrier.clone();
                    runtime::spawn(async move {
                        block_in_place(|| barrier.wait());
                    })
                })
                .collect();
            let ticks = runtime::spawn(async {
                for _ in 0..5 {
                    runtime::time::sleep(Duration::from_millis(2)).await;
                }
                5
            });
            for task in blocked {
                task.await.unwrap();
            }
            assert_eq!(ticks.await.unwrap(), 5);
            assert_eq!(Handle::current().metrics().workers, 2, "still two workers");
        });
    });
}

/// Tokio's main use: sync code inside a task that needs a future's result.
/// The closure sees the same runtime, and its task's id.
#[test]
fn the_closure_can_block_on_spawn_and_see_its_runtime() {
    watchdog(LIMIT, || {
        let rt = rt(2, "bip-ctx");
        rt.block_on(async {
            let outer = runtime::spawn(async {
                let id = runtime::task::id();
                let (slept, child, same_id) = block_in_place(|| {
                    let handle = Handle::current();
                    let slept = handle.block_on(async {
                        runtime::time::sleep(Duration::from_millis(10)).await;
                        "slept"
                    });
                    let child = runtime::spawn(async { 7 });
                    (slept, child, runtime::task::try_id() == Some(id))
                });
                // After the hand-off the task goes on as before.
                runtime::time::sleep(Duration::from_millis(1)).await;
                (slept, child.await.unwrap(), same_id)
            });
            assert_eq!(outer.await.unwrap(), ("slept", 7, true));
        });
    });
}

/// Outside a runtime, on the blocking pool and on the thread that runs a
/// multi-thread runtime's `block_on` future, the closure just runs there.
#[test]
fn off_the_workers_the_closure_just_runs() {
    watchdog(LIMIT, || {
        let here = std::thread::current().id();
        assert_eq!(block_in_place(|| std::thread::current().id()), here);
        let rt = rt(1, "bip-off");
        rt.block_on(async {
            let main = std::thread::current().id();
            assert_eq!(block_in_place(|| std::thread::current().id()), main);
            // And it may block on the runtime from there.
            let n = block_in_place(|| Handle::current().block_on(async { 3 }));
            assert_eq!(n, 3);
            let pool = runtime::spawn_blocking(|| {
                let pool = std::thread::current().id();
                block_in_place(|| std::thread::current().id()) == pool
            });
            assert!(pool.await.unwrap());
        });
    });
}

/// Nested calls, and two in one poll: the first hands the worker off, the
/// others find it gone and just run.
#[test]
fn nested_and_repeated_calls_in_one_poll() {
    watchdog(LIMIT, || {
        let rt = rt(1, "bip-nest");
        let got = rt.block_on(async {
            runtime::spawn(async {
                let a = block_in_place(|| block_in_place(|| 1) + 1);
                let b = block_in_place(|| 10);
                runtime::yield_now().await;
                let c = block_in_place(|| 100);
                a + b + c
            })
            .await
            .unwrap()
        });
        assert_eq!(got, 112);
    });
}

/// 2000 hand-offs, sequential and concurrent: every task runs, and once the
/// runtime is dropped no thread of it is left.
#[test]
fn many_hand_offs_leave_no_thread_behind() {
    watchdog(LIMIT, || {
        let rt = rt(2, "bip-many");
        let ran = Arc::new(AtomicUsize::new(0));
        let ran2 = ran.clone();
        rt.block_on(async move {
            for _ in 0..1000 {
                let ran = ran2.clone();
                runtime::spawn(async move { block_in_place(|| ran.fetch_add(1, SeqCst)) })
                    .await
                    .unwrap();
            }
            let tasks: Vec<_> = (0..1000)
                .map(|_| {
                    let ran = ran2.clone();
                    runtime::spawn(async move {
                        runtime::yield_now().await;
                        block_in_place(|| ran.fetch_add(1, SeqCst));
                        runtime::yield_now().await;
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(Handle::current().metrics().workers, 2);
        });
        assert_eq!(ran.load(SeqCst), 2000);
        assert!(
            count_threads("bip-many") >= 2,
            "the two workers run until the runtime is dropped"
        );
        drop(rt);
        assert_eq!(count_threads("bip-many"), 0, "every thread joined");
    });
}

/// Dropping the runtime while a task blocks in `block_in_place` waits for
/// the blocking section, as for any long poll; every future is dropped
/// exactly once, and no thread is left.
#[test]
fn shutdown_while_a_task_blocks_drops_each_future_once() {
    watchdog(LIMIT, || {
        let rt = rt(1, "bip-shut");
        let blocked_drops = Arc::new(AtomicUsize::new(0));
        let pending_drops = Arc::new(AtomicUsize::new(0));
        let (entered_tx, entered_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let flag = DropFlag(blocked_drops.clone());
        let _blocked = rt.spawn(async move {
            let _flag = flag;
            block_in_place(|| {
                entered_tx.send(()).unwrap();
                let _ = release_rx.recv();
            });
            // Runs after shutdown began: the runtime must still be usable
            // from the rest of this poll.
            runtime::yield_now().await;
        });
        let flag = DropFlag(pending_drops.clone());
        let _pending = rt.spawn(async move {
            let _flag = flag;
            std::future::pending::<()>().await;
        });
        entered_rx.recv().unwrap();
        let dropper = std::thread::spawn(move || drop(rt));
        std::thread::sleep(Duration::from_millis(20));
        release_tx.send(()).unwrap();
        dropper.join().unwrap();
        assert_eq!(blocked_drops.load(SeqCst), 1);
        assert_eq!(pending_drops.load(SeqCst), 1);
        assert_eq!(count_threads("bip-shut"), 0, "every thread joined");
    });
}

/// Shutdown waits for the thread a hand-off started, as for the original
/// workers: a task that thread is polling when the runtime is dropped
/// finishes its poll and is dropped before `drop` returns.
#[test]
fn shutdown_joins_the_thread_that_took_over() {
    watchdog(LIMIT, || {
        let rt = rt(1, "bip-join");
        rt.block_on(async {
            // Hand the one worker's core to a new thread; the old one exits.
            runtime::spawn(async { block_in_place(|| ()) })
                .await
                .unwrap();
        });
        let drops = Arc::new(AtomicUsize::new(0));
        let (entered_tx, entered_rx) = mpsc::channel();
        let flag = DropFlag(drops.clone());
        let _busy = rt.spawn(async move {
            let _flag = flag;
            entered_tx.send(()).unwrap();
            // A long poll on the new thread, still running at the drop.
            std::thread::sleep(Duration::from_millis(100));
            std::future::pending::<()>().await;
        });
        entered_rx.recv().unwrap();
        drop(rt);
        assert_eq!(
            drops.load(SeqCst),
            1,
            "drop waited for the poll, then dropped the task"
        );
        assert_eq!(count_threads("bip-join"), 0, "every thread joined");
    });
}

/// On a current-thread runtime there is no other thread to hand the tasks
/// to: a clear panic, in the main future and in a task.
#[test]
fn current_thread_panics_with_a_clear_message() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        let panic = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async { block_in_place(|| 1) })
        }))
        .expect_err("block_in_place on a current-thread runtime panics");
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        assert!(message.contains("current-thread runtime"), "{message}");
        assert!(message.contains("spawn_blocking"), "{message}");
        let err = rt
            .block_on(rt.spawn(async { block_in_place(|| 1) }))
            .expect_err("the task panics");
        assert!(err.is_panic());
        assert!(err.to_string().contains("current-thread runtime"), "{err}");
        // The runtime keeps serving.
        assert_eq!(rt.block_on(async { 5 }), 5);
    });
}

/// The slow-poll watchdog times polls, not blocking sections handed off
/// with `block_in_place`; a plain blocking poll in the same child process
/// is reported, so the check can fail.
#[test]
fn the_slow_poll_watchdog_does_not_report_the_blocking_section() {
    const TEST: &str = "the_slow_poll_watchdog_does_not_report_the_blocking_section";
    if std::env::var("RUNTIME_BIP_CHILD").is_ok() {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .slow_poll_threshold(Some(Duration::from_millis(30)))
            .build()
            .unwrap();
        rt.block_on(async {
            runtime::task::Builder::new()
                .name("handed-off")
                .spawn(async { block_in_place(|| std::thread::sleep(Duration::from_millis(200))) })
                .await
                .unwrap();
            runtime::task::Builder::new()
                .name("blocking-poll")
                .spawn(async { std::thread::sleep(Duration::from_millis(200)) })
                .await
                .unwrap();
        });
        return;
    }
    watchdog(LIMIT, || {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
            .env("RUNTIME_BIP_CHILD", "1")
            .output()
            .expect("spawn the child test process");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child failed: {stderr}");
        assert!(
            stderr.contains("'blocking-poll'"),
            "control reported: {stderr}"
        );
        assert!(!stderr.contains("'handed-off'"), "{stderr}");
    });
}
