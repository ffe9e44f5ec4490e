//! loom models of the task state machine (`runtime-core/src/task/`:
//! `state.rs`, `harness.rs`, `raw.rs`, `waker.rs`, `handle.rs`, and the
//! registry's part in completion and shutdown).
//!
//! Every model spawns a real task on `__loom::task::TestScheduler` (a loom
//! `Mutex<VecDeque<Notified>>` run queue plus a one-shard live-task
//! registry, exactly what a runtime gives a task) and races two or three of:
//! a worker polling it, a wake from another thread, `Task::cancel`, dropping
//! or awaiting the `Task` handle, and runtime shutdown. Each model checks
//! that
//!
//! - the future is dropped exactly once (a `DropToken` it owns);
//! - the output, when produced, is dropped exactly once, by the handle or by
//!   the completer (a `DropToken` output);
//! - the task allocation is freed exactly once (`TestScheduler::freed`; a
//!   leak also makes loom report "Arc leaked", since each cell holds the
//!   scheduler's loom `Arc`);
//! - nobody hangs: an awaited handle or a parked worker always gets its
//!   wakeup (loom reports a deadlock otherwise);
//! - the stage and join-waker cells are never accessed concurrently (loom's
//!   `UnsafeCell` tracking) and no `debug_assert!` of `state.rs` fires.
#![cfg(runtime_loom)]

use loom::thread;
use loom_tests::{block_on, check, poll_once, thread_waker, Counter, DropToken, Gate};
use runtime_core::__loom::task::TestScheduler;
use std::task::Poll;

/// Runs the queue on this thread until every task has completed, parking
/// (loom's park) while the queue is empty. The scheduler must have been
/// made with `TestScheduler::with_notify(thread_waker())` on this thread.
fn work_until_all_complete(s: &TestScheduler) {
    loop {
        s.run_all();
        if s.live() == 0 {
            return;
        }
        thread::park();
    }
}

/// Counters for one task: how often its future and output were dropped and
/// whether its body ran to the end.
#[derive(Clone, Default)]
struct Probe {
    future_drops: Counter,
    output_drops: Counter,
    finished: Counter,
}

impl Probe {
    /// The future's drop guard and the output factory.
    fn parts(&self) -> (DropToken, Counter, Counter) {
        (
            self.future_drops.token(),
            self.output_drops.clone(),
            self.finished.clone(),
        )
    }

    fn assert_dropped_once(&self) {
        assert_eq!(
            self.future_drops.get(),
            1,
            "the future must be dropped exactly once"
        );
        assert_eq!(
            self.output_drops.get(),
            self.finished.get(),
            "the output must be dropped exactly once if it was produced, never otherwise"
        );
    }
}

/// A worker completes the task while the handle's owner cancels it and
/// drops the handle.
#[test]
fn completion_races_cancel_and_handle_drop() {
    check("completion_races_cancel_and_handle_drop", || {
        let s = TestScheduler::new();
        let probe = Probe::default();
        let (guard, output, finished) = probe.parts();
        let task = s.spawn(async move {
            let _guard = guard;
            finished.incr();
            output.token()
        });

        let worker = {
            let s = s.clone();
            thread::spawn(move || {
                s.run_one();
            })
        };
        let cancelled = task.cancel();
        drop(task);
        worker.join().unwrap();

        assert_eq!(s.queued(), 0, "cancel of a scheduled task submits nothing");
        assert_eq!(s.scheduled(), 0);
        if !cancelled {
            assert_eq!(probe.finished.get(), 1, "cancel said the task had finished");
        }
        probe.assert_dropped_once();
        assert_eq!(s.live(), 0, "the registry let go of the completed task");
        assert_eq!(s.freed(), 1, "the task must be freed exactly once");
    });
}

