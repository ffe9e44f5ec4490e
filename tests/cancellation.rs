//! Cancelling tasks: idle, running, finished; racing wakes; Drop guards run.
mod common;
use common::{rt, watchdog, DropFlag, LIMIT};
use std::future::{pending, poll_fn};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};

#[test]
fn cancel_an_idle_task_drops_its_future() {
    watchdog(LIMIT, || {
        let rt = rt(2, "cancel-idle");
        let dropped = Arc::new(AtomicUsize::new(0));
        let (started_tx, started_rx) = mpsc::channel();
        let guard = DropFlag(dropped.clone());
        let task = rt.spawn(async move {
            let _guard = guard;
            started_tx.send(()).unwrap();
            pending::<()>().await;
        });
        started_rx.recv().unwrap();
        assert!(task.cancel(), "not finished, so cancel returns true");
        assert!(task.is_cancelled());
        let err = rt.block_on(task).unwrap_err();
        assert!(err.is_cancelled() && !err.is_panic());
        assert_eq!(dropped.load(SeqCst), 1, "Drop guard ran exactly once");
    });
}

#[test]
fn cancel_a_running_task_takes_effect_at_its_next_await() {
    watchdog(LIMIT, || {
        let rt = rt(2, "cancel-run");
        let (in_poll_tx, in_poll_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let reached_after = Arc::new(AtomicBool::new(false));
        let after = reached_after.clone();
        let task = rt.spawn(async move {
            // Still inside the first poll when cancel() arrives.
            in_poll_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            runtime::yield_now().await; // the next await point: dropped here
            after.store(true, SeqCst);
        });
        in_poll_rx.recv().unwrap();
        assert!(task.cancel());
        go_tx.send(()).unwrap();
        let err = rt.block_on(task).unwrap_err();
        assert!(err.is_cancelled());
        assert!(
            !reached_after.load(SeqCst),
            "code after the await never ran"
        );
    });
}

#[test]
fn cancel_a_finished_task_returns_false_and_keeps_the_value() {
    watchdog(LIMIT, || {
        let rt = rt(2, "cancel-done");
        let task = rt.spawn(async { 5 });
        while !task.is_finished() {
            std::thread::yield_now();
        }
        assert!(!task.cancel());
        assert!(!task.is_cancelled());
        assert_eq!(rt.block_on(task).unwrap(), 5);
    });
}

#[test]
fn cancel_racing_a_wake_from_another_thread() {
    watchdog(LIMIT, || {
        let rt = rt(2, "cancel-race");
        for round in 0..2_000 {
            let (waker_tx, waker_rx) = mpsc::channel::<Waker>();
            let dropped = Arc::new(AtomicUsize::new(0));
            let guard = DropFlag(dropped.clone());
            let task = rt.spawn(async move {
                let _guard = guard;
                let mut sent = false;
                poll_fn(|cx| {
                    if !sent {
                        sent = true;
                        waker_tx.send(cx.waker().clone()).unwrap();
                    }
                    Poll::<()>::Pending
                })
                .await;
            });
            let waker = waker_rx.recv().unwrap();
            let waking = std::thread::spawn(move || {
                for _ in 0..3 {
                    waker.wake_by_ref();
                }
                waker.wake();
            });
            if round % 2 == 0 {
                std::thread::yield_now();
            }
            assert!(task.cancel() || task.is_finished());
            let err = rt.block_on(task).unwrap_err();
            assert!(err.is_cancelled(), "round {round}: {err}");
            waking.join().unwrap();
            assert_eq!(
                dropped.load(SeqCst),
                1,
                "round {round}: future dropped once"
            );
        }
    });
}

#[test]
fn join_error_display_names_the_task() {
    watchdog(LIMIT, || {
        let rt = rt(1, "display");
        let task = runtime::task::Builder::new()
            .name("fetch-users")
            .spawn_on(pending::<()>(), rt.handle());
        let id = task.id();
        task.cancel();
        let err = rt.block_on(task).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("fetch-users"), "{text}");
        assert!(text.contains(&id.to_string()), "{text}");
        assert!(text.contains("cancelled"), "{text}");
        assert_eq!(err.name(), Some("fetch-users"));
        let as_io: std::io::Error = err.into();
        assert!(as_io.to_string().contains("fetch-users"));
    });
}

#[test]
fn cancelled_task_is_reported_by_is_finished_after_join() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let t = runtime::spawn(pending::<()>());
            runtime::yield_now().await;
            assert!(!t.is_finished());
            t.cancel();
            runtime::yield_now().await;
            assert!(t.is_finished() && t.is_cancelled());
            assert!(t.await.unwrap_err().is_cancelled());
        });
    });
}
