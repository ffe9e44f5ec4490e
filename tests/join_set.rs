//! `runtime::JoinSet`: results in completion order, names, abort, detach,
//! shutdown, join_all, and cancellation when the set is dropped.
mod common;
use common::{rt, watchdog, DropFlag, LIMIT};
use runtime::time::{sleep, Duration};
use runtime::JoinSet;
use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};

#[test]
fn results_come_back_in_completion_order() {
    watchdog(LIMIT, || {
        rt(2, "js-order").block_on(async {
            let (go_tx, go_rx) = runtime::sync::oneshot::channel::<()>();
            let mut set = JoinSet::new();
            set.spawn(async move {
                go_rx.await.unwrap();
                "second"
            });
            set.spawn(async { "first" });
            assert_eq!(set.len(), 2);
            assert_eq!(set.join_next().await.unwrap().unwrap(), "first");
            go_tx.send(()).unwrap();
            assert_eq!(set.join_next().await.unwrap().unwrap(), "second");
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none(), "an empty set gives None");
        });
    });
}

#[test]
fn errors_panics_and_cancellations_are_results() {
    watchdog(LIMIT, || {
        rt(2, "js-errors").block_on(async {
            let mut set = JoinSet::new();
            set.spawn_named("fails", async { Err::<u32, _>("bad") });
            set.spawn_named("panics", async { panic!("boom") });
            let abort = set.spawn_named("stuck", pending());
            assert!(abort.cancel());
            let mut seen = Vec::new();
            while let Some(result) = set.join_next_with_id().await {
                match result {
                    Ok((_, Err(e))) => seen.push(format!("err {e}")),
                    Ok((_, Ok(v))) => seen.push(format!("ok {v}")),
                    Err(e) if e.is_panic() => {
                        assert_eq!(e.name(), Some("panics"));
                        seen.push("panic".into());
                    }
                    Err(e) => {
                        assert!(e.is_cancelled());
                        assert_eq!(e.name(), Some("stuck"));
                        assert_eq!(e.id(), abort.id());
                        seen.push("cancelled".into());
                    }
                }
            }
            seen.sort();
            assert_eq!(seen, ["cancelled", "err bad", "panic"]);
        });
    });
}

#[test]
fn try_join_next_never_waits() {
    watchdog(LIMIT, || {
        rt(2, "js-try").block_on(async {
            let mut set = JoinSet::new();
            assert!(set.try_join_next().is_none(), "empty");
            let (tx, rx) = runtime::sync::oneshot::channel::<u32>();
            set.spawn(async move { rx.await.unwrap() });
            assert!(set.try_join_next().is_none(), "not finished yet");
            tx.send(5).unwrap();
            // Wait for it to finish without taking it, then take it without waiting.
            loop {
                if let Some(result) = set.try_join_next() {
                    assert_eq!(result.unwrap(), 5);
                    break;
                }
                runtime::yield_now().await;
            }
            assert!(set.is_empty());
        });
    });
}

#[test]
fn dropping_the_set_cancels_its_tasks_and_detach_all_does_not() {
    watchdog(LIMIT, || {
        rt(2, "js-drop").block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::<()>::new();
            for _ in 0..5 {
                let guard = DropFlag(dropped.clone());
                set.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await
                });
            }
            drop(set);
            while dropped.load(SeqCst) < 5 {
                runtime::yield_now().await; // each future is dropped by its worker
            }

            let (tx, rx) = mpsc::channel();
            let mut set = JoinSet::new();
            set.spawn(async move {
                sleep(Duration::from_millis(5)).await;
                tx.send("ran to the end").unwrap();
            });
            set.detach_all();
            assert!(set.is_empty());
            drop(set);
            let got = runtime::spawn_blocking(move || rx.recv().unwrap())
                .await
                .unwrap();
            assert_eq!(got, "ran to the end");
        });
    });
}

#[test]
fn abort_all_and_shutdown() {
    watchdog(LIMIT, || {
        rt(2, "js-abort").block_on(async {
            let mut set = JoinSet::new();
            let quick = set.spawn(async { 0 });
            for _ in 0..3 {
                set.spawn(pending::<u32>());
            }
            // Let the quick one finish (not joined yet), then cancel all:
            // a finished task keeps its value.
            while !quick.is_finished() {
                runtime::yield_now().await;
            }
            set.abort_all();
            let (mut values, mut cancelled) = (0, 0);
            while let Some(result) = set.join_next().await {
                match result {
                    Ok(_) => values += 1,
                    Err(e) => {
                        assert!(e.is_cancelled());
                        cancelled += 1;
                    }
                }
            }
            assert_eq!((values, cancelled), (1, 3));

            let dropped = Arc::new(AtomicUsize::new(0));
            for _ in 0..3 {
                let guard = DropFlag(dropped.clone());
                set.spawn(async move {
                    let _guard = guard;
                    pending::<u32>().await
                });
            }
            set.shutdown().await;
            assert!(set.is_empty());
            assert_eq!(
                dropped.load(SeqCst),
                3,
                "shutdown waits until every future is gone"
            );
        });
    });
}

#[test]
fn join_all_returns_every_value_and_reraises_a_panic() {
    watchdog(LIMIT, || {
        let rt = rt(2, "js-all");
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..10u32 {
                set.spawn(async move { i * i });
            }
            let mut all = set.join_all().await;
            all.sort();
            assert_eq!(all, (0..10u32).map(|i| i * i).collect::<Vec<_>>());
        });
        let outer = rt.block_on(async {
            runtime::spawn(async {
                let mut set = JoinSet::new();
                set.spawn(async { panic!("member failed") });
                set.spawn(pending::<()>());
                set.join_all().await
            })
            .await
        });
        let err = outer.unwrap_err();
        assert_eq!(err.panic_message().as_deref(), Some("member failed"));
    });
}

#[test]
fn spawn_on_from_a_plain_thread_and_spawn_blocking() {
    watchdog(LIMIT, || {
        let rt = rt(2, "js-on");
        let handle = rt.handle().clone();
        let mut set = JoinSet::new();
        set.spawn_on(async { 1 }, &handle);
        set.spawn_on(async { 2 }, &handle);
        let total = rt.block_on(async move {
            set.spawn_blocking(|| 3);
            let mut total = 0;
            while let Some(v) = set.join_next().await {
                total += v.unwrap();
            }
            total
        });
        assert_eq!(total, 6);
    });
}

#[test]
fn spawn_outside_a_runtime_panics_with_the_way_out() {
    let mut set = JoinSet::<()>::new();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        set.spawn(async {});
    }))
    .unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("runtime::JoinSet::spawn called outside of a runtime"),
        "{msg}"
    );
    assert!(set.is_empty());
}

#[test]
fn many_tasks_through_a_long_lived_set() {
    watchdog(LIMIT, || {
        rt(2, "js-many").block_on(async {
            let mut set = runtime::task::JoinSet::new();
            let mut joined = 0u64;
            for i in 0..5_000u64 {
                set.spawn(async move { i });
                if set.len() > 64 {
                    joined += set.join_next().await.unwrap().unwrap();
                }
            }
            while let Some(v) = set.join_next().await {
                joined += v.unwrap();
            }
            assert_eq!(joined, (0..5_000u64).sum::<u64>());
        });
    });
}
