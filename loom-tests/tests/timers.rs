//! loom models of the timer protocol (`runtime-core/src/time/`: `time_driver.rs`,
//! `entry.rs`, `sleep.rs`; see its README).
//!
//! Real time would make a model nondeterministic, so under
//! `cfg(runtime_loom)` the `TimeDriver` reads a manual clock that the model
//! sets (`__loom::time::set_clock`), and no thread drives time by itself:
//! the model calls `process`/`next_timeout` from the thread playing the
//! driver. The models check that
//!
//! - a `Sleep` dropped while the driver fires it never removes another
//!   timer (the slab key of a fired entry may already name a new one), and
//!   its node is freed either way;
//! - a `reset` racing the fire leaves exactly one entry, due at the new
//!   deadline, that still wakes the registered waker;
//! - a new timer (or a reset) earlier than the one the driver waits for
//!   calls the unpark callback (the driver thread only terminates if it is
//!   unparked), and a later one does not;
//! - `TimeDriver::turn`'s lock-free fast path (`waiting_for` read without
//!   the lock) never makes the driver sleep through a timer registered
//!   concurrently, including after a removed timer left `waiting_for`
//!   earlier than any pending deadline;
//! - shutdown racing a drop frees everything without panicking;
//! - a fire wakes the task that owns the `Sleep`.
#![cfg(runtime_loom)]

use loom::thread;
use loom_tests::{check, poll_once, thread_waker, Counter};
use runtime_core::__loom::park::Parker;
use runtime_core::__loom::task::TestScheduler;
use runtime_core::__loom::time;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Polls `fut` once with a waker that counts its wakes in `wakes`.
fn poll_with<F: Future + Unpin>(fut: &mut F, wakes: &Counter) -> Poll<F::Output> {
    let waker = wakes.waker();
    let mut cx = Context::from_waker(&waker);
    Pin::new(fut).poll(&mut cx)
}

/// The driver fires a due `Sleep` and then registers a new timer (which may
/// reuse the fired entry's slab key) while the `Sleep` is dropped.
#[test]
fn fire_races_drop() {
    check("fire_races_drop", || {
        let driver = time::driver();
        let wakes = Counter::new();
        let mut sleep = time::sleep_until(&driver, 5);
        assert!(poll_with(&mut sleep, &wakes).is_pending());
        time::set_clock(&driver, 5);

        let driving = {
            let driver = driver.clone();
            thread::spawn(move || {
                driver.process();
                let mut next = time::sleep_until(&driver, 10);
                assert!(poll_once(&mut next).is_pending());
                next
            })
        };
        drop(sleep);
        let mut next = driving.join().unwrap();

        assert!(wakes.get() <= 1, "a timer fires at most once");
        assert_eq!(
            time::pending(&driver),
            1,
            "only the new timer is in the wheel: the drop removed nothing else"
        );
        time::set_clock(&driver, 10);
        driver.process();
        assert!(poll_once(&mut next).is_ready(), "the new timer still fires");
        assert_eq!(time::pending(&driver), 0);
    });
}

/// The driver fires a due `Sleep` while its owner resets it to a later
/// deadline and polls it again.
#[test]
fn fire_races_reset() {
    check("fire_races_reset", || {
        let driver = time::driver();
        let wakes = Counter::new();
        let mut sleep = time::sleep_until(&driver, 5);
        assert!(poll_with(&mut sleep, &wakes).is_pending());
        time::set_clock(&driver, 5);

        let driving = {
            let driver = driver.clone();
            thread::spawn(move || driver.process())
        };
        sleep.reset(time::instant(&driver, 20));
        assert!(
            poll_with(&mut sleep, &wakes).is_pending(),
            "after a reset the sleep waits for the new deadline"
        );
        driving.join().unwrap();

        assert_eq!(time::pending(&driver), 1, "exactly one entry, at 20");
        let before = wakes.get();
        time::set_clock(&driver, 20);
        driver.process();
        assert_eq!(wakes.get(), before + 1, "the entry wakes the waker");
        assert!(poll_with(&mut sleep, &wakes).is_ready());
        assert_eq!(time::pending(&driver), 0);
    });
}

