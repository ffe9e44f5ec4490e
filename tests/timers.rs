//! Timers on a real runtime: many sleeps, none early; timeouts; intervals;
//! shutdown with sleeping tasks.
mod common;
use common::{rt, watchdog, DropFlag, LIMIT};
use runtime::time::{sleep, timeout, Duration, Instant};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn hundred_thousand_sleeps_complete_and_none_early() {
    watchdog(LIMIT, || {
        let rt = rt(2, "sleeps");
        let early = rt.block_on(async {
            let tasks: Vec<_> = (0..100_000u64)
                .map(|i| {
                    runtime::spawn(async move {
                        let d = Duration::from_millis(1 + i % 10);
                        let start = Instant::now();
                        sleep(d).await;
                        start.elapsed() < d
                    })
                })
                .collect();
            let mut early = 0;
            for t in tasks {
                early += usize::from(t.await.unwrap());
            }
            early
        });
        assert_eq!(early, 0, "no sleep may complete before its deadline");
    });
}

#[test]
fn timeout_cancels_slow_work_and_passes_fast_results() {
    watchdog(LIMIT, || {
        let rt = rt(2, "timeouts");
        rt.block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let guard = DropFlag(dropped.clone());
            let slow = async move {
                let _guard = guard;
                sleep(Duration::from_secs(3600)).await;
                "never"
            };
            let err = timeout(Duration::from_millis(20), slow).await.unwrap_err();
            assert_eq!(err.to_string(), "deadline has elapsed");
            assert_eq!(dropped.load(SeqCst), 1, "the inner future was dropped");
            let fast = timeout(Duration::from_secs(3600), async { 5 }).await;
            assert_eq!(fast.unwrap(), 5);
        });
    });
}

#[test]
fn timers_work_on_the_current_thread_flavor() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let start = Instant::now();
            let a = runtime::spawn(sleep(Duration::from_millis(30)));
            let b = runtime::spawn(sleep(Duration::from_millis(30)));
            a.await.unwrap();
            b.await.unwrap();
            assert!(start.elapsed() >= Duration::from_millis(30));
            let mut iv = runtime::time::interval(Duration::from_millis(5));
            let first = iv.tick().await;
            let second = iv.tick().await;
            assert!(second - first >= Duration::from_millis(5));
        });
    });
}

#[test]
fn shutdown_with_sleeping_tasks_drops_them() {
    watchdog(LIMIT, || {
        let rt = rt(2, "sleepshut");
        let dropped = Arc::new(AtomicUsize::new(0));
        for _ in 0..100 {
            let guard = DropFlag(dropped.clone());
            drop(rt.spawn(async move {
                let _guard = guard;
                sleep(Duration::from_secs(3600)).await;
            }));
        }
        rt.block_on(async { sleep(Duration::from_millis(10)).await });
        drop(rt);
        assert_eq!(dropped.load(SeqCst), 100);
    });
}

#[test]
fn sleep_outside_a_runtime_panics_with_advice() {
    let err = std::panic::catch_unwind(|| drop(sleep(Duration::from_millis(1)))).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("runtime::time::sleep called outside of a runtime"),
        "{msg}"
    );
}