/// All four at once: a worker (this thread, parking while the queue is
/// empty) polls the task, a foreign thread wakes it by value, and the
/// handle's owner cancels it and drops the handle. The task completes either
/// way (with its value or cancelled) and a late wake of the completed task
/// may hold its last reference.
#[test]
fn completion_cancel_drop_and_wake() {
    check("completion_cancel_drop_and_wake", || {
        let s = TestScheduler::with_notify(thread_waker());
        let probe = Probe::default();
        let (guard, output, finished) = probe.parts();
        let gate = Gate::new();
        let wait = gate.wait();
        let task = s.spawn(async move {
            let _guard = guard;
            wait.await;
            finished.incr();
            output.token()
        });

        let opener = thread::spawn(move || gate.open());
        let canceller = thread::spawn(move || {
            let cancelled = task.cancel();
            drop(task);
            cancelled
        });
        work_until_all_complete(&s);
        opener.join().unwrap();
        let cancelled = canceller.join().unwrap();

        if !cancelled {
            assert_eq!(probe.finished.get(), 1, "cancel said the task had finished");
        }
        probe.assert_dropped_once();
        assert_eq!(s.freed(), 1, "the task must be freed exactly once");
    });
}

/// A foreign thread wakes the task (by value) while the worker polls it,
/// and a third thread awaits the handle: the wake is never lost, the join
/// waker is always woken, and the output reaches the joiner.
#[test]
fn foreign_wake_races_poll_and_join() {
    check("foreign_wake_races_poll_and_join", || {
        let s = TestScheduler::with_notify(thread_waker());
        let probe = Probe::default();
        let (guard, output, finished) = probe.parts();
        let gate = Gate::new();
        let wait = gate.wait();
        let task = s.spawn(async move {
            let _guard = guard;
            wait.await;
            finished.incr();
            output.token()
        });

        let opener = thread::spawn(move || gate.open());
        let joiner = thread::spawn(move || {
            let output = block_on(task).expect("the task completes with its value");
            drop(output);
        });
        work_until_all_complete(&s);
        opener.join().unwrap();
        joiner.join().unwrap();

        assert_eq!(probe.finished.get(), 1);
        probe.assert_dropped_once();
        assert_eq!(s.freed(), 1, "the task must be freed exactly once");
    });
}

/// `cancel` from one thread races a wake from another while the task is
/// idle (after its first poll) or being polled; the canceller then awaits
/// the handle.
#[test]
fn cancel_races_wake_and_poll() {
    check("cancel_races_wake_and_poll", || {
        let s = TestScheduler::with_notify(thread_waker());
        let probe = Probe::default();
        let (guard, output, finished) = probe.parts();
        let gate = Gate::new();
        let wait = gate.wait();
        let task = s.spawn(async move {
            let _guard = guard;
            wait.await;
            finished.incr();
            output.token()
        });
        assert!(s.run_one(), "first poll: waits on the gate");

        let opener = thread::spawn(move || gate.open());
        let canceller = thread::spawn(move || {
            let cancelled = task.cancel();
            (cancelled, block_on(task).map(drop))
        });
        work_until_all_complete(&s);
        opener.join().unwrap();
        let (cancelled, result) = canceller.join().unwrap();

        match result {
            Ok(()) => assert_eq!(probe.finished.get(), 1),
            Err(e) => {
                assert!(e.is_cancelled(), "only cancellation can fail the task");
                assert!(cancelled);
                assert_eq!(probe.finished.get(), 0);
            }
        }
        probe.assert_dropped_once();
        assert_eq!(s.freed(), 1, "the task must be freed exactly once");
    });
}

/// Runtime shutdown (close the registry, cancel every live task, drop the
/// queue) races a wake and a worker running the queue.
#[test]
fn shutdown_races_wake_and_poll() {
    check("shutdown_races_wake_and_poll", || {
        let s = TestScheduler::new();
        let probe = Probe::default();
        let (guard, output, finished) = probe.parts();
        let gate = Gate::new();
        let wait = gate.wait();
        let mut task = s.spawn(async move {
            let _guard = guard;
            wait.await;
            finished.incr();
            output.token()
        });
        assert!(s.run_one(), "first poll: waits on the gate");

        let opener = thread::spawn(move || gate.open());
        let worker = {
            let s = s.clone();
            thread::spawn(move || {
                s.run_all();
            })
        };
        s.shutdown();
        opener.join().unwrap();
        worker.join().unwrap();
        // A wake that landed after the shutdown left a Notified; running it
        // finds the task complete and just drops the reference.
        s.run_all();

        assert!(task.is_finished(), "shutdown completes every live task");
        match poll_once(&mut task) {
            Poll::Ready(Ok(output)) => drop(output),
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            Poll::Pending => panic!("a finished task's handle must be ready"),
        }
        drop(task);
        probe.assert_dropped_once();
        assert_eq!(s.live(), 0);
        assert_eq!(s.freed(), 1, "the task must be freed exactly once");
    });
}

