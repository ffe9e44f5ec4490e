//! Fault family "scale and leaks" (the sizes CI can afford; the issue's
//! full sizes under RUNTIME_STRESS=1): many short tasks, many timers that
//! must all fire and none early, many long timers created and dropped.
//! Every case runs in a child process under a watchdog
//! (`support::isolated`).
#[macro_use]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

counting_allocator!();

const LIMIT: Duration = Duration::from_secs(40);

fn two_workers() -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("build runtime")
}

// Timers of 0 to 50 ms: every one fires, none before its deadline (each
// task compares the clock after its sleep with the deadline it asked for).
case!(timers_all_fire_none_early, LIMIT, {
    let n = support::size(20_000, 200_000);
    let rt = two_workers();
    let fired = Arc::new(AtomicUsize::new(0));
    let early = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (fired, early) = (fired.clone(), early.clone());
                runtime::spawn(async move {
                    let deadline = Instant::now() + Duration::from_millis((i % 51) as u64);
                    runtime::time::sleep_until(deadline).await;
                    if Instant::now() < deadline {
                        early.fetch_add(1, SeqCst);
                    }
                    fired.fetch_add(1, SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("timer task completes");
        }
    });
    assert_eq!(fired.load(SeqCst), n, "timers that fired");
    assert_eq!(early.load(SeqCst), 0, "timers that fired early");
});

// One-hour timers created, registered and dropped: none fires, and the
// wheel gives their entries back (the heap returns near its baseline).
case!(long_timers_created_and_dropped_free_their_entries, LIMIT, {
    let n = support::size(20_000, 100_000);
    let rt = two_workers();
    let round = || {
        rt.block_on(async {
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    runtime::spawn(async {
                        runtime::time::sleep(Duration::from_secs(3600)).await;
                        unreachable!("a one-hour timer fired");
                    })
                })
                .collect();
            // Let every task register its timer, then cancel them all.
            runtime::time::sleep(Duration::from_millis(20)).await;
            for t in &tasks {
                t.cancel();
            }
            for t in tasks {
                let err = t.await.expect_err("cancelled");
                assert!(err.is_cancelled(), "{err}");
            }
            while runtime::Handle::current().num_live_tasks() > 0 {
                runtime::yield_now().await;
            }
        });
    };
    round(); // warm-up: the wheel's slots and the registry reach their size
    let heap = live_heap();
    for _ in 0..3 {
        round();
    }
    let grown = live_heap() - heap;
    // A timer entry (or task) kept per round would add n x (tens to
    // hundreds of bytes) per round: megabytes. 256 KiB of constant slack
    // covers buffers whose capacity depends on the round's timing (queue
    // and registry batches).
    assert!(
        grown < 256 * 1024,
        "3 rounds of {n} one-hour timers: the heap grew by {grown} bytes"
    );
});
