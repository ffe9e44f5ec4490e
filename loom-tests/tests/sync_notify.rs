//! loom models of the signalling primitives (`runtime-core/src/sync/`:
//! `notify.rs`, `event.rs`, `promise.rs`; the waiter-queue design is in the
//! directory's README).
//!
//! The primitives are public API built on the shim, so under
//! `cfg(runtime_loom)` their one lock is a loom `Mutex` and the models drive
//! them directly: `sync_support::block_on` (a loom condvar) on loom threads
//! where a lost wakeup must show up as a deadlock, and hand-polling with a
//! counting waker where a model needs a waiter registered at a known point.
//! The models check that
//!
//! - `Notify`: a `notify_one` before, during or after `notified().await` is
//!   never lost; a stored permit is consumed exactly once; a waiter
//!   cancelled after `notify_one` chose it passes the notification on;
//!   `notify_waiters` wakes every future created before it, polled or not;
//! - `Event`: a `set` racing `wait` is never lost, and a waiter queued when
//!   the flag was set returns even if `clear` follows at once;
//! - `Promise`: `set_result` and `cancel` race, exactly one wins, and every
//!   waiter and the done callback (run exactly once) see that outcome.
#![cfg(runtime_loom)]

mod sync_support;

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;
use loom_tests::{check, poll_once, Counter, Gate};
use runtime_core::sync::{Event, Notify, Promise, PromiseCancelled, PromiseOutcome};
// Shared through std's `Arc`: the objects inside are loom's anyway.
use std::sync::Arc;
use sync_support::{block_on, poll_with, unless};

// ---------------------------------------------------------------- Notify

/// `notify_one` on another thread lands before the waiter's first poll (a
/// stored permit), or after it enqueued (a wake). The waiter always returns
/// (a lost wakeup would be a deadlock), and the notification is used up: a
/// later `notified()` waits.
#[test]
fn notify_one_races_notified() {
    check("notify_one_races_notified", || {
        let notify = Arc::new(Notify::new());
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        block_on(notify.notified());
        notifier.join().unwrap();
        let mut later = notify.notified();
        assert!(
            poll_once(&mut later).is_pending(),
            "one notify_one completed two waits"
        );
    });
}

/// A stored permit and two `notified()` polled at once on two threads:
/// exactly one takes the permit; the other waits (and, dropped, passes
/// nothing on).
#[test]
fn notify_permit_consumed_once() {
    check("notify_permit_consumed_once", || {
        let notify = Arc::new(Notify::new());
        notify.notify_one();
        let other = {
            let notify = notify.clone();
            thread::spawn(move || poll_once(&mut notify.notified()).is_ready())
        };
        let mine = poll_once(&mut notify.notified()).is_ready();
        let theirs = other.join().unwrap();
        assert!(
            mine != theirs,
            "the permit must complete exactly one wait (main: {mine}, other: {theirs})"
        );
        assert!(
            poll_once(&mut notify.notified()).is_pending(),
            "the permit is gone"
        );
    });
}

/// `first` and `second` are queued; another thread calls `notify_one` (which
/// chooses `first`) while the main thread drops `first`. Whether the drop
/// came before (`second` is chosen directly) or after (`first` passes its
/// notification on), `second` is woken exactly once, and no permit is left
/// over.
#[test]
fn notify_cancelled_after_chosen_passes_on() {
    check("notify_cancelled_after_chosen_passes_on", || {
        let notify = Arc::new(Notify::new());
        let (first_wakes, second_wakes) = (Counter::new(), Counter::new());
        let mut first = notify.notified();
        let mut second = notify.notified();
        assert!(poll_with(&mut first, &first_wakes).is_pending());
        assert!(poll_with(&mut second, &second_wakes).is_pending());

        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        drop(first);
        notifier.join().unwrap();

        assert_eq!(second_wakes.get(), 1, "the notification reached `second`");
        assert!(poll_with(&mut second, &second_wakes).is_ready());
        assert!(
            poll_once(&mut notify.notified()).is_pending(),
            "one notify_one, one completed wait: no permit left"
        );
    });
}

/// The same hand-off with the waiters on their own threads: `cancellable`
/// waits until notified or a gate opens, `patient` until notified. The main
/// thread calls `notify_one` and opens the gate, so `cancellable` may give
/// up while queued, after `notify_one` chose it, or not at all (it took the
/// notification: then the main thread notifies once more, after joining
/// it). `patient` always returns (a notification swallowed by the
/// cancelled waiter is a deadlock), and no permit is left over.
#[test]
fn notify_waiter_cancelled_on_its_thread() {
    check("notify_waiter_cancelled_on_its_thread", || {
        let notify = Arc::new(Notify::new());
        let gate = Gate::new();
        let cancellable = {
            let (notify, gate) = (notify.clone(), gate.clone());
            thread::spawn(move || block_on(unless(notify.notified(), gate.wait())).is_some())
        };
        let patient = {
            let notify = notify.clone();
            thread::spawn(move || block_on(notify.notified()))
        };
        notify.notify_one();
        gate.open();
        if cancellable.join().unwrap() {
            notify.notify_one();
        }
        patient.join().unwrap();
        assert!(
            poll_once(&mut notify.notified()).is_pending(),
            "every notification completed exactly one wait"
        );
    });
}

