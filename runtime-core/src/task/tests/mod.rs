//! Unit tests of the task system's unsafe code (`raw.rs`, `harness.rs`,
//! `waker.rs`, `handle.rs`, `meta.rs`, `current.rs`) on a minimal scheduler:
//! a run queue and a live-task registry, run by hand.
//!
//! They are small and fast on purpose so that they run under miri
//! (`ci/miri.sh`), which checks every pointer cast, reference and
//! deallocation they reach. Each test walks one path through the state
//! machine: spawn, poll, wake (by reference, by value, during the poll, as
//! the last reference), cancel (idle, queued, during the poll, through an
//! `AbortHandle`), panic (in poll, in drop), join (before and after
//! completion, with the waker replaced), detach, done callbacks, shutdown.

use super::raw::{Notified, RawTask, Schedule};
use super::registry::Registry;
use super::{JoinError, Task, TaskId, TaskOutcome};
use crate::scheduler::park::block_on_thread;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// A run queue and a registry, like a one-worker runtime without the
/// worker: tests call [`run_all`](TestScheduler::run_all) themselves.
#[derive(Clone)]
struct TestScheduler {
    shared: Arc<Shared>,
}

struct Shared {
    queue: Mutex<VecDeque<Notified>>,
    registry: Registry,
    /// Set by `shutdown`: `schedule` drops what it is given.
    closed: AtomicBool,
    /// Task cells freed (each holds one `CellScheduler`).
    freed: AtomicUsize,
    /// Calls of `unhandled_failure`.
    failures: AtomicUsize,
}

/// The scheduler handle stored in each task cell; dropped with the cell.
struct CellScheduler {
    shared: Arc<Shared>,
}

impl Drop for CellScheduler {
    fn drop(&mut self) {
        self.shared.freed.fetch_add(1, SeqCst);
    }
}

impl Schedule for CellScheduler {
    fn schedule(&self, task: Notified) {
        if self.shared.closed.load(SeqCst) {
            drop(task);
        } else {
            self.shared.queue.lock().unwrap().push_back(task);
        }
    }

    fn release(&self, task: RawTask) -> bool {
        self.shared.registry.remove(task)
    }

    fn unhandled_failure(&self, report: &dyn Fn() -> crate::diagnostics::Report) {
        assert!(report().message.contains("panicked"), "{}", report());
        self.shared.failures.fetch_add(1, SeqCst);
    }
}

impl TestScheduler {
    fn new() -> TestScheduler {
        TestScheduler {
            shared: Arc::new(Shared {
                queue: Mutex::new(VecDeque::new()),
                registry: Registry::new(1),
                closed: AtomicBool::new(false),
                freed: AtomicUsize::new(0),
                failures: AtomicUsize::new(0),
            }),
        }
    }

    /// Spawns `future` as `Handle::spawn` does: three references (handle,
    /// registry, first `Notified`), queued.
    #[track_caller]
    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_named(None, future)
    }

    #[track_caller]
    fn spawn_named<F>(&self, name: Option<&str>, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let scheduler = CellScheduler {
            shared: self.shared.clone(),
        };
        let raw = RawTask::new(
            future,
            scheduler,
            TaskId::next(),
            name.map(Box::from),
            Location::caller(),
            3,
        );
        // SAFETY: the handle's reference and JOIN_INTEREST go to `Task`; its
        // output type is `F::Output`.
        let task = unsafe { Task::from_raw(raw) };
        // SAFETY: the first Notified takes its reference and SCHEDULED.
        let notified = unsafe { Notified::from_raw(raw) };
        match self.shared.registry.insert(raw) {
            Ok(()) => self.shared.queue.lock().unwrap().push_back(notified),
            Err(raw) => {
                raw.shutdown();
                drop(notified);
            }
        }
        task
    }

    /// Runs one queued task; `false` if the queue was empty.
    fn run_one(&self) -> bool {
        let next = self.shared.queue.lock().unwrap().pop_front();
        match next {
            Some(task) => {
                task.run();
                true
            }
            None => false,
        }
    }

    /// Runs queued tasks until the queue is empty; returns how many ran.
    fn run_all(&self) -> usize {
        let mut n = 0;
        while self.run_one() {
            n += 1;
        }
        n
    }

    fn queued(&self) -> usize {
        self.shared.queue.lock().unwrap().len()
    }

    /// Runtime shutdown: later wakes are dropped, every live task is
    /// cancelled, and whatever is queued is dropped.
    fn shutdown(&self) {
        self.shared.closed.store(true, SeqCst);
        for task in self.shared.registry.close_and_drain(0) {
            task.shutdown();
        }
        let queued: Vec<_> = self.shared.queue.lock().unwrap().drain(..).collect();
        drop(queued);
    }

    fn freed(&self) -> usize {
        self.shared.freed.load(SeqCst)
    }

    fn failures(&self) -> usize {
        self.shared.failures.load(SeqCst)
    }
}

