//! loom models of the scheduler (`runtime-core/src/scheduler/`): a real
//! multi-thread runtime with two worker threads (and a real current-thread
//! runtime), built and dropped inside the model, plus the parker alone.
//!
//! Under `cfg(runtime_loom)` the runtime's run queues are the lock-based
//! stand-in (`queue.rs`), its registry has one shard, its search and spin
//! rounds shrink to one, and no timer thread is started; everything else
//! (the worker loop, `idle.rs`, `park.rs`, `shared.rs`, shutdown) is the
//! production code. The models check that
//!
//! - nothing hangs: a spawned or woken task always runs while the workers
//!   park and unpark (loom reports a deadlock when every thread is blocked,
//!   e.g. a `block_on` waiting for a task stranded in a queue);
//! - a task that only another worker can run is stolen;
//! - shutdown racing a wake and a spawn drops every future exactly once,
//!   never runs anything after it began, resolves every handle, and leaves
//!   nothing in a queue (a stranded `Notified` would keep the runtime's
//!   loom `Arc` alive: loom reports "Arc leaked");
//! - completed tasks retired into a worker's batch are freed exactly once,
//!   whether the batch or the shutdown drain takes them out of the registry;
//! - the parker never loses a notification;
//! - the drivers stop only after the last worker that can poll a task has
//!   left, also when the runtime is dropped from one of its own tasks.
#![cfg(runtime_loom)]

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use loom::sync::Arc;
use loom::thread;
use loom_tests::{block_on, check, unpark_publishes, Counter, Gate, YieldTimes};
use runtime_core::__loom::park::{self, Parker};
use runtime_core::scheduler::{spawn, Builder, Runtime};

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("build the runtime")
}

fn current_thread() -> Runtime {
    Builder::new_current_thread()
        .build()
        .expect("build the runtime")
}

// ---------------------------------------------------------------- parker

/// What a thread wrote before `unpark` is visible to the owner once its
/// `park` returns. Every user relies on this: a worker checks
/// `is_shutdown()` (an Acquire load) after `park` returns. Here one thread
/// only unparks and another publishes a flag and unparks; the owner parks
/// until it sees the flag. When the second notification arrives while the
/// owner is consuming the first on the `Err(NOTIFIED)` path of `park`, the
/// owner must still synchronise with it.
#[test]
fn unpark_publishes_prior_writes() {
    check("unpark_publishes_prior_writes", || {
        let parker = Parker::new();
        let plain = {
            let unparker = parker.unparker();
            thread::spawn(move || unparker.unpark())
        };
        let unparker = parker.unparker();
        unpark_publishes(move || unparker.unpark(), || parker.park());
        plain.join().unwrap();
    });
}

/// `unpark` from another thread races `park`: before it, during the
/// `EMPTY -> PARKED` transition, or while the owner waits.
#[test]
fn park_unpark_race() {
    check("park_unpark_race", || {
        let parker = Parker::new();
        let unparker = parker.unparker();
        let t = thread::spawn(move || unparker.unpark());
        parker.park();
        t.join().unwrap();
    });
}

/// Two threads each publish an event and unpark; the owner parks until it
/// has seen both. Notifications do not count, so the owner may need to park
/// again after consuming one; it must never sleep through the last.
#[test]
fn park_until_two_events() {
    check("park_until_two_events", || {
        let parker = Parker::new();
        let events = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let unparker = parker.unparker();
                let events = events.clone();
                thread::spawn(move || {
                    events.fetch_add(1, SeqCst);
                    unparker.unpark();
                })
            })
            .collect();
        while events.load(SeqCst) < 2 {
            parker.park();
        }
        for t in threads {
            t.join().unwrap();
        }
    });
}

/// `block_on_thread` (the multi-thread `block_on`) with its future woken
/// from another thread.
#[test]
fn block_on_thread_foreign_wake() {
    check("block_on_thread_foreign_wake", || {
        let gate = Gate::new();
        let wait = gate.wait();
        let t = thread::spawn(move || gate.open());
        park::block_on(wait);
        t.join().unwrap();
    });
}

// --------------------------------------------------- multi-thread runtime

