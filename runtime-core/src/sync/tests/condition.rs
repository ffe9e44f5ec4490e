//! Condition over the module's Mutex.

use super::util::{block_on, scaled, spawn, watchdog, Probe};
use crate::loom::sync::Arc;
use crate::sync::{Condition, Mutex};

#[test]
fn wait_for_a_predicate_across_threads() {
    watchdog("condition_wait_for", || {
        const PER_CONSUMER: u32 = scaled(100) as u32;
        let shared = Arc::new((Mutex::new(Vec::<u32>::new()), Condition::new()));
        let consumers: Vec<_> = (0..3)
            .map(|i| {
                let shared = shared.clone();
                spawn(&format!("cond-consumer-{i}"), move || {
                    let (lock, cond) = &*shared;
                    let mut got = Vec::new();
                    block_on(async {
                        for _ in 0..PER_CONSUMER {
                            let mut jobs = lock.lock().await; // async with cond:
                            jobs = cond.wait_for(jobs, |j| !j.is_empty()).await;
                            got.push(jobs.pop().unwrap());
                        }
                    });
                    got
                })
            })
            .collect();
        let (lock, cond) = &*shared;
        for job in 0..3 * PER_CONSUMER {
            block_on(lock.lock()).push(job);
            cond.notify(1);
        }
        let mut all: Vec<u32> = consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..3 * PER_CONSUMER).collect::<Vec<_>>());
    });
}

#[test]
fn notify_wakes_the_oldest_waiters_and_notify_all_the_rest() {
    let lock = Mutex::new(0);
    let cond = Condition::new();
    let mut ws: Vec<_> = (0..4)
        .map(|_| {
            let (lock, cond) = (&lock, &cond);
            Probe::new(async move {
                let g = lock.lock().await;
                let g = cond.wait(g).await;
                *g
            })
        })
        .collect();
    for w in &mut ws {
        w.pending(); // each registered and released the lock
    }
    assert!(lock.try_lock().is_ok(), "waiting releases the lock");
    cond.notify(2);
    assert_eq!(
        ws.iter().map(|w| w.wakes()).collect::<Vec<_>>(),
        [1, 1, 0, 0]
    );
    cond.notify_all();
    assert!(ws.iter().all(|w| w.wakes() == 1));
    let held = lock.try_lock().unwrap();
    for w in &mut ws {
        w.pending(); // notified, now queued for the lock
    }
    drop(held);
    for w in &mut ws {
        assert_eq!(w.ready(), 0);
    }
}

#[test]
fn waiter_cancelled_after_notify_passes_the_notification_on() {
    let lock = Mutex::new(());
    let cond: Condition<()> = Condition::new();
    let mut a = Probe::new(async { cond.wait(lock.lock().await).await });
    let mut b = Probe::new(async { cond.wait(lock.lock().await).await });
    a.pending();
    b.pending();
    cond.notify(1);
    assert_eq!((a.wakes(), b.wakes()), (1, 0));
    drop(a);
    assert_eq!(b.wakes(), 1, "the notification passed to the next waiter");
    drop(b.ready());
    // After notify_all nothing extra is passed on.
    let mut c = Probe::new(async { cond.wait(lock.lock().await).await });
    c.pending();
    cond.notify_all();
    drop(c);
    let mut d = Probe::new(async { cond.wait(lock.lock().await).await });
    d.pending();
    assert_eq!(d.wakes(), 0);
    assert!(format!("{cond:?}").contains("waiters: 1"));
}

#[test]
fn waiter_cancelled_while_relocking_passes_the_notification_on() {
    let lock = Mutex::new(());
    let cond: Condition<()> = Condition::new();
    let mut a = Probe::new(async { cond.wait(lock.lock().await).await });
    let mut b = Probe::new(async { cond.wait(lock.lock().await).await });
    a.pending();
    b.pending();
    let held = lock.try_lock().unwrap();
    cond.notify(1);
    a.pending(); // notified, now queued for the lock
    assert_eq!(b.wakes(), 0);
    drop(a);
    assert_eq!(b.wakes(), 1, "the notification was passed on");
    b.pending(); // notified, waiting for the lock
    drop(held);
    drop(b.ready());
}
