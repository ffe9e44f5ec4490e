//! loom models of `block_in_place`'s hand-off
//! (`runtime-core/src/scheduler/block_in_place.rs`, "The hand-off
//! protocol"): a task blocked in the closure gives its worker's core to a
//! new thread, which runs the worker's other tasks; the blocked thread
//! leaves once its poll ends; shutdown frees everything.
//!
//! Each model runs a real one-worker runtime, so the only thread that can
//! run a second task while the first blocks is the one the hand-off starts.
//! The models check that
//!
//! - the queued task runs while the first one blocks, and both handles
//!   resolve, whichever of the two the worker took first. With `hand_off`
//!   made a no-op this model deadlocks (loom: "deadlock; threads = [..
//!   Blocked ..]"; tried when the model was written);
//! - shutdown racing the hand-off (the runtime dropped while the task is
//!   about to block, blocking, or finishing its poll) drops each future
//!   exactly once and leaves nothing allocated (a stranded core or task
//!   keeps the runtime's loom `Arc` alive: "Arc leaked"). This one passes
//!   without a hand-off too: it guards the hand-off's shutdown path, not
//!   its existence. That shutdown joins the new threads is checked with real
//!   threads in `tests/block_in_place.rs`
//!   (`shutdown_joins_the_thread_that_took_over` fails without the join;
//!   loom lets unjoined threads finish on their own, so a model cannot
//!   tell).
#![cfg(runtime_loom)]

use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;
use loom_tests::{block_on, check, Counter};
use runtime_core::scheduler::{block_in_place, Builder, Runtime};

fn one_worker() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("build the runtime")
}

/// A flag a plain thread can wait for (the closure blocks on it).
#[derive(Clone, Default)]
struct Latch(Arc<(Mutex<bool>, Condvar)>);

impl Latch {
    fn release(&self) {
        let (flag, cond) = &*self.0;
        *flag.lock().unwrap() = true;
        cond.notify_all();
    }

    fn wait(&self) {
        let (flag, cond) = &*self.0;
        let mut set = flag.lock().unwrap();
        while !*set {
            set = cond.wait(set).unwrap();
        }
    }
}

/// One worker, two tasks from outside: the first blocks in
/// `block_in_place` until the second has run. Only the thread the hand-off
/// starts can run the second.
#[test]
fn a_blocked_worker_hands_its_queue_to_a_new_thread() {
    check("a_blocked_worker_hands_its_queue_to_a_new_thread", || {
        let rt = one_worker();
        let latch = Latch::default();
        let waiter = latch.clone();
        let blocked = rt.spawn(async move {
            block_in_place(|| waiter.wait());
            1
        });
        let opener = rt.spawn(async move {
            latch.release();
            2
        });
        assert_eq!(block_on(opener).unwrap(), 2);
        assert_eq!(block_on(blocked).unwrap(), 1);
        drop(rt);
    });
}

/// The runtime is dropped while a task hands off and blocks; a foreign
/// thread releases it. Every future is dropped exactly once, whether the
/// task completed or was cancelled, and the drop returns only after every
/// thread, the new one included, has left.
#[test]
fn shutdown_races_a_hand_off() {
    check("shutdown_races_a_hand_off", || {
        let rt = one_worker();
        let drops = Counter::new();
        let latch = Latch::default();
        let waiter = latch.clone();
        let guard = drops.token();
        let blocked = rt.spawn(async move {
            let _guard = guard;
            block_in_place(|| waiter.wait());
            1
        });
        let releaser = thread::spawn(move || latch.release());
        drop(rt);
        releaser.join().unwrap();
        match block_on(blocked) {
            Ok(v) => assert_eq!(v, 1),
            Err(e) => assert!(e.is_cancelled()),
        }
        assert_eq!(drops.get(), 1, "the future was dropped exactly once");
    });
}
