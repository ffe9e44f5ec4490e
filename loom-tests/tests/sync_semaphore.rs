//! loom models of the semaphore family (`runtime-core/src/sync/`:
//! `semaphore.rs`, and `mutex.rs`, which is a one-permit semaphore beside an
//! `UnsafeCell`; the waiter-queue design is in the directory's README).
//!
//! The primitives are public API built on the shim, so under
//! `cfg(runtime_loom)` their one lock is a loom `Mutex` and the models drive
//! them directly: `sync_support::block_on` (a loom condvar) on loom threads
//! where a lost wakeup must show up as a deadlock, and hand-polling with a
//! counting waker where a model needs a waiter registered (queued) at a
//! known point, e.g. to cancel it after it may have been chosen. The models
//! check that
//!
//! - permits are conserved: never more held than exist, all back at the end;
//! - a waiter cancelled after it was chosen (permits assigned to it, fully
//!   or partly) passes them to the next waiter, which is woken;
//! - `close` wakes every waiter, fails the unserved ones and returns their
//!   partial permits to the pool;
//! - the lock-free fast paths (a CAS on the permit word) never lose a permit
//!   or a wakeup against the queue: a release racing a waiter's enqueue, a
//!   `try_acquire` racing a hand-off (it never barges past a queued waiter),
//!   a release racing the last waiter's cancellation (the `WAITERS` bit
//!   cleared under a stale look), and a chosen waiter's cancellation (read
//!   from `finished` without the mutex) racing a release;
//! - the `Mutex` excludes: a read-increment-write of a counter through two
//!   separate atomic operations under the lock never loses an update (and
//!   loom checks the data cell itself for concurrent access), and a `lock`
//!   future dropped after the lock was handed to it passes the lock on.
#![cfg(runtime_loom)]

mod sync_support;

use loom::sync::atomic::{AtomicUsize, Ordering::*};
use loom::thread;
use loom_tests::{check, Counter, Gate};
use runtime_core::sync::{Mutex, Semaphore};
// The primitives are shared through std's `Arc`: `acquire_owned` and
// `try_lock_owned` take one, and the objects inside are loom's anyway.
use std::sync::Arc;
use std::task::Poll;
use sync_support::{block_on, poll_with, unless};

/// Takes `n` permits, asserting that the holders never exceed `total`;
/// [`give_back`] undoes it.
fn take(held: &AtomicUsize, n: usize, total: usize) {
    let before = held.fetch_add(n, SeqCst);
    assert!(
        before + n <= total,
        "{} permits held at once, only {total} exist",
        before + n
    );
}

fn give_back(held: &AtomicUsize, n: usize) {
    held.fetch_sub(n, SeqCst);
}

// ------------------------------------------------------------- Semaphore

/// Two permits; one thread takes both at once (`acquire_many(2)`, which at
/// the head of the queue accumulates permits as they are released) while
/// another thread and the main thread take one each, everyone releasing
/// what it took. Never more than two held, nobody hangs, both permits free
/// at the end.
#[test]
fn semaphore_contention_conserves_permits() {
    check("semaphore_contention_conserves_permits", || {
        let sem = Arc::new(Semaphore::new(2));
        let held = Arc::new(AtomicUsize::new(0));
        let many = {
            let (sem, held) = (sem.clone(), held.clone());
            thread::spawn(move || {
                let permit = block_on(sem.acquire_many(2)).unwrap();
                take(&held, 2, 2);
                give_back(&held, 2);
                drop(permit);
            })
        };
        let one = || {
            let (sem, held) = (sem.clone(), held.clone());
            move || {
                let permit = block_on(sem.acquire()).unwrap();
                take(&held, 1, 2);
                give_back(&held, 1);
                drop(permit);
            }
        };
        let other = thread::spawn(one());
        one()();
        many.join().unwrap();
        other.join().unwrap();
        assert_eq!(sem.available_permits(), 2, "every permit came back");
    });
}

