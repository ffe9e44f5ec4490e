//! loom models of the slow-poll watchdog's sleep (`runtime-core/src/
//! scheduler/idle.rs`, "The watchdog's sleep" in `scheduler/README.md`):
//! the watchdog sleeps without a timeout only while every worker is parked,
//! and the first worker counted unparked again wakes it.
//!
//! The models run the production `Idle` (its state word with the
//! `WATCHDOG_ASLEEP` bit, the sleepers list, the watchdog's mutex and
//! condvar). The watchdog side is `watchdog_sleep`, the untimed sleep
//! alone: it returns `None` when it saw a worker unparked, else whether it
//! was stopped. Nobody calls `stop_watchdog` before joining the watchdog
//! thread (except in the model about stopping), so a lost wake-up leaves
//! it blocked in the condvar forever, which loom reports as a deadlock.
//! The models check that
//!
//! - a producer waking a parked worker (`worker_to_notify`) racing the
//!   watchdog going to sleep never leaves it asleep;
//! - the same for a worker parked in the I/O driver that found work of its
//!   own (`unpark_self`);
//! - with two workers woken at once, one ring is enough and the asleep bit
//!   ends cleared;
//! - current-thread flavor: a `block_on` thread taking the core (or waking
//!   from a park with it) racing the watchdog going to sleep never leaves
//!   it asleep, also after the thread parked once in between;
//! - `stop_watchdog` wakes a sleeping watchdog, and one told to stop never
//!   goes to sleep.
#![cfg(runtime_loom)]

use loom::sync::Arc;
use loom::thread;
use loom_tests::check;
use runtime_core::__loom::idle::Idle;

/// `workers` workers, all parked (on the sleepers list, not searching).
fn all_parked(workers: usize) -> Arc<Idle> {
    let idle = Arc::new(Idle::new(workers));
    for w in 0..workers {
        idle.park(w);
    }
    idle
}

fn watchdog(idle: &Arc<Idle>) -> thread::JoinHandle<Option<bool>> {
    let idle = idle.clone();
    thread::spawn(move || idle.watchdog_sleep())
}

/// A producer wakes the one parked worker while the watchdog goes to sleep.
#[test]
fn a_notified_worker_wakes_the_watchdog() {
    check("a_notified_worker_wakes_the_watchdog", || {
        let idle = all_parked(1);
        let w = watchdog(&idle);
        let producer = {
            let idle = idle.clone();
            thread::spawn(move || idle.notify())
        };
        assert_eq!(producer.join().unwrap(), Some(0));
        let slept = w.join().unwrap();
        assert_ne!(slept, Some(true), "nobody stopped it");
        assert!(!idle.watchdog_asleep(), "the asleep bit is left set");
    });
}

/// A worker parked in the I/O driver counts itself unparked while the
/// watchdog goes to sleep.
#[test]
fn a_worker_unparking_itself_wakes_the_watchdog() {
    check("a_worker_unparking_itself_wakes_the_watchdog", || {
        let idle = all_parked(1);
        let w = watchdog(&idle);
        let worker = {
            let idle = idle.clone();
            thread::spawn(move || idle.unpark_self(0))
        };
        assert!(worker.join().unwrap());
        assert_ne!(w.join().unwrap(), Some(true));
        assert!(!idle.watchdog_asleep());
    });
}

/// Two workers come back at once, one notified and one by itself: the
/// watchdog wakes, whichever of them rings.
#[test]
fn two_unparks_at_once() {
    check("two_unparks_at_once", || {
        let idle = all_parked(2);
        let w = watchdog(&idle);
        let producer = {
            let idle = idle.clone();
            thread::spawn(move || idle.notify())
        };
        // Worker 1 unparks itself unless the producer took it off the list.
        let unparked_itself = idle.unpark_self(1);
        let notified = producer.join().unwrap();
        assert!(notified.is_some(), "a parked worker was left to wake");
        assert!(unparked_itself || notified == Some(1));
        assert_ne!(w.join().unwrap(), Some(true));
        assert!(!idle.watchdog_asleep());
    });
}

/// Current-thread flavor: the `block_on` thread takes the core while the
/// watchdog goes to sleep; then parks and wakes again while the watchdog
/// (rung or not) goes back to sleep a second time.
#[test]
fn current_thread_core_wakes_the_watchdog() {
    check("current_thread_core_wakes_the_watchdog", || {
        let idle = Arc::new(Idle::new_current_thread());
        let w = watchdog(&idle);
        let driver = {
            let idle = idle.clone();
            thread::spawn(move || idle.core_running())
        };
        driver.join().unwrap();
        assert_ne!(w.join().unwrap(), Some(true));
        assert!(!idle.watchdog_asleep());
        // The thread parks; the watchdog sleeps again; the thread wakes.
        idle.core_stopped();
        let w = watchdog(&idle);
        let driver = {
            let idle = idle.clone();
            thread::spawn(move || idle.core_running())
        };
        driver.join().unwrap();
        assert_ne!(w.join().unwrap(), Some(true));
        assert!(!idle.watchdog_asleep());
    });
}

/// `stop_watchdog` races the watchdog going to sleep on an idle runtime:
/// it wakes it, or the watchdog sees the stop and does not sleep.
#[test]
fn stop_wakes_a_sleeping_watchdog() {
    check("stop_wakes_a_sleeping_watchdog", || {
        let idle = all_parked(1);
        let w = watchdog(&idle);
        idle.stop_watchdog();
        assert_eq!(w.join().unwrap(), Some(true));
        assert!(!idle.watchdog_asleep());
        // Once stopped, it never sleeps again.
        assert_eq!(idle.watchdog_sleep(), Some(true));
    });
}