/// A task spawned from outside (through the injector) runs on one of the
/// two workers while `block_on` waits for it; then the runtime shuts down.
#[test]
fn spawn_from_outside_and_block_on() {
    check("spawn_from_outside_and_block_on", || {
        let rt = multi_thread();
        let task = rt.spawn(async { 7 });
        assert_eq!(rt.block_on(task).unwrap(), 7);
        drop(rt);
    });
}

/// A task spawned from inside a task (into the worker's local queue, from
/// where either worker may run it: its own after the parent's poll, or the
/// other by stealing).
#[test]
fn spawn_from_inside() {
    check("spawn_from_inside", || {
        let rt = multi_thread();
        let task = rt.spawn(async { spawn(async { 2 }).await.unwrap() + 1 });
        assert_eq!(rt.block_on(task).unwrap(), 3);
        drop(rt);
    });
}

/// A task waits for an event that the main thread (outside the pool)
/// delivers right after spawning it, racing the workers' first poll, their
/// searching and their parking; then `block_on` waits for the task. No
/// lost wakeup: the model only terminates if the woken task runs.
#[test]
fn foreign_wake_while_workers_park() {
    check("foreign_wake_while_workers_park", || {
        let rt = multi_thread();
        let gate = Gate::new();
        let wait = gate.wait();
        let task = rt.spawn(async move {
            wait.await;
            5
        });
        gate.open();
        assert_eq!(rt.block_on(task).unwrap(), 5);
        drop(rt);
    });
}

/// A task spawns a child into its own worker's local queue and then
/// busy-waits (inside its poll) until the child has run: only the other
/// worker can run it, by stealing. The model terminates only if the spawn
/// wakes (or is found by) the other worker and the steal succeeds.
#[test]
fn stealing() {
    check("stealing", || {
        let rt = multi_thread();
        let task = rt.spawn(async {
            let done = Arc::new(AtomicBool::new(false));
            let flag = done.clone();
            let child = spawn(async move { flag.store(true, SeqCst) });
            while !done.load(SeqCst) {
                thread::yield_now();
            }
            // The child has run (on the other worker); let it finish alone.
            child.detach();
        });
        rt.block_on(task).unwrap();
        drop(rt);
    });
}

/// Shutdown (dropping the runtime) races a wake of a pending task and a
/// spawn, both from a foreign thread (one worker, so that the model has
/// three threads). Every future is dropped exactly once, every handle
/// resolves, and nothing is left in the injector (loom would report the
/// runtime's `Arc` leaked).
#[test]
fn shutdown_races_foreign_wake_and_spawn() {
    check("shutdown_races_foreign_wake_and_spawn", || {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .expect("build the runtime");
        let handle = rt.handle().clone();
        let first_drops = Counter::new();
        let second_drops = Counter::new();
        let gate = Gate::new();
        let wait = gate.wait();
        let guard = first_drops.token();
        let first = rt.spawn(async move {
            let _guard = guard;
            wait.await;
            1
        });
        let foreign = {
            let second_drops = second_drops.clone();
            thread::spawn(move || {
                gate.open();
                let guard = second_drops.token();
                let second = handle.spawn(async move {
                    let _guard = guard;
                    2
                });
                match block_on(second) {
                    Ok(v) => assert_eq!(v, 2),
                    Err(e) => assert!(e.is_cancelled()),
                }
            })
        };
        drop(rt);
        foreign.join().unwrap();
        match block_on(first) {
            Ok(v) => assert_eq!(v, 1),
            Err(e) => assert!(e.is_cancelled()),
        }
        assert_eq!(first_drops.get(), 1, "first future dropped exactly once");
        assert_eq!(second_drops.get(), 1, "second future dropped exactly once");
    });
}

