//! loom models of `TaskGroup` (`runtime-core/src/group/task_group/mod.rs`, the
//! protocol in its top comment) on a real runtime built inside the model,
//! as in `scheduler.rs`: under `cfg(runtime_loom)` the run queues are the
//! lock-based stand-in, the registry has one shard and no timer thread
//! runs, so two workers plus the main thread (in `block_on`) are three loom
//! threads. The models check that
//!
//! - a member's failure cancels its siblings while they run or complete on
//!   the other worker, and `join` returns exactly the failures (a sibling
//!   that completed or was cancelled is not one);
//! - `join` returns only once every member has ended: each member's future
//!   has been dropped by then (completed or cancelled), and each handle
//!   resolves to the matching outcome;
//! - a member still pending when the group fails is cancelled (`join`
//!   would hang otherwise).
#![cfg(runtime_loom)]

use loom_tests::{check, Counter, Gate, YieldTimes};
use runtime_core::group::TaskGroup;
use runtime_core::scheduler::{Builder, Runtime};

fn multi_thread(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("build the runtime")
}

/// Two workers: one member fails at once, the other yields once and then
/// completes. The failure's cancellation of the sibling races the sibling's
/// first poll (a member that starts after the group closed never runs its
/// future), its yield, and its completion on the other worker. `join`
/// returns exactly the one failure, after both futures were dropped; the
/// failing member's handle reports a group failure, the sibling's either
/// its value (and its body ran to the end) or a cancellation (and it did
/// not).
#[test]
fn failure_cancels_completing_sibling() {
    check("failure_cancels_completing_sibling", || {
        let rt = multi_thread(2);
        let group = TaskGroup::<&'static str>::new_in(rt.handle());
        let dropped = Counter::new();
        let finished = Counter::new();

        let guard = dropped.token();
        let failing = group.spawn(async move {
            let _guard = guard;
            Err::<(), _>("boom")
        });
        let (guard, done) = (dropped.token(), finished.clone());
        let sibling = group.spawn(async move {
            let _guard = guard;
            YieldTimes(1).await;
            done.incr();
            Ok(2)
        });

        let failures = rt
            .block_on(group.join())
            .expect_err("a member failed, so join fails");
        assert_eq!(
            failures.errors().copied().collect::<Vec<_>>(),
            ["boom"],
            "join returns exactly the failures"
        );
        assert_eq!(dropped.get(), 2, "every member ended before join returned");

        let failed = rt.block_on(failing).expect_err("the failing member failed");
        assert!(failed.is_failed(), "its handle reports a group failure");
        match rt.block_on(sibling) {
            Ok(value) => {
                assert_eq!(value, Ok(2));
                assert_eq!(finished.get(), 1);
            }
            Err(e) => {
                assert!(e.is_cancelled(), "the sibling was cancelled, not failed");
                assert_eq!(finished.get(), 0, "a cancelled sibling did not finish");
            }
        }
        drop(rt);
    });
}

/// One worker: one member waits for a gate nobody opens, the other fails.
/// The failure (on the worker) races the main thread entering `join`; the
/// pending member is cancelled, so `join` returns with the one failure
/// (a lost cancellation or a lost join wakeup is a deadlock).
#[test]
fn failure_cancels_pending_sibling() {
    check("failure_cancels_pending_sibling", || {
        let rt = multi_thread(1);
        let group = TaskGroup::<&'static str>::new_in(rt.handle());
        let dropped = Counter::new();
        let gate = Gate::new();

        let (guard, wait) = (dropped.token(), gate.wait());
        let pending = group.spawn(async move {
            let _guard = guard;
            wait.await;
            Ok(())
        });
        let guard = dropped.token();
        let _failing = group.spawn(async move {
            let _guard = guard;
            Err::<(), _>("boom")
        });

        let failures = rt.block_on(group.join()).expect_err("a member failed");
        assert_eq!(failures.len(), 1, "join returns exactly the failures");
        assert_eq!(dropped.get(), 2, "every member ended before join returned");
        let cancelled = rt.block_on(pending).expect_err("never opened");
        assert!(cancelled.is_cancelled());
        assert!(!gate.is_open());
        drop(rt);
    });
}

/// Two workers: the first member opens a gate (waking the second member)
/// and then fails; the second, woken by the gate, fails too. Whether the
/// second is queued (`GRACE`), being polled on the other worker or already
/// done when the first failure closes the group, it was woken before, so it
/// gets its poll and `join` returns **both** failures (asyncio's rule;
/// issue 18). A lost grace shows as a single failure, a lost cancellation
/// or wakeup as a deadlock.
#[test]
fn woken_sibling_gets_its_poll_and_both_failures_are_reported() {
    check("woken_sibling_gets_its_poll", || {
        let rt = multi_thread(2);
        let group = TaskGroup::<&'static str>::new_in(rt.handle());
        let dropped = Counter::new();
        let gate = Gate::new();

        let (guard, wait) = (dropped.token(), gate.wait());
        let second = group.spawn(async move {
            let _guard = guard;
            wait.await;
            Err::<(), _>("second")
        });
        let (guard, opener) = (dropped.token(), gate.clone());
        let first = group.spawn(async move {
            let _guard = guard;
            opener.open();
            Err::<(), _>("first")
        });

        let failures = rt.block_on(group.join()).expect_err("members failed");
        let mut errors: Vec<_> = failures.errors().copied().collect();
        errors.sort();
        assert_eq!(
            errors,
            ["first", "second"],
            "the woken member's failure is kept"
        );
        assert_eq!(dropped.get(), 2, "every member ended before join returned");
        assert!(rt.block_on(first).unwrap_err().is_failed());
        assert!(rt.block_on(second).unwrap_err().is_failed());
        drop(rt);
    });
}
