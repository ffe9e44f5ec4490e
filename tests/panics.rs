//! A panicking task becomes a panicked JoinError and never kills a worker.
mod common;
use common::{count_threads, watchdog, LIMIT};

#[test]
fn panic_becomes_join_error_with_its_payload_and_workers_survive() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pnc")
            .build()
            .unwrap();
        // Threads name themselves as they start: wait until both have.
        while count_threads("pnc-worker") < 2 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let workers_before = count_threads("pnc-worker");
        assert_eq!(workers_before, 2);
        rt.block_on(async {
            let t = runtime::task::Builder::new()
                .name("doomed")
                .spawn(async { panic!("boom {}", 42) });
            let err = t.await.unwrap_err();
            assert!(err.is_panic() && !err.is_cancelled());
            assert_eq!(err.panic_message().as_deref(), Some("boom 42"));
            assert!(err.to_string().contains("doomed"));
            assert!(err.to_string().contains("boom 42"));
            let payload = err.into_panic();
            // A panic message with constant arguments is a &'static str,
            // one formatted at run time a String: accept either.
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned());
            assert_eq!(text.as_deref(), Some("boom 42"));

            // Many more panics, then 10k ordinary tasks still complete.
            let bad: Vec<_> = (0..100usize)
                .map(|i| runtime::spawn(async move { std::panic::panic_any(i) }))
                .collect();
            for (i, t) in bad.into_iter().enumerate() {
                let payload = t.await.unwrap_err().into_panic();
                assert_eq!(*payload.downcast::<usize>().unwrap(), i);
            }
            let good: Vec<_> = (0..10_000u64)
                .map(|i| runtime::spawn(async move { i }))
                .collect();
            let mut sum = 0;
            for t in good {
                sum += t.await.unwrap();
            }
            assert_eq!(sum, (0..10_000).sum::<u64>());
        });
        assert_eq!(
            count_threads("pnc-worker"),
            workers_before,
            "no worker died"
        );
    });
}

#[test]
fn panic_in_drop_during_cancel_is_a_panic_error() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop exploded");
        }
    }
    watchdog(LIMIT, || {
        let rt = common::rt(1, "pdrop");
        rt.block_on(async {
            let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let s = started.clone();
            let t = runtime::spawn(async move {
                let _bomb = PanicOnDrop;
                s.store(true, std::sync::atomic::Ordering::SeqCst);
                std::future::pending::<()>().await;
            });
            // The guard exists only once the task has been polled.
            while !started.load(std::sync::atomic::Ordering::SeqCst) {
                runtime::yield_now().await;
            }
            t.cancel();
            let err = t.await.unwrap_err();
            assert!(err.is_panic(), "{err}");
            assert_eq!(err.panic_message().as_deref(), Some("drop exploded"));
        });
    });
}

#[test]
fn detached_panic_is_not_fatal() {
    watchdog(LIMIT, || {
        let rt = common::rt(2, "detpanic");
        rt.block_on(async {
            runtime::task::Builder::new()
                .name("orphan")
                .spawn(async { panic!("nobody listens") })
                .detach();
            // The runtime keeps working afterwards.
            for _ in 0..10 {
                runtime::yield_now().await;
            }
            assert_eq!(runtime::spawn(async { 1 }).await.unwrap(), 1);
        });
    });
}
