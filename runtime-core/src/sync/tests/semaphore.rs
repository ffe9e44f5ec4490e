//! Semaphore and BoundedSemaphore: the seed's limited crawler, strict FIFO,
//! cancellation after permits were assigned, close, forget, bounds.

use super::util::{block_on, spawn, watchdog, Probe};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Arc;
use crate::sync::{AcquireError, BoundedSemaphore, Semaphore, TryAcquireError};
use std::time::Duration;

/// The seed's crawler: 10 fetches, `Semaphore(3)`, never more than three in
/// flight, and (since each fetch lingers until it sees as many companions as
/// can exist) the high-water mark is exactly 3.
#[test]
fn seed_crawler_limits_concurrency_to_three() {
    watchdog("seed_crawler", || {
        const URLS: usize = 10;
        let sem = Arc::new(Semaphore::new(3));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let high_water = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let fetches: Vec<_> = (0..URLS)
            .map(|i| {
                let (sem, in_flight, high_water, finished) = (
                    sem.clone(),
                    in_flight.clone(),
                    high_water.clone(),
                    finished.clone(),
                );
                spawn(&format!("fetch-{i}"), move || {
                    block_on(async {
                        let _permit = sem.acquire().await.unwrap(); // async with semaphore:
                        let now = in_flight.fetch_add(1, SeqCst) + 1;
                        high_water.fetch_max(now, SeqCst);
                        assert!(now <= 3, "{now} fetches in flight with Semaphore(3)");
                        // "fetching": linger until as many fetches are in
                        // flight as can be, so the high-water mark is 3.
                        while in_flight.load(SeqCst) < 3.min(URLS - finished.load(SeqCst)) {
                            std::thread::sleep(Duration::from_micros(200));
                        }
                        in_flight.fetch_sub(1, SeqCst);
                        finished.fetch_add(1, SeqCst);
                    })
                })
            })
            .collect();
        for f in fetches {
            f.join().unwrap();
        }
        assert_eq!(high_water.load(SeqCst), 3);
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn large_acquire_many_at_the_head_blocks_later_small_ones() {
    let sem = Semaphore::new(2);
    let mut big = Probe::new(sem.acquire_many(5));
    big.pending();
    assert_eq!(
        sem.available_permits(),
        0,
        "the head collects the free permits"
    );
    let mut small = Probe::new(sem.acquire());
    small.pending();
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert_eq!(block_on(sem.acquire_many(0)).unwrap().num_permits(), 0);
    sem.add_permits(1);
    assert_eq!(small.wakes(), 0, "the small request must not overtake");
    small.pending();
    sem.add_permits(2);
    assert_eq!(big.wakes(), 1);
    let big_permit = big.ready().unwrap();
    assert_eq!(big_permit.num_permits(), 5);
    small.pending();
    drop(big_permit);
    assert_eq!(small.wakes(), 1);
    let p = small.ready().unwrap();
    assert_eq!(sem.available_permits(), 4);
    drop(p);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn waiters_are_served_in_fifo_order() {
    let sem = Semaphore::new(0);
    let mut waiters: Vec<_> = (0..5).map(|_| Probe::new(sem.acquire())).collect();
    for w in &mut waiters {
        w.pending();
    }
    for i in 0..5 {
        sem.add_permits(1);
        for (j, w) in waiters.iter().enumerate() {
            assert_eq!(w.wakes(), usize::from(j <= i), "after {} releases", i + 1);
        }
    }
    for w in &mut waiters {
        w.ready().unwrap().forget();
    }
}

#[test]
fn waiter_cancelled_after_permits_were_assigned_passes_them_on() {
    let sem = Semaphore::new(0);
    let mut a = Probe::new(sem.acquire());
    let mut b = Probe::new(sem.acquire());
    a.pending();
    b.pending();
    sem.add_permits(1);
    assert_eq!((a.wakes(), b.wakes()), (1, 0));
    drop(a); // chosen, woken, cancelled before it ran
    assert_eq!(b.wakes(), 1, "the permit passes to the next waiter");
    let p = b.ready().unwrap();
    assert_eq!(sem.available_permits(), 0);
    drop(p);
    assert_eq!(sem.available_permits(), 1);

    // A head holding a partial assignment gives it to the waiters behind.
    let sem = Semaphore::new(0);
    let mut big = Probe::new(sem.acquire_many(3));
    let mut small = Probe::new(sem.acquire());
    big.pending();
    small.pending();
    sem.add_permits(2);
    assert_eq!(sem.available_permits(), 0);
    drop(big);
    assert_eq!(small.wakes(), 1);
    small.ready().unwrap().forget();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn close_fails_waiters_and_new_acquires_but_keeps_granted_permits() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut w = Probe::new(sem.acquire_many(2));
    w.pending();
    sem.close();
    assert!(sem.is_closed());
    assert_eq!(w.wakes(), 1);
    assert_eq!(w.ready().unwrap_err(), AcquireError);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    assert_eq!(block_on(sem.acquire()).unwrap_err(), AcquireError);
    drop(held);
    assert_eq!(sem.available_permits(), 1, "permits can still be released");
    assert!(AcquireError.to_string().contains("closed"));
}

#[test]
fn forget_merge_and_owned_permits() {
    let sem = Arc::new(Semaphore::new(4));
    let p = sem.try_acquire().unwrap();
    p.forget();
    assert_eq!(sem.available_permits(), 3);
    let mut a = sem.try_acquire().unwrap();
    let b = sem.try_acquire_many(2).unwrap();
    a.merge(b);
    assert_eq!(a.num_permits(), 3);
    drop(a);
    assert_eq!(sem.available_permits(), 3);

    watchdog("owned_permit_moves_to_a_thread", {
        let sem = sem.clone();
        move || {
            let permit = block_on(sem.clone().acquire_many_owned(3)).unwrap();
            assert_eq!(sem.available_permits(), 0);
            let t = spawn("permit-holder", move || drop(permit));
            // Waits until the other thread drops the owned permit.
            let again = block_on(sem.clone().acquire_owned()).unwrap();
            t.join().unwrap();
            assert!(Arc::ptr_eq(again.semaphore(), &sem));
            assert!(sem.clone().try_acquire_many_owned(3).is_err());
        }
    });
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn bounded_semaphore_refuses_to_exceed_its_bound() {
    let sem = BoundedSemaphore::new(2);
    assert_eq!(sem.bound(), 2);
    let err = sem.release().unwrap_err();
    assert_eq!(err.bound(), 2);
    assert!(err.to_string().contains("released too many times"));
    block_on(sem.acquire()).unwrap().forget(); // asyncio: await sem.acquire()
    assert_eq!(sem.available_permits(), 1);
    let held = sem.try_acquire().unwrap();
    assert!(sem.release().is_ok(), "one permit was forgotten"); // asyncio: sem.release()
    assert!(sem.release().is_err());
    drop(held);
    assert_eq!(sem.available_permits(), 2);
    assert!(sem.add_permits(1).is_err());
    let sem = Arc::new(sem);
    let p = sem.clone().try_acquire_many_owned(2).unwrap();
    p.forget();
    assert!(sem.add_permits(2).is_ok());
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn semaphore_types_are_send_and_sync() {
    fn check<T: Send + Sync>(_: &T) {}
    let sem = Semaphore::new(1);
    check(&sem);
    check(&sem.acquire());
    check(&sem.try_acquire().unwrap());
    check(&BoundedSemaphore::new(1));
}