/// A thread plays the driver: it reads the next deadline (100 ms) and parks
/// until unparked, looping until it sees a deadline of at most 10 ms.
/// Meanwhile a timer due at 10 ms is registered: it must call the unpark
/// callback, or the driver thread sleeps forever (loom reports a deadlock).
#[test]
fn earlier_timer_unparks_driver() {
    check("earlier_timer_unparks_driver", || {
        let driver = time::driver();
        let parker = Parker::new();
        let unparks = Counter::new();
        {
            let unparker = parker.unparker();
            let unparks = unparks.clone();
            time::set_unpark(&driver, move || {
                unparks.incr();
                unparker.unpark();
            });
        }
        let mut late = time::sleep_until(&driver, 100);
        assert!(poll_once(&mut late).is_pending());

        let driving = {
            let driver = driver.clone();
            thread::spawn(move || loop {
                let timeout = driver.next_timeout().expect("timers are pending");
                if timeout <= Duration::from_millis(10) {
                    return;
                }
                parker.park();
            })
        };
        let mut early = time::sleep_until(&driver, 10);
        assert!(poll_once(&mut early).is_pending());
        driving.join().unwrap();

        assert_eq!(time::waiting_for(&driver), 10);
        let before = unparks.get();
        let mut later = time::sleep_until(&driver, 50);
        assert!(poll_once(&mut later).is_pending());
        assert_eq!(
            unparks.get(),
            before,
            "a timer later than the awaited deadline costs no wake-up"
        );
    });
}

/// Like `earlier_timer_unparks_driver`, but the earlier deadline comes from
/// `Sleep::reset` moving the pending timer from 100 ms to 10 ms.
#[test]
fn earlier_reset_unparks_driver() {
    check("earlier_reset_unparks_driver", || {
        let driver = time::driver();
        let parker = Parker::new();
        {
            let unparker = parker.unparker();
            time::set_unpark(&driver, move || unparker.unpark());
        }
        let mut sleep = time::sleep_until(&driver, 100);
        assert!(poll_once(&mut sleep).is_pending());

        let driving = {
            let driver = driver.clone();
            thread::spawn(move || loop {
                let timeout = driver.next_timeout().expect("a timer is pending");
                if timeout <= Duration::from_millis(10) {
                    return;
                }
                parker.park();
            })
        };
        sleep.reset(time::instant(&driver, 10));
        driving.join().unwrap();
        assert_eq!(time::pending(&driver), 1);
        assert_eq!(time::waiting_for(&driver), 10);
    });
}

/// Driver shutdown races the drop of a registered `Sleep`.
#[test]
fn shutdown_races_drop() {
    check("shutdown_races_drop", || {
        let driver = time::driver();
        let wakes = Counter::new();
        let mut sleep = time::sleep_until(&driver, 5);
        assert!(poll_with(&mut sleep, &wakes).is_pending());

        let stopping = {
            let driver = driver.clone();
            thread::spawn(move || driver.shutdown())
        };
        drop(sleep);
        stopping.join().unwrap();

        assert!(wakes.get() <= 1);
        assert_eq!(time::pending(&driver), 0, "shutdown drained the wheel");
    });
}

/// A `Sleep` inside a task: the driver fires it on its thread while the
/// worker (this thread) parks, and the task is woken and completes.
#[test]
fn fire_wakes_task() {
    check("fire_wakes_task", || {
        let driver = time::driver();
        let s = TestScheduler::with_notify(thread_waker());
        let sleep = time::sleep_until(&driver, 5);
        let task = s.spawn(sleep);
        assert!(s.run_one(), "first poll registers the timer");
        time::set_clock(&driver, 5);

        let driving = {
            let driver = driver.clone();
            thread::spawn(move || driver.process())
        };
        loop {
            s.run_all();
            if s.live() == 0 {
                break;
            }
            thread::park();
        }
        driving.join().unwrap();
        assert!(task.is_finished());
        drop(task);
        assert_eq!(s.freed(), 1);
        assert_eq!(time::pending(&driver), 0);
    });
}

