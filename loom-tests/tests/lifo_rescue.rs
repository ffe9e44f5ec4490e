//! loom models of a worker's LIFO slot and its rescue by the watchdog
//! (`runtime-core/src/scheduler/lifo.rs`; `scheduler/README.md`, "Rescuing
//! the LIFO slot").
//!
//! The slot is one atomic word that only its owner (the worker) fills, with
//! a plain store when it is empty and a swap otherwise, and that anyone may
//! empty with a swap: the owner's pop (a load first, so an empty slot costs
//! no read-modify-write), the watchdog's rescue, the shutdown drains. The
//! slot-level models move real `Notified`s (spawned on the loom
//! `TestScheduler`) through the production `LifoSlot` and check that
//!
//! - the owner's pop racing a rescuer's take hands the task to exactly one
//!   of them;
//! - a push that displaces the slot's task (which the owner then queues)
//!   racing a rescuer loses no task and duplicates none;
//! - two hand-offs in a row (push, pop, push, pop, the ping-pong hot path)
//!   racing a rescuer taking twice: each task is taken exactly once;
//!
//! and after each, every task ran exactly once and every allocation was
//! freed. Nothing is run or dropped before the check, so a task taken
//! twice fails the assertion (the duplicates are leaked, not run).
//!
//! The runtime model runs a real 2-worker runtime: a task wakes another
//! (into its worker's LIFO slot) and then blocks its worker thread until the
//! woken task has run, while a third thread plays the watchdog, calling the
//! production `lifo::rescue` on both workers once the task is stuck. The
//! woken task must run on the other worker (through the injector, which
//! wakes it if it parked), and the runtime must shut down cleanly.
//!
//! Injected bugs (each tried once): the owner's `pop` as a load and a
//! plain store of null instead of a swap makes `owner_pop_races_a_rescue`
//! and `a_displacing_push_races_a_rescue` fail with a task taken twice;
//! `rescue` doing nothing makes the runtime model deadlock. A taker using
//! a blind `swap(null)` instead of its compare-exchange makes
//! `a_displacing_push_races_a_rescue` "lose" a task, a loom artefact (see
//! `lifo.rs` and docs/testing.md).
#![cfg(runtime_loom)]

use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;
use loom_tests::{check, check_bounded, Counter, Gate};
use runtime_core::__loom::lifo::{self, LifoSlot, Queued};
use runtime_core::__loom::task::TestScheduler;
use runtime_core::scheduler::{Builder, Runtime};

/// `n` tasks, each counting its poll on `polls`, taken out of the run
/// queue as `Queued`s; the handles are returned to be awaited after.
fn tasks(
    sched: &TestScheduler,
    n: usize,
    polls: &Counter,
) -> (Vec<Queued>, Vec<runtime_core::task::Task<()>>) {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let polls = polls.clone();
            sched.spawn(async move { polls.incr() })
        })
        .collect();
    let queued = (0..n)
        .map(|_| sched.take_queued().expect("spawned tasks are queued"))
        .collect();
    (queued, handles)
}

/// Checks that `taken` holds each of `ids` exactly once (leaking
/// everything first if not: running a duplicate would double-free), then
/// runs them all and checks each task ran once and was freed.
fn each_exactly_once(
    sched: &TestScheduler,
    polls: &Counter,
    ids: &[u64],
    taken: Vec<Queued>,
    handles: Vec<runtime_core::task::Task<()>>,
) {
    let mut seen: Vec<u64> = taken.iter().map(Queued::id).collect();
    seen.sort_unstable();
    let mut want = ids.to_vec();
    want.sort_unstable();
    if seen != want {
        std::mem::forget(taken);
        std::mem::forget(handles);
        panic!("tasks taken out of the slot {seen:?}, expected each of {want:?} once");
    }
    for task in taken {
        task.run();
    }
    assert_eq!(polls.get(), ids.len(), "every task ran exactly once");
    for handle in handles {
        assert!(handle.is_finished());
        drop(handle);
    }
    assert_eq!(sched.freed(), sched.spawned(), "every task freed");
}

/// The owner pushes a task and pops it while a rescuer takes: exactly one
/// of them gets it.
#[test]
fn owner_pop_races_a_rescue() {
    check("owner_pop_races_a_rescue", || {
        let sched = TestScheduler::new();
        let polls = Counter::new();
        let (mut queued, handles) = tasks(&sched, 1, &polls);
        let ids: Vec<u64> = queued.iter().map(Queued::id).collect();
        let slot = Arc::new(LifoSlot::new());
        let task = queued.pop().expect("one task");
        assert!(slot.push(task).is_none(), "the slot was empty");
        let rescuer = {
            let slot = slot.clone();
            thread::spawn(move || slot.take())
        };
        let mut taken: Vec<Queued> = slot.pop().into_iter().collect();
        taken.extend(rescuer.join().unwrap());
        assert!(slot.is_empty());
        each_exactly_once(&sched, &polls, &ids, taken, handles);
    });
}