/// Counts how often it was dropped.
#[derive(Clone, Default)]
struct DropCount(Arc<AtomicUsize>);

impl DropCount {
    fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }
    fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
}

struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A waker that counts its wakes.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    (counter.clone(), Waker::from(counter))
}

/// A future that is pending until `ready` is set, handing its waker to
/// `slot` on every poll, and holding `guard` until it is dropped.
struct Parked {
    slot: Arc<Mutex<Option<Waker>>>,
    ready: Arc<AtomicBool>,
    _guard: DropGuard,
}

impl Future for Parked {
    type Output = &'static str;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
        if self.ready.load(SeqCst) {
            return Poll::Ready("done");
        }
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

struct ParkedControl {
    slot: Arc<Mutex<Option<Waker>>>,
    ready: Arc<AtomicBool>,
    drops: DropCount,
}

impl ParkedControl {
    fn new() -> ParkedControl {
        ParkedControl {
            slot: Arc::default(),
            ready: Arc::default(),
            drops: DropCount::default(),
        }
    }
    fn future(&self) -> Parked {
        Parked {
            slot: self.slot.clone(),
            ready: self.ready.clone(),
            _guard: self.drops.guard(),
        }
    }
    fn take_waker(&self) -> Waker {
        self.slot
            .lock()
            .unwrap()
            .take()
            .expect("the task was polled")
    }
}

/// Polls the join handle once with `waker`.
fn poll_task<T>(task: &mut Task<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(task).poll(&mut Context::from_waker(waker))
}

#[test]
fn spawn_run_and_join() {
    let s = TestScheduler::new();
    let drops = DropCount::default();
    let guard = drops.guard();
    let task = s.spawn(async move {
        let _guard = guard;
        6 * 7
    });
    assert!(!task.is_finished());
    assert_eq!(s.run_all(), 1);
    assert!(task.is_finished());
    assert_eq!(drops.get(), 1, "the future is dropped at completion");
    assert_eq!(block_on_thread(task).unwrap(), 42);
    assert_eq!(s.freed(), 1);
}

#[test]
fn join_waker_registered_replaced_and_woken() {
    let s = TestScheduler::new();
    let mut task = s.spawn(async { String::from("out") });
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    assert!(poll_task(&mut task, &first_waker).is_pending());
    // The same waker again: kept (will_wake), not re-registered.
    assert!(poll_task(&mut task, &first_waker).is_pending());
    // Another waker: the slot is taken back and rewritten.
    assert!(poll_task(&mut task, &second_waker).is_pending());
    s.run_all();
    assert_eq!(first.0.load(SeqCst), 0);
    assert_eq!(second.0.load(SeqCst), 1);
    let Poll::Ready(out) = poll_task(&mut task, &second_waker) else {
        panic!("complete task not ready");
    };
    assert_eq!(out.unwrap(), "out");
    drop(task);
    assert_eq!(s.freed(), 1);
}

#[test]
fn poll_finished_and_peek_leave_the_output_in_place() {
    let s = TestScheduler::new();
    let mut task = s.spawn(async { vec![1, 2, 3] });
    let (_, waker) = counting_waker();
    assert!(task
        .poll_finished(&mut Context::from_waker(&waker))
        .is_pending());
    assert_eq!(task.peek_result(|r| r.is_ok()), None);
    s.run_all();
    assert!(task
        .poll_finished(&mut Context::from_waker(&waker))
        .is_ready());
    let len = task.peek_result(|r| r.as_ref().unwrap().len());
    assert_eq!(len, Some(3));
    assert_eq!(block_on_thread(task).unwrap(), vec![1, 2, 3]);
    assert_eq!(s.freed(), 1);
}

#[test]
fn wakes_by_ref_by_value_and_during_the_poll() {
    let s = TestScheduler::new();
    let polls = Arc::new(AtomicUsize::new(0));
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let task = s.spawn({
        let (polls, slot) = (polls.clone(), slot.clone());
        std::future::poll_fn(move |cx| {
            let n = polls.fetch_add(1, SeqCst);
            match n {
                // Pending; the test wakes us by reference.
                0 => *slot.lock().unwrap() = Some(cx.waker().clone()),
                // Wake ourselves while running: resubmitted after the poll.
                1 => cx.waker().wake_by_ref(),
                // Pending; the test wakes us by value.
                2 => *slot.lock().unwrap() = Some(cx.waker().clone()),
                _ => return Poll::Ready(n),
            }
            Poll::Pending
        })
    });
    assert_eq!(s.run_all(), 1);
    let waker = slot.lock().unwrap().take().unwrap();
    waker.wake_by_ref();
    waker.wake_by_ref(); // already scheduled: nothing more queued
    assert_eq!(s.queued(), 1);
    drop(waker);
    assert_eq!(s.run_all(), 2, "the self-wake resubmitted the task");
    slot.lock().unwrap().take().unwrap().wake();
    assert_eq!(s.run_all(), 1);
    assert_eq!(block_on_thread(task).unwrap(), 3);
    assert_eq!(s.freed(), 1);
}

#[test]
fn a_waker_can_be_the_last_reference() {
    for by_value in [false, true] {
        let s = TestScheduler::new();
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let task = s.spawn({
            let slot = slot.clone();
            async move {
                std::future::poll_fn(|cx| {
                    *slot.lock().unwrap() = Some(cx.waker().clone());
                    Poll::Ready(())
                })
                .await;
            }
        });
        drop(task);
        s.run_all();
        assert_eq!(s.freed(), 0, "the waker still holds a reference");
        let waker = slot.lock().unwrap().take().unwrap();
        let clone = waker.clone();
        drop(waker);
        if by_value {
            clone.wake(); // wake of a complete task: releases and frees
        } else {
            drop(clone);
        }
        assert_eq!(s.freed(), 1);
        assert_eq!(s.queued(), 0);
    }
}

#[test]
fn cancel_before_first_poll_while_idle_and_during_the_poll() {
    let s = TestScheduler::new();
    // Queued, never polled.
    let queued = ParkedControl::new();
    let t1 = s.spawn(queued.future());
    assert!(t1.cancel());
    // Idle after one poll.
    let idle = ParkedControl::new();
    let t2 = s.spawn(idle.future());
    // Cancels itself during its poll, then returns Pending.
    let t3 = s.spawn(std::future::poll_fn(|_| {
        assert!(super::cancel_current());
        Poll::<()>::Pending
    }));
    s.run_all();
    assert!(t1.is_finished() && t3.is_finished());
    assert!(!t2.is_finished());
    assert!(t2.cancel());
    assert_eq!(s.queued(), 1, "cancelling an idle task schedules it");
    assert!(t2.cancel(), "a second request is accepted, not queued");
    assert_eq!(s.queued(), 1);
    s.run_all();
    assert!(!t2.cancel(), "already finished");
    for err in [
        block_on_thread(t1).unwrap_err(),
        block_on_thread(t2).unwrap_err(),
        block_on_thread(t3).unwrap_err(),
    ] {
        assert!(err.is_cancelled(), "{err}");
    }
    assert_eq!(queued.drops.get(), 1);
    assert_eq!(idle.drops.get(), 1);
    // The idle task's stored waker is the last reference to it.
    drop(idle.take_waker());
    assert_eq!(s.freed(), 3);
}

#[test]
fn abort_handle_cancels_from_another_thread() {
    let s = TestScheduler::new();
    let ctl = ParkedControl::new();
    let task = s.spawn(ctl.future());
    s.run_all();
    let abort = task.abort_handle();
    let abort2 = abort.clone();
    assert_eq!(abort.id(), task.id());
    std::thread::spawn(move || assert!(abort2.cancel()))
        .join()
        .unwrap();
    s.run_all();
    assert!(abort.is_finished());
    assert!(block_on_thread(task).unwrap_err().is_cancelled());
    drop(ctl.take_waker());
    assert_eq!(s.freed(), 0, "the abort handle holds a reference");
    drop(abort);
    assert_eq!(s.freed(), 1);
}

#[test]
fn a_completion_during_the_cancelling_poll_keeps_its_value() {
    let s = TestScheduler::new();
    let task = s.spawn(async {
        assert!(super::cancel_current());
        5
    });
    s.run_all();
    assert!(!task.is_cancelled());
    assert_eq!(block_on_thread(task).unwrap(), 5);
}

#[test]
fn panics_in_poll_and_in_drop_become_join_errors() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("boom in drop");
        }
    }

    let s = TestScheduler::new();
    let t1 = s.spawn_named(Some("bad"), async {
        panic!("boom in poll");
    });
    let t2 = s.spawn(async {
        let _bomb = PanicOnDrop;
        std::future::pending::<()>().await;
    });
    s.run_all();
    assert!(t2.cancel());
    s.run_all();
    let e1 = block_on_thread(t1).unwrap_err();
    assert!(e1.is_panic());
    assert_eq!(e1.name(), Some("bad"));
    assert_eq!(e1.panic_message().as_deref(), Some("boom in poll"));
    let e2 = block_on_thread(t2).unwrap_err();
    assert!(e2.is_panic(), "a panic while cancelling is a panic: {e2}");
    assert_eq!(s.failures(), 0, "both failures were retrieved");
    assert_eq!(s.freed(), 2);
}