/// `turn`'s fast path racing a registration. The driver thread calls `turn`
/// with no timer pending (it reads `waiting_for` = `u64::MAX` without the
/// lock and returns `None`) and parks; meanwhile a timer due at 10 ms is
/// registered. Whether the driver read `waiting_for` before the insert,
/// after it, or (loom explores this) an old value after it, the
/// registration's unpark must end its park, and its next `turn` must see
/// the timer: the thread only terminates once `turn` reports a wait.
#[test]
fn fast_path_races_registration() {
    check("fast_path_races_registration", || {
        let driver = time::driver();
        let parker = Parker::new();
        {
            let unparker = parker.unparker();
            time::set_unpark(&driver, move || unparker.unpark());
        }
        let driving = {
            let driver = driver.clone();
            thread::spawn(move || loop {
                match driver.turn() {
                    Some(wait) => return wait,
                    None => parker.park(),
                }
            })
        };
        let mut sleep = time::sleep_until(&driver, 10);
        assert!(poll_once(&mut sleep).is_pending());
        assert_eq!(
            driving.join().unwrap(),
            Duration::from_millis(10),
            "the driver waits until the new timer's deadline"
        );
        assert_eq!(time::waiting_for(&driver), 10);
        assert_eq!(time::pending(&driver), 1);
    });
}

/// The stale value a removed timer leaves behind. A timer due at 5 ms is
/// registered, then dropped while the driver thread runs its loop: `turn`,
/// then wait, parking when no timer is pending and otherwise letting the
/// manual clock run to the end of the wait (a timed wait that expires).
/// Meanwhile a second timer, due at 20 ms, is registered. If the drop comes
/// first, `waiting_for` is still 5, so the second timer (later) costs no
/// unpark: the driver must wake at 5 all the same, find nothing due, and
/// then wait for 20, where the second timer fires and wakes its waker. (A
/// fast path that answered "no timer pending" from an empty wheel would park
/// for good here.) If the first timer fires before its drop, the driver's
/// next look finds the wheel empty and parks, and the second registration
/// unparks it.
#[test]
fn fast_path_after_drop_races_registration() {
    check("fast_path_after_drop_races_registration", || {
        let driver = time::driver();
        let parker = Parker::new();
        {
            let unparker = parker.unparker();
            time::set_unpark(&driver, move || unparker.unpark());
        }
        let mut first = time::sleep_until(&driver, 5);
        assert!(poll_once(&mut first).is_pending());
        let wakes = Counter::new();

        let driving = {
            let driver = driver.clone();
            let wakes = wakes.clone();
            thread::spawn(move || {
                let mut now = 0;
                loop {
                    match driver.turn() {
                        None => parker.park(),
                        // Something fired: done if it was the second timer.
                        Some(wait) if wait.is_zero() => {
                            if wakes.get() > 0 {
                                return now;
                            }
                        }
                        Some(wait) => {
                            now += u64::try_from(wait.as_millis()).unwrap();
                            time::set_clock(&driver, now);
                        }
                    }
                }
            })
        };
        drop(first);
        let mut second = time::sleep_until(&driver, 20);
        assert!(poll_with(&mut second, &wakes).is_pending());
        assert_eq!(driving.join().unwrap(), 20, "fired at its deadline");
        assert_eq!(wakes.get(), 1, "the second timer woke its waker once");
        assert!(poll_with(&mut second, &wakes).is_ready());
        assert_eq!(time::pending(&driver), 0);
    });
}
