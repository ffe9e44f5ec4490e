//! Tests of the driver: unparking, processing, shutdown, the current driver.

use super::*;
use crate::scheduler::park::block_on_thread;
use crate::time::test_util::{driven, panic_message, watchdog, CountingWaker, Rng, LIMIT};
use crate::time::wheel::WHEEL_SPAN;
use crate::time::{Sleep, TimerThread};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::task::Context;

/// Polls `sleep` once with `waker` (registering it in the wheel).
fn poll_once(sleep: &mut Sleep, waker: &Waker) -> bool {
    Pin::new(sleep)
        .poll(&mut Context::from_waker(waker))
        .is_ready()
}

fn counting_unpark(driver: &TimeDriver) -> std::sync::Arc<AtomicUsize> {
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    driver.set_unpark(unpark_fn(move || {
        c.fetch_add(1, Ordering::SeqCst);
    }));
    count
}

#[test]
fn unpark_is_called_only_for_a_deadline_earlier_than_the_awaited_one() {
    let driver = TimeDriver::new();
    let unparks = counting_unpark(&driver);
    let count = || unparks.load(Ordering::SeqCst);
    let waker = Waker::noop();
    let at = |secs: f64| Instant::now() + Duration::from_secs_f64(secs);

    let mut long = Sleep::new_in(&driver, at(60.0));
    assert!(!poll_once(&mut long, waker));
    assert_eq!(count(), 1, "the driver waited for nothing: interrupt it");
    let mut longer = Sleep::new_in(&driver, at(120.0));
    assert!(!poll_once(&mut longer, waker));
    assert_eq!(count(), 1, "later than the earliest: no interrupt");

    let wait = driver.next_timeout().expect("timers are pending");
    assert!(wait <= Duration::from_secs(60));
    assert_eq!(wait.subsec_nanos() % 1_000_000, 0, "whole milliseconds");

    let mut short = Sleep::new_in(&driver, at(1.0));
    assert!(!poll_once(&mut short, waker));
    assert_eq!(count(), 2, "earlier than the awaited deadline: interrupt");
    let mut shortish = Sleep::new_in(&driver, at(2.0));
    assert!(!poll_once(&mut shortish, waker));
    assert_eq!(count(), 2);

    assert!(driver.next_timeout().unwrap() <= Duration::from_secs(1));
    let mut shorter = Sleep::new_in(&driver, at(0.5));
    assert!(!poll_once(&mut shorter, waker));
    assert_eq!(count(), 3);

    // Moving a timer earlier interrupts too; moving it later does not.
    shortish.reset(at(0.1));
    assert_eq!(count(), 4);
    long.reset(at(90.0));
    assert_eq!(count(), 4);
    assert_eq!(driver.pending(), 5);
}

#[test]
fn next_timeout_is_none_without_timers() {
    let driver = TimeDriver::new();
    assert_eq!(driver.next_timeout(), None);
    assert_eq!(driver.waiting_for(), u64::MAX);
    let mut sleep = Sleep::new_in(&driver, Instant::now() + Duration::from_secs(5));
    assert!(!poll_once(&mut sleep, Waker::noop()));
    assert!(driver.next_timeout().is_some());
    drop(sleep);
    assert_eq!(driver.pending(), 0);
    assert_eq!(driver.next_timeout(), None);
}

/// `turn` answers without the lock while nothing can be due: the test holds
/// the lock around those calls (a `turn` that took it would hang, and the
/// watchdog would fail the test).
#[test]
fn turn_takes_no_lock_while_nothing_is_due() {
    watchdog("turn-fast-path", LIMIT, || {
        let driver = TimeDriver::new();
        let unparks = counting_unpark(&driver);
        {
            let _held = driver.inner.lock();
            assert_eq!(driver.turn(), None, "no timer pending");
        }
        let (counter, waker) = CountingWaker::new();
        let mut far = Sleep::new_in(&driver, Instant::now() + Duration::from_secs(60));
        assert!(!poll_once(&mut far, &waker));
        assert_eq!(
            unparks.load(Ordering::SeqCst),
            1,
            "the driver waited for nothing"
        );
        {
            let _held = driver.inner.lock();
            let wait = driver.turn().expect("a timer is pending");
            // Until the deadline's tick, rounded up to whole ms.
            assert!(wait <= Duration::from_millis(60_001));
            assert_eq!(wait.subsec_nanos() % 1_000_000, 0, "whole milliseconds");
        }

        // Once the clock reaches `waiting_for`, `turn` fires (slow path).
        let deadline = Instant::now() + Duration::from_millis(2);
        let mut near = Sleep::new_in(&driver, deadline);
        assert!(!poll_once(&mut near, &waker));
        assert_eq!(
            unparks.load(Ordering::SeqCst),
            2,
            "earlier than the awaited deadline"
        );
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(driver.turn(), Some(Duration::ZERO), "it fired a timer");
        assert_eq!(counter.count(), 1);
        assert!(poll_once(&mut near, &waker));
        let wait = driver.turn().expect("the far timer is pending");
        assert!(wait <= Duration::from_millis(60_001));
        assert_eq!(driver.pending(), 1);
        assert!(driver.waiting_for() <= driver.deadline_tick(far.deadline()));

        // A removed timer leaves `waiting_for` behind (at most one wake-up
        // for nothing); the next slow turn catches up.
        drop(far);
        assert_eq!(driver.pending(), 0);
        assert!(
            driver.turn().is_some(),
            "still waits for the removed deadline"
        );
        assert_eq!(driver.next_timeout(), None);
        assert_eq!(driver.turn(), None);
    });
}