/// The heart of the fairness protocol: a waiter cancelled after permits were
/// assigned to it. `first` waits for two permits and `second` for one, both
/// queued in that order on an empty semaphore; another thread adds one
/// permit and then another (two critical sections) while the main thread
/// drops `first`. The drop lands before any permit (nothing assigned),
/// between them (`first`, the head, holds one: a partial assignment) or
/// after both (`first` was chosen and woken, holding two). In every case
/// `second` is woken exactly once and gets its permit, and the rest goes
/// back to the pool.
#[test]
fn semaphore_cancelled_after_chosen_passes_permits_on() {
    check("semaphore_cancelled_after_chosen_passes_permits_on", || {
        let sem = Arc::new(Semaphore::new(0));
        let (first_wakes, second_wakes) = (Counter::new(), Counter::new());
        let mut first = Box::pin(sem.acquire_many(2));
        let mut second = Box::pin(sem.acquire());
        assert!(poll_with(&mut first, &first_wakes).is_pending());
        assert!(poll_with(&mut second, &second_wakes).is_pending());

        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || {
                sem.add_permits(1);
                sem.add_permits(1);
            })
        };
        drop(first);
        releaser.join().unwrap();

        assert_eq!(
            second_wakes.get(),
            1,
            "the next waiter is woken once: the cancelled waiter passed its permits on"
        );
        let Poll::Ready(Ok(permit)) = poll_with(&mut second, &second_wakes) else {
            panic!("the woken waiter has its permit");
        };
        assert_eq!(sem.available_permits(), 1, "the other permit is free");
        drop(permit);
        assert_eq!(sem.available_permits(), 2, "both permits are back");
    });
}

/// The same hand-off with the waiters on their own threads: the permit is
/// held; `cancellable` waits for it until a gate opens, `patient` waits for
/// it regardless. The main thread releases the permit (choosing whichever
/// waiter queued first) and then opens the gate, so `cancellable` may give
/// up while queued, after it was chosen and woken, or not at all (it got
/// the permit and releases it). `patient` always gets the permit (a permit
/// lost with the cancelled waiter is a deadlock), and it is free at the end.
#[test]
fn semaphore_waiter_cancelled_on_its_thread() {
    check("semaphore_waiter_cancelled_on_its_thread", || {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.clone().try_acquire_owned().expect("a free permit");
        let gate = Gate::new();
        let cancellable = {
            let (sem, gate) = (sem.clone(), gate.clone());
            thread::spawn(move || {
                drop(block_on(unless(sem.acquire(), gate.wait())));
            })
        };
        let patient = {
            let sem = sem.clone();
            thread::spawn(move || {
                drop(block_on(sem.acquire()).expect("not closed"));
            })
        };
        drop(held);
        gate.open();
        cancellable.join().unwrap();
        patient.join().unwrap();
        assert_eq!(sem.available_permits(), 1, "the permit is back");
    });
}

/// `close` races two waiters on a one-permit semaphore: one wants two
/// permits (it can never be served, and at the head it takes the free permit
/// as a partial assignment), the other one. Every waiter returns (close
/// wakes the queued ones), the two-permit waiter always fails, and the one
/// permit is back in the pool at the end: the partial assignment was
/// returned, and a permit granted before the close stays valid.
#[test]
fn semaphore_close_wakes_waiters() {
    check("semaphore_close_wakes_waiters", || {
        let sem = Arc::new(Semaphore::new(1));
        let many = {
            let sem = sem.clone();
            thread::spawn(move || {
                assert!(
                    block_on(sem.acquire_many(2)).is_err(),
                    "two permits of one can only end in AcquireError"
                );
            })
        };
        let one = {
            let sem = sem.clone();
            thread::spawn(move || {
                // Either served before the close, or failed by it.
                drop(block_on(sem.acquire()));
            })
        };
        sem.close();
        many.join().unwrap();
        one.join().unwrap();
        assert!(sem.is_closed());
        assert_eq!(sem.available_permits(), 1, "the one permit is back");
    });
}

// ------------------------------------------- the fast path against the queue