/// `notify_waiters` wakes every `Notified` created before it: one created
/// on the main thread and not yet polled, one on another thread whose first
/// poll races the call (before it: the generation moved; after: its node is
/// unlinked). It stores no permit.
#[test]
fn notify_waiters_wakes_every_waiter() {
    check("notify_waiters_wakes_every_waiter", || {
        let notify = Arc::new(Notify::new());
        let created = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (notify, created) = (notify.clone(), created.clone());
            thread::spawn(move || {
                let notified = notify.notified();
                created.store(1, SeqCst);
                block_on(notified);
            })
        };
        let unpolled = notify.notified();
        while created.load(SeqCst) == 0 {
            thread::yield_now();
        }
        notify.notify_waiters();
        block_on(unpolled);
        waiter.join().unwrap();
        assert!(
            poll_once(&mut notify.notified()).is_pending(),
            "notify_waiters stores no permit"
        );
    });
}

// ----------------------------------------------------------------- Event

/// `set` on the main thread races a waiter's `wait().await` on another:
/// the waiter always returns.
#[test]
fn event_set_races_wait() {
    check("event_set_races_wait", || {
        let event = Arc::new(Event::new());
        let waiter = {
            let event = event.clone();
            thread::spawn(move || block_on(event.wait()))
        };
        event.set();
        waiter.join().unwrap();
        assert!(event.is_set());
    });
}

/// A waiter queued while the flag is clear; then `set` and `clear` race on
/// two threads. The waiter returns whatever the order (a `clear` right
/// after the `set` does not take back the wakeup, as in asyncio), and a new
/// `wait` agrees with `is_set`.
#[test]
fn event_set_and_clear_race_queued_waiter() {
    check("event_set_and_clear_race_queued_waiter", || {
        let event = Arc::new(Event::new());
        let wakes = Counter::new();
        let mut queued = Box::pin(event.wait());
        assert!(poll_with(&mut queued, &wakes).is_pending());

        let setter = {
            let event = event.clone();
            thread::spawn(move || event.set())
        };
        let clearer = {
            let event = event.clone();
            thread::spawn(move || event.clear())
        };
        block_on(queued);
        setter.join().unwrap();
        clearer.join().unwrap();

        let set = event.is_set();
        let mut fresh = Box::pin(event.wait());
        assert_eq!(
            poll_once(&mut fresh).is_ready(),
            set,
            "a new wait returns at once exactly when the flag is set"
        );
    });
}

// --------------------------------------------------------------- Promise

/// `set_result(7)` and `cancel()` race on two threads, each of which then
/// waits on the promise, while the main thread waits from the start; a done
/// callback was registered first. Exactly one of the two wins; the callback
/// runs exactly once with that outcome, and all three waiters see it.
#[test]
fn promise_set_result_races_cancel_and_wait() {
    check("promise_set_result_races_cancel_and_wait", || {
        let promise = Promise::<usize>::new();
        let runs = Counter::new();
        let seen = Arc::new(std::sync::Mutex::new(None));
        {
            let (runs, seen) = (runs.clone(), seen.clone());
            promise.add_done_callback(move |outcome| {
                runs.incr();
                *seen.lock().unwrap() = Some(outcome.clone());
            });
        }
        let setter = {
            let promise = promise.clone();
            thread::spawn(move || {
                let won = promise.set_result(7).is_ok();
                (won, block_on(promise.wait()))
            })
        };
        let canceller = {
            let promise = promise.clone();
            thread::spawn(move || {
                let won = promise.cancel();
                (won, block_on(promise.wait()))
            })
        };
        let main_saw = block_on(promise.wait());
        let (set_won, setter_saw) = setter.join().unwrap();
        let (cancel_won, canceller_saw) = canceller.join().unwrap();

        assert!(
            set_won != cancel_won,
            "exactly one of set_result and cancel wins (set: {set_won}, cancel: {cancel_won})"
        );
        let expected = if set_won {
            Ok(7)
        } else {
            Err(PromiseCancelled::default())
        };
        for saw in [main_saw, setter_saw, canceller_saw] {
            assert_eq!(saw, expected, "every waiter sees the winning outcome");
        }
        assert_eq!(runs.get(), 1, "the done callback runs exactly once");
        let outcome = seen.lock().unwrap().take();
        let expected = if set_won {
            PromiseOutcome::Value(7)
        } else {
            PromiseOutcome::Cancelled
        };
        assert_eq!(outcome, Some(expected), "the callback saw the winner");
    });
}