/// `turn` leaves an empty wheel where it is; `register` brings it up to now
/// before inserting, so a timer made after a quiet spell is filed against
/// the current time.
#[test]
fn registering_into_an_empty_wheel_advances_it() {
    let driver = TimeDriver::new();
    assert_eq!(driver.turn(), None);
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(driver.turn(), None);
    assert_eq!(
        driver.inner.lock().wheel.elapsed(),
        0,
        "the fast path moves nothing"
    );
    let mut sleep = Sleep::new_in(&driver, Instant::now() + Duration::from_secs(60));
    assert!(!poll_once(&mut sleep, Waker::noop()));
    assert!(
        driver.inner.lock().wheel.elapsed() >= 5,
        "advanced to now first"
    );
}

#[test]
fn process_fires_due_timers_and_nothing_early() {
    let driver = TimeDriver::new();
    let deadline = Instant::now() + Duration::from_millis(30);
    let (counter, waker) = CountingWaker::new();
    let mut sleep = Sleep::new_in(&driver, deadline);
    assert!(!poll_once(&mut sleep, &waker));
    driver.process();
    if counter.count() > 0 {
        assert!(Instant::now() >= deadline, "fired before its deadline");
    }
    // One ms past the deadline its (rounded up) tick has surely come.
    let after = deadline + Duration::from_millis(1);
    std::thread::sleep(after.saturating_duration_since(Instant::now()));
    driver.process();
    assert_eq!(counter.count(), 1);
    assert!(sleep.is_elapsed());
    assert!(poll_once(&mut sleep, &waker));
    assert_eq!(driver.pending(), 0);
}

#[test]
fn wakers_are_woken_outside_the_lock() {
    // A waker that uses the driver when woken would deadlock under the lock.
    struct Reentrant(std::sync::Arc<TimeDriver>, AtomicUsize);
    impl std::task::Wake for Reentrant {
        fn wake(self: std::sync::Arc<Self>) {
            let _ = self.0.next_timeout();
            let mut again = Sleep::new_in(&self.0, Instant::now() + Duration::from_secs(1));
            let _ = Pin::new(&mut again).poll(&mut Context::from_waker(Waker::noop()));
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }
    watchdog("reentrant-waker", LIMIT, || {
        let driver = TimeDriver::new();
        let wake = std::sync::Arc::new(Reentrant(driver.clone(), AtomicUsize::new(0)));
        let waker = Waker::from(wake.clone());
        // Registered far out (so every first poll is pending however slow
        // the machine: sanitizers, miri, a loaded CI), then moved to a
        // deadline 2 ms away; a registered sleep keeps its waker across
        // `reset`, so no second poll is needed.
        let far = Instant::now() + Duration::from_secs(3600);
        let mut sleeps: Vec<_> = (0..200).map(|_| Sleep::new_in(&driver, far)).collect();
        for sleep in &mut sleeps {
            assert!(!poll_once(sleep, &waker));
        }
        let deadline = Instant::now() + Duration::from_millis(2);
        for sleep in &mut sleeps {
            sleep.reset(deadline);
        }
        std::thread::sleep(Duration::from_millis(5));
        driver.process();
        assert_eq!(wake.1.load(Ordering::SeqCst), 200);
    });
}

#[test]
fn shutdown_wakes_pending_timers_and_later_polls_panic() {
    let driver = TimeDriver::new();
    let (counter, waker) = CountingWaker::new();
    let mut pending = Sleep::new_in(&driver, Instant::now() + Duration::from_secs(60));
    assert!(!poll_once(&mut pending, &waker));
    let mut unpolled = Sleep::new_in(&driver, Instant::now() + Duration::from_secs(60));
    driver.shutdown();
    assert!(driver.is_shutdown());
    assert_eq!(counter.count(), 1, "shutdown wakes the pending timer");
    assert_eq!(driver.pending(), 0);
    assert_eq!(driver.next_timeout(), None);
    for sleep in [&mut pending, &mut unpolled] {
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            poll_once(sleep, &waker);
        }))
        .expect_err("polling after shutdown panics");
        assert_eq!(panic_message(&panic), SHUTDOWN_MSG);
    }
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Sleep::new_in(&driver, Instant::now())
    }))
    .expect_err("creating a timer after shutdown panics");
    assert_eq!(panic_message(&panic), SHUTDOWN_MSG);
    drop(pending); // dropping after shutdown is fine
}

