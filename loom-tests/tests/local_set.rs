//! loom models of local tasks (`runtime-core/src/task/local/`): a
//! `LocalSet` owned by one thread, whose task's waker is woken (or whose
//! task is cancelled) from another thread, racing the set's poll and the
//! set's drop.
//!
//! The task is the real one (`spawn_local` allocates it with `raw.rs`, its
//! waker is `waker.rs`'s, its state word `state.rs`'s), the set's remote
//! queue is a loom `Mutex`, and each task cell holds a loom `Arc` of the
//! set's shared part, so a task never freed makes loom report a leak.
//! Each model checks that
//!
//! - the task is polled after every wake: the set's poller is woken and the
//!   task's next poll sees the gate open (a lost wake is a loom deadlock,
//!   since the owner parks with loom's park until woken);
//! - the future is dropped exactly once, and on the owning thread, whoever
//!   releases the last reference (a `DropToken` plus the thread id its
//!   `Drop` saw);
//! - no `debug_assert!` of the task state machine fires.
#![cfg(runtime_loom)]

use loom::thread;
use loom_tests::{block_on, check, poll_once, Counter, DropToken, Gate};
use runtime_core::task::{spawn_local, LocalSet};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// The future's drop guard: counts the drop and records the thread it ran
/// on.
struct OwnerCheck {
    _token: DropToken,
    dropped_on: Arc<Mutex<Option<thread::ThreadId>>>,
}

impl Drop for OwnerCheck {
    fn drop(&mut self) {
        *self.dropped_on.lock().unwrap() = Some(thread::current().id());
    }
}

struct Probe {
    drops: Counter,
    polls: Counter,
    dropped_on: Arc<Mutex<Option<thread::ThreadId>>>,
}

impl Probe {
    fn new() -> Probe {
        Probe {
            drops: Counter::new(),
            polls: Counter::new(),
            dropped_on: Arc::new(Mutex::new(None)),
        }
    }

    /// A `!Send` task body: waits for `gate`, counting its polls.
    fn body(&self, gate: &Gate) -> impl std::future::Future<Output = ()> + 'static {
        let guard = OwnerCheck {
            _token: self.drops.token(),
            dropped_on: self.dropped_on.clone(),
        };
        let polls = self.polls.clone();
        let mut wait = gate.wait();
        let not_send = Rc::new(());
        std::future::poll_fn(move |cx| {
            let _keep = (&guard, &not_send);
            polls.incr();
            std::pin::Pin::new(&mut wait).poll(cx)
        })
    }

    fn assert_dropped_once_on(&self, owner: thread::ThreadId) {
        assert_eq!(
            self.drops.get(),
            1,
            "the future must be dropped exactly once"
        );
        assert_eq!(
            *self.dropped_on.lock().unwrap(),
            Some(owner),
            "the future must be dropped on the set's thread"
        );
    }
}

use std::future::Future;

/// Another thread opens the gate (waking the task by value) while the
/// owner runs the set until the task completes: before the task's first
/// poll, during it, or while the owner is parked.
#[test]
fn remote_wake_races_the_local_poll() {
    check("remote_wake_races_the_local_poll", || {
        let owner = thread::current().id();
        let probe = Probe::new();
        let gate = Gate::new();
        let local = LocalSet::new();
        let task = local.spawn_local(probe.body(&gate));
        let opener = {
            let gate = gate.clone();
            thread::spawn(move || gate.open())
        };
        block_on(local.run_until(task)).expect("the task completes");
        opener.join().unwrap();
        assert!(probe.polls.get() >= 1);
        drop(local);
        probe.assert_dropped_once_on(owner);
    });
}

/// The task has parked on the gate; another thread opens it (the wake goes
/// through the set's remote queue) while the owner drops the set. The task
/// is then cancelled, its future dropped on the owner, and whichever thread
/// releases the last reference frees it.
#[test]
fn remote_wake_races_the_set_drop() {
    check("remote_wake_races_the_set_drop", || {
        let owner = thread::current().id();
        let probe = Probe::new();
        let gate = Gate::new();
        let mut local = LocalSet::new();
        let task = local.spawn_local(probe.body(&gate));
        assert!(
            poll_once(&mut local).is_pending(),
            "the task parks on the gate"
        );
        assert_eq!(probe.polls.get(), 1);
        let opener = {
            let gate = gate.clone();
            thread::spawn(move || gate.open())
        };
        drop(local);
        opener.join().unwrap();
        probe.assert_dropped_once_on(owner);
        let out = block_on(task);
        assert!(out.unwrap_err().is_cancelled());
    });
}

/// A wake from another thread arrives while the task is being polled by
/// the set (the task woken during its own poll is polled once more), and a
/// second one while the set is idle; the set's waker is a loom thread
/// waker, so a lost wake deadlocks. The set is awaited until the task ends.
#[test]
fn remote_wakes_during_and_after_the_poll_each_get_a_poll() {
    check(
        "remote_wakes_during_and_after_the_poll_each_get_a_poll",
        || {
            let owner = thread::current().id();
            let probe = Probe::new();
            let first = Gate::new();
            let second = Gate::new();
            let local = LocalSet::new();
            let guard = probe.body(&first);
            let second_wait = second.wait();
            local.spawn_local(async move {
                guard.await;
                second_wait.await;
            });
            let opener = {
                let (first, second) = (first.clone(), second.clone());
                thread::spawn(move || {
                    first.open_by_ref();
                    second.open();
                })
            };
            block_on(local);
            opener.join().unwrap();
            probe.assert_dropped_once_on(owner);
        },
    );
}

/// `Task::cancel` from another thread races the set's poll: the task is
/// cancelled (or has completed) and its future is dropped by the owner.
#[test]
fn remote_cancel_races_the_local_poll() {
    check("remote_cancel_races_the_local_poll", || {
        let owner = thread::current().id();
        let probe = Probe::new();
        let gate = Gate::new();
        let local = LocalSet::new();
        let task = local.spawn_local(probe.body(&gate));
        let abort = task.abort_handle();
        let canceller = thread::spawn(move || abort.cancel());
        let result = block_on(local.run_until(task));
        assert!(canceller.join().unwrap(), "the task had not finished");
        assert!(result.unwrap_err().is_cancelled());
        drop(local);
        probe.assert_dropped_once_on(owner);
        drop(gate);
    });
}

/// `spawn_local` from inside the set's own task is served by the same
/// poll, in order (no lock on this path).
#[test]
fn a_local_spawn_runs_in_the_same_tick() {
    check("a_local_spawn_runs_in_the_same_tick", || {
        let ran = Counter::new();
        let local = LocalSet::new();
        let inner = ran.clone();
        local.spawn_local(async move {
            let inner2 = inner.clone();
            spawn_local(async move { inner2.incr() });
            inner.incr();
        });
        let mut local = local;
        assert!(poll_once(&mut local).is_ready());
        assert_eq!(ran.get(), 2);
    });
}