/// Shutdown races a task running on a worker that wakes another task and
/// spawns a child (into its local queue) during its poll, with two workers.
/// Every future that was created is dropped exactly once, and every handle
/// resolves.
#[test]
fn shutdown_races_running_task() {
    check("shutdown_races_running_task", || {
        let rt = multi_thread();
        let drops = Counter::new();
        let children = Counter::new();
        let gate = Gate::new();
        let wait = gate.wait();
        let guard = drops.token();
        let waiting = rt.spawn(async move {
            let _guard = guard;
            wait.await;
        });
        let guard = drops.token();
        let (child_drops, created) = (drops.clone(), children.clone());
        let waking = rt.spawn(async move {
            let _guard = guard;
            gate.open();
            created.incr();
            let guard = child_drops.token();
            spawn(async move { drop(guard) }).detach();
        });
        drop(rt);
        for result in [block_on(waiting), block_on(waking)] {
            if let Err(e) = result {
                assert!(e.is_cancelled());
            }
        }
        assert_eq!(
            drops.get(),
            2 + children.get(),
            "every future dropped exactly once"
        );
    });
}

/// The drivers outlive the last worker that can poll a task
/// (`Shared::release_drivers`, scheduler README "Shutdown" step 5). A
/// runtime dropped from one of its own tasks cannot join the worker it runs
/// on, nor wait for the other worker's poll: here a task drops it while
/// `observer` may be polling on the other worker. Whenever the observer is
/// polled it must find the time driver running (stopping the drivers at once
/// from the dropping task, under the other worker's poll, fails this model),
/// and its handle resolves.
#[test]
fn drivers_outlive_the_last_worker() {
    check("drivers_outlive_the_last_worker", || {
        let rt = multi_thread();
        let handle = rt.handle().clone();
        let saw_shutdown = Arc::new(AtomicBool::new(false));
        let saw = saw_shutdown.clone();
        let observer = handle.spawn(async move {
            let driver = runtime_core::time::try_current().expect("workers enter the time driver");
            saw.store(driver.is_shutdown(), SeqCst);
        });
        let slot = Arc::new(loom::sync::Mutex::new(Some(rt)));
        handle
            .spawn(async move {
                let rt = slot.lock().unwrap().take();
                drop(rt);
            })
            .detach();
        if let Err(e) = block_on(observer) {
            assert!(e.is_cancelled());
        }
        assert!(
            !saw_shutdown.load(SeqCst),
            "a task was polled after the runtime stopped its time driver"
        );
    });
}

/// `block_on` completes while the workers are busy with tasks that keep
/// yielding; its future is woken by one of those tasks.
#[test]
fn block_on_under_load() {
    check("block_on_under_load", || {
        let rt = multi_thread();
        let gate = Gate::new();
        let opener = gate.clone();
        let _busy = rt.spawn(YieldTimes(2));
        let _waker = rt.spawn(async move {
            YieldTimes(1).await;
            opener.open();
        });
        rt.block_on(gate.wait());
        drop(rt);
    });
}

/// A task that completes on a worker is retired into that worker's batch
/// and leaves the registry later, in a batch (`task/registry.rs`, "Retired
/// tasks"). Once its handle resolved it no longer counts as live, and
/// shutdown, racing the workers' batch removals and completions, frees
/// every task exactly once: a task freed twice underflows its reference
/// count (a debug assertion), one never freed keeps the runtime's loom
/// `Arc` alive ("Arc leaked").
#[test]
fn retired_tasks_race_shutdown() {
    check("retired_tasks_race_shutdown", || {
        let rt = multi_thread();
        let handle = rt.handle().clone();
        let first = rt.spawn(async { 1 });
        let second = rt.spawn(async { 2 });
        assert_eq!(block_on(first).expect("not cancelled"), 1);
        assert!(
            handle.num_live_tasks() <= 1,
            "a completed task is counted live"
        );
        drop(rt);
        if let Ok(value) = block_on(second) {
            assert_eq!(value, 2);
        }
        assert_eq!(handle.num_live_tasks(), 0);
    });
}

// ------------------------------------------------- current-thread runtime

/// The current-thread `block_on` parks while its task waits; a foreign
/// thread wakes the task (injector + unpark of the one parker).
#[test]
fn current_thread_foreign_wake() {
    check("current_thread_foreign_wake", || {
        let rt = current_thread();
        let gate = Gate::new();
        let wait = gate.wait();
        let task = rt.spawn(async move {
            wait.await;
            3
        });
        let opener = thread::spawn(move || gate.open());
        assert_eq!(rt.block_on(task).unwrap(), 3);
        opener.join().unwrap();
        drop(rt);
    });
}