#[test]
fn enter_sets_and_restores_the_current_driver() {
    assert!(try_current().is_none());
    let a = TimeDriver::new();
    let b = TimeDriver::new();
    {
        let _ga = enter(a.clone());
        assert!(Arc::ptr_eq(&try_current().unwrap(), &a));
        {
            let _gb = enter(b.clone());
            assert!(Arc::ptr_eq(&try_current().unwrap(), &b));
        }
        assert!(Arc::ptr_eq(&try_current().unwrap(), &a));
    }
    assert!(try_current().is_none());
}

#[test]
fn timer_functions_outside_a_runtime_panic_naming_themselves() {
    type Maker = Box<dyn Fn() + std::panic::UnwindSafe>;
    let cases: Vec<(&str, Maker)> = vec![
        (
            "sleep",
            Box::new(|| drop(crate::time::sleep(Duration::from_millis(1)))),
        ),
        (
            "sleep_until",
            Box::new(|| drop(crate::time::sleep_until(Instant::now()))),
        ),
        (
            "timeout",
            Box::new(|| drop(crate::time::timeout(Duration::ZERO, async {}))),
        ),
        (
            "timeout_at",
            Box::new(|| drop(crate::time::timeout_at(Instant::now(), async {}))),
        ),
        (
            "interval",
            Box::new(|| drop(crate::time::interval(Duration::from_millis(1)))),
        ),
        (
            "interval_at",
            Box::new(|| {
                drop(crate::time::interval_at(
                    Instant::now(),
                    Duration::from_millis(1),
                ))
            }),
        ),
    ];
    for (name, make) in cases {
        let panic = std::panic::catch_unwind(make).expect_err(name);
        assert_eq!(
            panic_message(&panic),
            format!(
                "runtime::time::{name} called outside of a runtime: call it from within \
                 #[runtime::main], Runtime::block_on or a spawned task"
            )
        );
    }
}

#[test]
fn real_timers_across_a_top_level_wrap() {
    watchdog("wrap", LIMIT, || {
        // The wheel's clock starts 40 ms before its top level wraps.
        let driver = TimeDriver::starting_at(WHEEL_SPAN - 40);
        let thread = TimerThread::start(driver.clone(), "test-timer".into()).unwrap();
        let mut rng = Rng::new(7);
        let deadlines: Vec<Instant> = (0..2000)
            .map(|_| Instant::now() + Duration::from_micros(1 + rng.below(100_000)))
            .collect();
        let _guard = enter(driver.clone());
        block_on_thread(async {
            let mut all: futures_util::stream::FuturesUnordered<_> = deadlines
                .iter()
                .map(|&deadline| async move {
                    crate::time::sleep_until(deadline).await;
                    assert!(Instant::now() >= deadline, "a timer fired early");
                })
                .collect();
            use futures_util::StreamExt;
            let mut done = 0;
            while all.next().await.is_some() {
                done += 1;
            }
            assert_eq!(done, 2000);
        });
        assert_eq!(driver.pending(), 0);
        thread.shutdown();
    });
}

#[test]
fn a_timer_thread_can_be_driven_by_several_drivers_in_turn() {
    watchdog("drivers", LIMIT, || {
        for _ in 0..5 {
            let (driver, thread) = driven();
            let _guard = enter(driver.clone());
            block_on_thread(crate::time::sleep(Duration::from_millis(2)));
            drop(thread);
            driver.shutdown();
        }
    });
}