/// A release racing a waiter's enqueue, with a partial assignment: two
/// permits, one held by another thread, and the main thread asks for both.
/// Its fast path fails; under the mutex it either finds the second permit
/// already back (the release's CAS came first: it takes both and never
/// waits) or becomes the head holding the one free permit, with `WAITERS`
/// set in the same CAS, so the release's CAS fails and the release hands its
/// permit over under the mutex. The release may also land between the
/// failed fast path and the mutex. Either way the main thread gets both
/// permits (a permit stranded in the word while its waiter sleeps is a
/// deadlock) and both are free at the end.
#[test]
fn semaphore_release_races_enqueue() {
    check("semaphore_release_races_enqueue", || {
        let sem = Arc::new(Semaphore::new(2));
        let held = sem.clone().try_acquire_owned().expect("a free permit");
        let releaser = thread::spawn(move || drop(held));
        let both = block_on(sem.acquire_many(2)).expect("not closed");
        assert_eq!(sem.available_permits(), 0, "both permits are held");
        releaser.join().unwrap();
        drop(both);
        assert_eq!(sem.available_permits(), 2, "both permits are back");
    });
}

/// No barging: with a waiter queued, a permit released on another thread
/// goes to that waiter, and a `try_acquire` racing the release (the fast
/// path: a CAS on the permit word) always fails, whether it runs before,
/// during or after the hand-off.
#[test]
fn semaphore_try_acquire_never_barges() {
    check("semaphore_try_acquire_never_barges", || {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.clone().try_acquire_owned().expect("a free permit");
        let wakes = Counter::new();
        let mut waiter = Box::pin(sem.acquire());
        assert!(poll_with(&mut waiter, &wakes).is_pending());

        let releaser = thread::spawn(move || drop(held));
        let barger = {
            let sem = sem.clone();
            thread::spawn(move || {
                assert!(
                    sem.try_acquire().is_err(),
                    "try_acquire overtook a queued waiter"
                );
            })
        };
        releaser.join().unwrap();
        barger.join().unwrap();

        assert_eq!(wakes.get(), 1, "the waiter is woken once");
        let Poll::Ready(Ok(permit)) = poll_with(&mut waiter, &wakes) else {
            panic!("the woken waiter has the permit");
        };
        assert_eq!(sem.available_permits(), 0);
        drop(permit);
        assert_eq!(sem.available_permits(), 1, "the permit is back");
    });
}

/// The last waiter cancelled while a release races it, with a fast-path
/// `try_acquire` on a third thread. The cancellation lands before the
/// release (the waiter leaves, the list runs empty and `WAITERS` is
/// cleared, so the release may take the fast path, or take the slow path on
/// a stale look at the word and find nobody to hand the permit to), or after
/// it (the waiter was chosen: its drop sees `finished` without the mutex and
/// releases the permit again, now by the fast path). The taker may get the
/// permit in between, and gives it back. Never two holders, and the one
/// permit is free at the end.
#[test]
fn semaphore_last_waiter_cancel_races_release() {
    check("semaphore_last_waiter_cancel_races_release", || {
        let sem = Arc::new(Semaphore::new(1));
        let held_count = Arc::new(AtomicUsize::new(0));
        let held = sem.clone().try_acquire_owned().expect("a free permit");
        take(&held_count, 1, 1);
        let wakes = Counter::new();
        let mut waiter = Box::pin(sem.acquire());
        assert!(poll_with(&mut waiter, &wakes).is_pending());

        let releaser = {
            let held_count = held_count.clone();
            thread::spawn(move || {
                give_back(&held_count, 1);
                drop(held);
            })
        };
        let taker = {
            let (sem, held_count) = (sem.clone(), held_count.clone());
            thread::spawn(move || {
                if let Ok(permit) = sem.try_acquire() {
                    take(&held_count, 1, 1);
                    give_back(&held_count, 1);
                    drop(permit);
                }
            })
        };
        drop(waiter);
        releaser.join().unwrap();
        taker.join().unwrap();
        assert_eq!(sem.available_permits(), 1, "the permit is back");
        assert!(sem.try_acquire().is_ok(), "and takeable");
    });
}