#[test]
fn a_detached_task_output_is_dropped_by_the_completer() {
    let s = TestScheduler::new();
    let drops = DropCount::default();
    let guard = drops.guard();
    s.spawn(async move { guard }).detach();
    s.spawn(async { panic!("nobody is listening") }).detach();
    s.run_all();
    assert_eq!(drops.get(), 1, "the output was dropped");
    assert_eq!(s.failures(), 1, "the unseen panic was reported");
    assert_eq!(s.freed(), 2);
}

#[test]
fn a_handle_dropped_after_completion_drops_the_output() {
    let s = TestScheduler::new();
    let drops = DropCount::default();
    let guard = drops.guard();
    let ok = s.spawn(async move { guard });
    let failed = s.spawn(async { panic!("seen by nobody") });
    s.run_all();
    assert_eq!(drops.get(), 0, "the output waits for the handle");
    drop(ok);
    assert_eq!(drops.get(), 1);
    drop(failed);
    assert_eq!(s.failures(), 1, "dropping a failed result reports it");
    assert_eq!(s.freed(), 2);
}

#[test]
fn names_current_task_and_done_callbacks() {
    let s = TestScheduler::new();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let task = s.spawn_named(Some("first"), {
        let seen = seen.clone();
        async move {
            let id = super::id();
            seen.lock()
                .unwrap()
                .push(format!("{:?} {id}", super::name()));
        }
    });
    let unnamed = s.spawn(async { super::name() });
    let id = task.id();
    assert_eq!(task.name().as_deref(), Some("first"));
    task.set_name("renamed");
    let outcomes: Arc<Mutex<Vec<TaskOutcome>>> = Arc::default();
    let push = |outcomes: &Arc<Mutex<Vec<TaskOutcome>>>| {
        let outcomes = outcomes.clone();
        move |o| outcomes.lock().unwrap().push(o)
    };
    task.add_done_callback(push(&outcomes));
    task.add_done_callback(|_| panic!("a panicking callback is reported"));
    unnamed.set_name("late"); // allocates the name on first use
    s.run_all();
    assert_eq!(*outcomes.lock().unwrap(), [TaskOutcome::Completed]);
    task.add_done_callback(push(&outcomes)); // after completion: runs now
    assert_eq!(outcomes.lock().unwrap().len(), 2);
    assert_eq!(*seen.lock().unwrap(), [format!("Some(\"renamed\") {id}")]);
    assert!(super::try_id().is_none(), "outside a task again");
    assert_eq!(block_on_thread(unnamed).unwrap().as_deref(), Some("late"));
    assert!(format!("{task:?}").contains("renamed"));
    block_on_thread(task).unwrap();
    assert_eq!(s.freed(), 2);
}

#[test]
fn shutdown_cancels_idle_and_queued_tasks_and_later_wakes_are_dropped() {
    let s = TestScheduler::new();
    let idle = ParkedControl::new();
    let t1 = s.spawn(idle.future());
    s.run_all();
    let queued = ParkedControl::new();
    let t2 = s.spawn(queued.future());
    let detached = ParkedControl::new();
    s.spawn(detached.future()).detach();
    s.shutdown();
    assert!(block_on_thread(t1).unwrap_err().is_cancelled());
    assert!(block_on_thread(t2).unwrap_err().is_cancelled());
    for ctl in [&idle, &queued, &detached] {
        assert_eq!(ctl.drops.get(), 1);
    }
    // A waker kept past shutdown: waking a complete task does nothing.
    idle.take_waker().wake();
    assert_eq!(s.freed(), 3);
    // A spawn after shutdown resolves at once as cancelled.
    let late = s.spawn(async { 1 });
    assert!(block_on_thread(late).unwrap_err().is_cancelled());
    assert_eq!(s.freed(), 4);
}

mod threads;
