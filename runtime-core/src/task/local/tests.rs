//! Unit tests of the local-task protocol without a runtime: the set is
//! polled by hand (these also run under miri, `ci/miri.sh`, which checks
//! the reference counting and the cross-thread frees).

use super::*;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc as StdArc;
use std::task::{Wake, Waker};

/// Counts its wakes.
struct CountWaker(AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_set(local: &mut LocalSet, waker: &Waker) -> Poll<()> {
    Pin::new(local).poll(&mut Context::from_waker(waker))
}

#[test]
fn tasks_run_in_fifo_order_and_the_set_completes() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut local = LocalSet::new();
    for i in 0..3 {
        let log = log.clone();
        local.spawn_local(async move { log.borrow_mut().push(i) });
    }
    assert_eq!(local.len(), 3);
    assert!(poll_set(&mut local, Waker::noop()).is_ready());
    assert_eq!(*log.borrow(), [0, 1, 2]);
    assert!(local.is_empty());
}

#[test]
fn a_busy_set_yields_after_polls_per_tick_and_wakes_itself() {
    let polls = Rc::new(RefCell::new(0usize));
    let mut local = LocalSet::new();
    let p = polls.clone();
    local.spawn_local(std::future::poll_fn(move |cx| {
        *p.borrow_mut() += 1;
        cx.waker().wake_by_ref();
        Poll::<()>::Pending
    }));
    let waker = StdArc::new(CountWaker(AtomicUsize::new(0)));
    let as_waker = Waker::from(waker.clone());
    assert!(poll_set(&mut local, &as_waker).is_pending());
    assert_eq!(*polls.borrow(), POLLS_PER_TICK);
    assert_eq!(waker.0.load(SeqCst), 1, "the set asks to be polled again");
    drop(local);
}

#[test]
fn a_wake_from_another_thread_queues_remotely_and_wakes_the_poller() {
    let mut local = LocalSet::new();
    let slot = StdArc::new(std::sync::Mutex::new(None::<Waker>));
    let polls = Rc::new(RefCell::new(0));
    let (s, p) = (slot.clone(), polls.clone());
    let task = local.spawn_local(std::future::poll_fn(move |cx| {
        *p.borrow_mut() += 1;
        if *p.borrow() == 2 {
            return Poll::Ready(7);
        }
        *s.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }));
    let poller = StdArc::new(CountWaker(AtomicUsize::new(0)));
    let as_waker = Waker::from(poller.clone());
    assert!(poll_set(&mut local, &as_waker).is_pending());
    let waker = slot.lock().unwrap().take().unwrap();
    std::thread::spawn(move || waker.wake()).join().unwrap();
    assert_eq!(poller.0.load(SeqCst), 1);
    assert!(local.core.shared().unwrap().has_remote());
    assert!(poll_set(&mut local, &as_waker).is_ready());
    assert_eq!(*polls.borrow(), 2);
    let mut task = task;
    let out = Pin::new(&mut task).poll(&mut Context::from_waker(Waker::noop()));
    assert!(matches!(out, Poll::Ready(Ok(7))));
}

#[test]
fn a_spawn_from_a_destructor_during_the_drop_is_cancelled_at_once() {
    struct SpawnOnDrop(Rc<RefCell<Option<Task<()>>>>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            *self.0.borrow_mut() = Some(spawn_local(async {}));
        }
    }
    let late = Rc::new(RefCell::new(None));
    let mut local = LocalSet::new();
    let guard = SpawnOnDrop(late.clone());
    local.spawn_local(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    assert!(poll_set(&mut local, Waker::noop()).is_pending());
    drop(local);
    let task = late.borrow_mut().take().expect("spawned during the drop");
    assert!(task.is_finished());
    let mut task = task;
    let out = Pin::new(&mut task).poll(&mut Context::from_waker(Waker::noop()));
    assert!(matches!(out, Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn a_set_without_tasks_allocates_its_shared_part_only_at_the_first_spawn() {
    let mut local = LocalSet::new();
    assert!(poll_set(&mut local, Waker::noop()).is_ready());
    assert!(local.core.shared().is_none());
    let task = local.spawn_local(async { 1 });
    assert!(local.core.shared().is_some());
    assert!(poll_set(&mut local, Waker::noop()).is_ready());
    assert!(task.is_finished());
}

#[test]
fn a_spawn_through_a_guard_that_outlived_its_set_is_cancelled_at_once() {
    let local = LocalSet::new();
    let guard = local.enter();
    drop(local);
    let drops = StdArc::new(AtomicUsize::new(0));
    struct Count(StdArc<AtomicUsize>);
    impl Drop for Count {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let count = Count(drops.clone());
    let mut task = spawn_local(async move {
        let _count = count;
    });
    assert_eq!(drops.load(SeqCst), 1, "dropped at once, here");
    let out = Pin::new(&mut task).poll(&mut Context::from_waker(Waker::noop()));
    assert!(matches!(out, Poll::Ready(Err(e)) if e.is_cancelled()));
    drop(guard);
}