/// The owner pushes a second task, displacing the first (which it would
/// queue locally), then pops, while a rescuer takes twice: neither task is
/// lost or taken twice.
#[test]
fn a_displacing_push_races_a_rescue() {
    check("a_displacing_push_races_a_rescue", || {
        let sched = TestScheduler::new();
        let polls = Counter::new();
        let (queued, handles) = tasks(&sched, 2, &polls);
        let ids: Vec<u64> = queued.iter().map(Queued::id).collect();
        let slot = Arc::new(LifoSlot::new());
        let mut queued = queued.into_iter();
        let (first, second) = (queued.next().unwrap(), queued.next().unwrap());
        let rescuer = {
            let slot = slot.clone();
            thread::spawn(move || {
                let mut got: Vec<Queued> = slot.take().into_iter().collect();
                got.extend(slot.take());
                got
            })
        };
        let mut taken = Vec::new();
        // Owner: push, push (the displaced one goes to its local queue), pop.
        taken.extend(slot.push(first));
        taken.extend(slot.push(second));
        taken.extend(slot.pop());
        taken.extend(rescuer.join().unwrap());
        taken.extend(slot.take()); // left for the shutdown drain
        each_exactly_once(&sched, &polls, &ids, taken, handles);
    });
}

/// The ping-pong hot path: push into the empty slot (the plain-store fast
/// path), pop, twice in a row, while a rescuer takes twice.
#[test]
fn two_hand_offs_race_a_rescue() {
    check("two_hand_offs_race_a_rescue", || {
        let sched = TestScheduler::new();
        let polls = Counter::new();
        let (queued, handles) = tasks(&sched, 2, &polls);
        let ids: Vec<u64> = queued.iter().map(Queued::id).collect();
        let slot = Arc::new(LifoSlot::new());
        let rescuer = {
            let slot = slot.clone();
            thread::spawn(move || {
                let mut got: Vec<Queued> = slot.take().into_iter().collect();
                got.extend(slot.take());
                got
            })
        };
        let mut taken = Vec::new();
        for task in queued {
            taken.extend(slot.push(task));
            taken.extend(slot.pop());
        }
        taken.extend(rescuer.join().unwrap());
        taken.extend(slot.take());
        each_exactly_once(&sched, &polls, &ids, taken, handles);
    });
}

/// What the runtime model's threads wait for: the waker task is stuck
/// (its worker blocked), the woken task has run.
#[derive(Default)]
struct Progress {
    stuck: bool,
    ran: bool,
}

#[derive(Clone, Default)]
struct Signal(Arc<(Mutex<Progress>, Condvar)>);

impl Signal {
    fn set(&self, f: impl FnOnce(&mut Progress)) {
        f(&mut self.0 .0.lock().unwrap());
        self.0 .1.notify_all();
    }

    fn wait(&self, until: impl Fn(&Progress) -> bool) {
        let mut progress = self.0 .0.lock().unwrap();
        while !until(&progress) {
            progress = self.0 .1.wait(progress).unwrap();
        }
    }
}

/// A real 2-worker runtime: `waker` wakes `woken` (into its worker's LIFO
/// slot when `woken` is already waiting), then blocks its worker thread (a
/// condvar wait: a blocking call inside async code) until `woken` has run.
/// A third thread plays the watchdog: once `waker` is stuck, it rescues
/// both workers' slots, once. `woken` must then run on the other worker,
/// which may have to be woken from its park for it. Without the rescue the
/// execution where `woken` sits in the stuck worker's slot deadlocks.
///
/// Capped at one preemption: at two it had not finished after 10 minutes
/// (2.5 million executions); at one it takes about 8 s.
#[test]
fn a_rescued_task_runs_while_its_worker_is_stuck() {
    check_bounded("a_rescued_task_runs_while_its_worker_is_stuck", 1, || {
        let rt: Runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("build the runtime");
        let gate = Gate::new();
        let signal = Signal::default();
        let woken = rt.spawn({
            let (wait, signal) = (gate.wait(), signal.clone());
            async move {
                wait.await;
                signal.set(|p| p.ran = true);
            }
        });
        let waker = rt.spawn({
            let signal = signal.clone();
            async move {
                gate.open();
                signal.set(|p| p.stuck = true);
                // Blocks this worker until `woken` ran.
                signal.wait(|p| p.ran);
            }
        });
        let watchdog = {
            let (handle, signal) = (rt.handle().clone(), signal.clone());
            thread::spawn(move || {
                signal.wait(|p| p.stuck);
                lifo::rescue(&handle, 0);
                lifo::rescue(&handle, 1);
            })
        };
        rt.block_on(async {
            waker.await.expect("waker task");
            woken.await.expect("woken task");
        });
        watchdog.join().unwrap();
        drop(rt);
    });
}
