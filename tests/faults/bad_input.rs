//! Fault family "bad input": sizes, durations and addresses at the edges
//! (zero, MAX, in use, closed) given to public constructors and methods.
//! Each gets a clear error, a panic whose message says what to do, or a
//! documented behaviour; never a hang or an abort. docs/testing.md lists
//! each with its behaviour. Every case runs in a child process under a
//! watchdog (`support::isolated`).
#[macro_use]
mod support;

use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

/// The message of a caught panic.
fn panic_message(f: impl FnOnce()) -> String {
    let panic =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("expected a panic");
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn rt() -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("build runtime")
}

/// Sets one builder field to a bad value.
type SetField = Box<dyn Fn(&mut runtime::Builder)>;

// Builder values out of range: an `InvalidInput` error naming the field.
case!(builder_values_out_of_range, LIMIT, {
    let cases: [(&str, SetField); 4] = [
        (
            "worker_threads",
            Box::new(|b| {
                b.worker_threads(0);
            }),
        ),
        (
            "worker_threads",
            Box::new(|b| {
                b.worker_threads(usize::MAX);
            }),
        ),
        (
            "max_blocking_threads",
            Box::new(|b| {
                b.max_blocking_threads(0);
            }),
        ),
        (
            "event_interval",
            Box::new(|b| {
                b.event_interval(0);
            }),
        ),
    ];
    for (field, set) in cases {
        for flavor in ["multi", "current"] {
            let mut builder = match flavor {
                "multi" => runtime::Builder::new_multi_thread(),
                _ => runtime::Builder::new_current_thread(),
            };
            set(&mut builder);
            let built = builder.build();
            if flavor == "current" && field == "worker_threads" {
                // The current-thread flavor runs on the caller's thread and
                // ignores the worker count (as Tokio's does).
                let rt = built.expect("current-thread ignores worker_threads");
                assert_eq!(rt.block_on(async { 1 }), 1);
                continue;
            }
            let err = built.expect_err(field);
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{field}");
            assert!(err.to_string().contains(field), "{flavor} {field}: {err}");
        }
    }
    // Edge values that are fine: a zero keep-alive and one worker.
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_keep_alive(Duration::ZERO)
        .build()
        .expect("keep-alive 0 and one worker are valid");
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
});

// Durations at the edges: zero completes at once, MAX never fires (and
// does not overflow), a deadline in the past completes at once, a zero
// interval panics saying so.
case!(durations_at_the_edges, LIMIT, {
    let rt = rt();
    rt.block_on(async {
        runtime::time::sleep(Duration::ZERO).await;
        runtime::time::sleep_until(Instant::now() - Duration::from_secs(1)).await;
        // MAX: pending (the deadline saturates), and dropping it is fine.
        let never = runtime::time::timeout(
            Duration::from_millis(20),
            runtime::time::sleep(Duration::MAX),
        )
        .await;
        assert!(never.is_err(), "sleep(MAX) must not complete");
        // A timeout of MAX or zero around a ready future: the value.
        assert_eq!(
            runtime::time::timeout(Duration::MAX, async { 1 }).await,
            Ok(1)
        );
        assert_eq!(
            runtime::time::timeout(Duration::ZERO, async { 2 }).await,
            Ok(2)
        );
        // A timeout of zero around a pending future: elapsed at once.
        assert!(
            runtime::time::timeout(Duration::ZERO, std::future::pending::<()>())
                .await
                .is_err()
        );
        // A long interval: the first tick is immediate.
        let mut iv = runtime::time::interval(Duration::MAX);
        iv.tick().await;
    });
    let _enter = rt.enter();
    let msg = panic_message(|| {
        let _ = runtime::time::interval(Duration::ZERO);
    });
    assert!(
        msg.contains("zero") || msg.contains("0"),
        "unclear message: {msg}"
    );
});

// Sync sizes at the edges.
case!(sync_sizes_at_the_edges, LIMIT, {
    let rt = rt();
    // mpsc::channel(0) panics naming the fix.
    let msg = panic_message(|| {
        let _ = runtime::sync::mpsc::channel::<u8>(0);
    });
    assert!(msg.contains("unbounded_channel"), "unclear message: {msg}");
    rt.block_on(async {
        // Barrier::new(0) behaves as Barrier::new(1): wait returns as leader.
        let barrier = runtime::sync::Barrier::new(0);
        assert!(barrier.wait().await.is_leader());
        // Semaphore with zero permits: try_acquire fails, acquire_many(0)
        // succeeds at once, and added permits are granted.
        let sem = std::sync::Arc::new(runtime::sync::Semaphore::new(0));
        assert!(sem.try_acquire().is_err());
        drop(
            sem.acquire_many(0)
                .await
                .expect("zero permits are always there"),
        );
        let s = sem.clone();
        let waiter = runtime::spawn(async move { s.acquire().await.map(|p| p.forget()) });
        runtime::yield_now().await;
        sem.add_permits(1);
        waiter.await.unwrap().expect("granted");
        // Queue::new(0) is unbounded (asyncio's maxsize=0).
        let q = runtime::sync::Queue::new(0);
        for i in 0..10_000 {
            q.try_put(i).expect("unbounded");
        }
        assert_eq!(q.try_get().ok(), Some(0));
    });
});

// Addresses: in use, closed port, garbage: errors of the OS's kind.
case!(addresses_in_use_closed_and_garbage, LIMIT, {
    let rt = rt();
    rt.block_on(async {
        let l = runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = l.local_addr().unwrap();
        let err = runtime::net::TcpListener::bind(addr)
            .await
            .expect_err("address in use");
        assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "{err}");
        drop(l);
        // The port just freed is closed now: connecting is refused.
        let err = runtime::net::TcpStream::connect(addr)
            .await
            .expect_err("closed port");
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
        let err = runtime::net::TcpListener::bind("not an address")
            .await
            .expect_err("garbage address");
        assert!(
            matches!(
                err.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Other
            ) || err.to_string().contains("address"),
            "{err}"
        );
        let err = runtime::net::UdpSocket::bind("127.0.0.1:99999")
            .await
            .expect_err("port out of range");
        assert!(!err.to_string().is_empty());
    });
});