/// A detached task is cancelled by shutdown while a foreign thread holds
/// its last waker and wakes it by value: whichever goes last frees the task
/// (`ToNotified::Dealloc` or the completer's `drop_refs`), exactly once.
#[test]
fn last_reference_is_a_waker() {
    check("last_reference_is_a_waker", || {
        let s = TestScheduler::new();
        let probe = Probe::default();
        let (guard, output, finished) = probe.parts();
        let gate = Gate::new();
        let wait = gate.wait();
        let task = s.spawn(async move {
            let _guard = guard;
            wait.await;
            finished.incr();
            output.token()
        });
        drop(task);
        assert!(s.run_one(), "first poll: waits on the gate");

        let opener = thread::spawn(move || gate.open());
        s.shutdown();
        opener.join().unwrap();
        s.run_all();
        s.shutdown();

        probe.assert_dropped_once();
        assert_eq!(probe.finished.get(), 0, "shutdown cancelled the task");
        assert_eq!(s.freed(), 1, "the task must be freed exactly once");
    });
}

/// The handle registers a join waker, then replaces it (a different waker:
/// `unset_join_waker` then `set_join_waker`), while a worker completes the
/// task on another thread.
#[test]
fn join_waker_replaced_while_completing() {
    check("join_waker_replaced_while_completing", || {
        let s = TestScheduler::new();
        let probe = Probe::default();
        let (guard, output, finished) = probe.parts();
        let mut task = s.spawn(async move {
            let _guard = guard;
            finished.incr();
            output.token()
        });

        let worker = {
            let s = s.clone();
            thread::spawn(move || {
                s.run_one();
            })
        };
        let first = Counter::new();
        let output = match poll_once_with(&mut task, &first) {
            Poll::Ready(result) => result,
            Poll::Pending => block_on(&mut task),
        };
        drop(output.expect("the task completes with its value"));
        drop(task);
        worker.join().unwrap();

        assert!(
            first.get() <= 1,
            "the first join waker is woken at most once"
        );
        probe.assert_dropped_once();
        assert_eq!(s.freed(), 1, "the task must be freed exactly once");
    });
}

/// The handle registers a join waker and is then dropped while a worker
/// completes the task: the output is dropped exactly once, by whichever
/// side owns it, and the join-waker slot is never raced.
#[test]
fn handle_dropped_after_registering_waker_while_completing() {
    check(
        "handle_dropped_after_registering_waker_while_completing",
        || {
            let s = TestScheduler::new();
            let probe = Probe::default();
            let (guard, output, finished) = probe.parts();
            let mut task = s.spawn(async move {
                let _guard = guard;
                finished.incr();
                output.token()
            });

            let worker = {
                let s = s.clone();
                thread::spawn(move || {
                    s.run_one();
                })
            };
            let waker = Counter::new();
            if let Poll::Ready(result) = poll_once_with(&mut task, &waker) {
                drop(result.expect("the task completes with its value"));
            }
            drop(task);
            worker.join().unwrap();

            assert!(waker.get() <= 1);
            assert_eq!(probe.finished.get(), 1);
            probe.assert_dropped_once();
            assert_eq!(s.freed(), 1, "the task must be freed exactly once");
        },
    );
}

/// Polls `fut` once with a waker that counts its wakes in `wakes`.
fn poll_once_with<F: std::future::Future + Unpin>(fut: &mut F, wakes: &Counter) -> Poll<F::Output> {
    let waker = wakes.waker();
    let mut cx = std::task::Context::from_waker(&waker);
    std::pin::Pin::new(fut).poll(&mut cx)
}