/// A waiter cancelled after it was chosen, racing a release: two permits,
/// both held; `first` and `second` queued (one permit each). The main thread
/// releases one permit, which chooses `first`. Then, on two threads, `first`
/// is dropped (its drop sees it was served, without the mutex, and gives
/// the permit back: to `second`, still queued) while the other permit is
/// released. Whichever comes first serves `second` and empties the queue
/// (clearing `WAITERS`); the other then finds nobody waiting, by the fast
/// path or, on a stale look at the word, by the slow path. `second` is woken
/// exactly once and served; one permit is free while it holds the other.
#[test]
fn semaphore_chosen_cancel_races_release() {
    check("semaphore_chosen_cancel_races_release", || {
        let sem = Arc::new(Semaphore::new(2));
        let p1 = sem.clone().try_acquire_owned().expect("a free permit");
        let p2 = sem.clone().try_acquire_owned().expect("a free permit");
        let (first_wakes, second_wakes) = (Counter::new(), Counter::new());
        let mut first = Box::pin(sem.clone().acquire_owned());
        let mut second = Box::pin(sem.acquire());
        assert!(poll_with(&mut first, &first_wakes).is_pending());
        assert!(poll_with(&mut second, &second_wakes).is_pending());
        drop(p1);
        assert_eq!(first_wakes.get(), 1, "`first` was chosen");

        let canceller = thread::spawn(move || drop(first));
        let releaser = thread::spawn(move || drop(p2));
        canceller.join().unwrap();
        releaser.join().unwrap();

        assert_eq!(second_wakes.get(), 1, "`second` is woken once");
        let Poll::Ready(Ok(permit)) = poll_with(&mut second, &second_wakes) else {
            panic!("the woken waiter has its permit");
        };
        assert_eq!(sem.available_permits(), 1, "the other permit is free");
        drop(permit);
        assert_eq!(sem.available_permits(), 2, "both permits are back");
    });
}

// ----------------------------------------------------------------- Mutex

/// Two lockers (a thread and the main thread) each read a counter, then
/// write it back incremented, with two separate atomic operations (Relaxed,
/// so only the lock orders them): without mutual exclusion, or without the
/// lock's release/acquire ordering, an update would be lost. Each also
/// increments the protected data, whose `UnsafeCell` loom checks for
/// concurrent access.
#[test]
fn mutex_excludes() {
    check("mutex_excludes", || {
        let mutex = Arc::new(Mutex::new(0usize));
        let counter = Arc::new(AtomicUsize::new(0));
        let locker = || {
            let (mutex, counter) = (mutex.clone(), counter.clone());
            move || {
                let mut guard = block_on(mutex.lock());
                let seen = counter.load(Relaxed);
                counter.store(seen + 1, Relaxed);
                *guard += 1;
            }
        };
        let other = thread::spawn(locker());
        locker()();
        other.join().unwrap();
        assert_eq!(
            counter.load(Relaxed),
            2,
            "an update under the lock was lost"
        );
        assert_eq!(*mutex.try_lock().expect("the lock is free"), 2);
    });
}

/// A `lock` future cancelled after the lock may have been handed to it:
/// `first` and `second` are queued behind a held guard; another thread
/// drops the guard (handing the lock to `first`) while the main thread
/// drops `first`. Either way `second` is woken and gets the lock, and only
/// it holds it.
#[test]
fn mutex_cancelled_lock_passes_lock_on() {
    check("mutex_cancelled_lock_passes_lock_on", || {
        let mutex = Arc::new(Mutex::new(()));
        let guard = mutex.clone().try_lock_owned().expect("the lock is free");
        let (first_wakes, second_wakes) = (Counter::new(), Counter::new());
        let mut first = Box::pin(mutex.lock());
        let mut second = Box::pin(mutex.lock());
        assert!(poll_with(&mut first, &first_wakes).is_pending());
        assert!(poll_with(&mut second, &second_wakes).is_pending());

        let unlocker = thread::spawn(move || drop(guard));
        drop(first);
        unlocker.join().unwrap();

        assert_eq!(second_wakes.get(), 1, "the next locker is woken once");
        let Poll::Ready(held) = poll_with(&mut second, &second_wakes) else {
            panic!("the woken locker has the lock");
        };
        assert!(mutex.try_lock().is_err(), "the lock is held by `second`");
        drop(held);
        assert!(mutex.try_lock().is_ok(), "and free once it unlocks");
    });
}
