//! Mutex and RwLock: exclusion, FIFO fairness, writer preference,
//! cancellation after being chosen, owned and blocking forms.

use super::util::{block_on, scaled, spawn, watchdog, Probe};
use crate::loom::sync::Arc;
use crate::sync::{Mutex, MutexGuard, RwLock, TryLockError};

#[test]
fn mutex_excludes_across_threads() {
    watchdog("mutex_counter", || {
        const INCREMENTS: usize = scaled(2_000);
        let m = Arc::new(Mutex::new(0u64));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let m = m.clone();
                spawn(&format!("incr-{t}"), move || {
                    for i in 0..INCREMENTS {
                        if i % 2 == 0 {
                            block_on(async {
                                let mut g = m.lock().await;
                                let v = *g;
                                std::thread::yield_now();
                                *g = v + 1;
                            });
                        } else {
                            *m.blocking_lock() += 1;
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*m.try_lock().unwrap(), 4 * INCREMENTS as u64);
    });
}

#[test]
fn mutex_waiters_get_the_lock_in_fifo_order() {
    let m = Mutex::new(Vec::new());
    let held = m.try_lock().unwrap();
    let mut waiters: Vec<_> = (0..4)
        .map(|i| {
            let m = &m;
            Probe::new(async move { m.lock().await.push(i) })
        })
        .collect();
    for w in &mut waiters {
        w.pending();
    }
    assert_eq!(m.try_lock().unwrap_err(), TryLockError);
    drop(held);
    for i in 0..4 {
        assert_eq!(waiters[i].wakes(), 1, "waiter {i} is next");
        assert!(waiters[i + 1..].iter().all(|w| w.wakes() == 0));
        waiters[i].ready(); // takes the lock, pushes, unlocks
    }
    assert_eq!(*m.try_lock().unwrap(), [0, 1, 2, 3]);
}

#[test]
fn mutex_lock_cancelled_after_being_handed_the_lock_passes_it_on() {
    let m = Mutex::new(0);
    let held = m.try_lock().unwrap();
    let mut a = Probe::new(m.lock());
    let mut b = Probe::new(m.lock());
    a.pending();
    b.pending();
    drop(held);
    assert_eq!(a.wakes(), 1);
    drop(a);
    assert_eq!(b.wakes(), 1);
    *b.ready() += 1;
    drop(b);
    assert_eq!(*m.try_lock().unwrap(), 1, "the lock is free again");
}

#[test]
fn mutex_owned_guard_get_mut_into_inner() {
    watchdog("mutex_owned_guard", || {
        let m = Arc::new(Mutex::new(String::from("a")));
        let mut g = block_on(m.clone().lock_owned());
        g.push('b');
        assert!(m.clone().try_lock_owned().is_err());
        let t = spawn("guard-mover", move || {
            g.push('c');
            drop(g);
        });
        block_on(m.lock()).push('d'); // waits for the other thread's unlock
        t.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), "abcd");
        let mut m = Arc::try_unwrap(m).unwrap();
        m.get_mut().push('e');
        assert_eq!(m.into_inner(), "abcde");
    });
}

#[test]
fn mutex_guard_knows_its_mutex_and_debug_does_not_block() {
    let m = Mutex::new(5);
    assert_eq!(format!("{m:?}"), "Mutex { data: 5 }");
    let g = m.try_lock().unwrap();
    assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    assert_eq!(format!("{g:?}"), "5");
}

#[test]
fn rwlock_readers_share_writers_exclude() {
    let l = RwLock::new(1);
    let r1 = l.try_read().unwrap();
    let r2 = block_on(l.read());
    assert_eq!(*r1 + *r2, 2);
    assert!(l.try_write().is_err());
    let mut w = Probe::new(l.write());
    w.pending();
    drop(r1);
    w.pending();
    drop(r2);
    assert_eq!(w.wakes(), 1);
    let mut g = w.ready();
    *g = 7;
    assert!(l.try_read().is_err());
    let r = g.downgrade();
    assert_eq!(*r, 7);
    assert!(l.try_read().is_ok(), "downgraded: readers may join");
    assert!(l.try_write().is_err());
}

#[test]
fn rwlock_waiting_writer_blocks_later_readers() {
    let l = RwLock::new(0);
    let r = l.try_read().unwrap();
    let mut w = Probe::new(l.write());
    w.pending();
    assert_eq!(
        l.try_read().unwrap_err(),
        TryLockError,
        "a queued writer blocks new readers"
    );
    let mut late_reader = Probe::new(l.read());
    late_reader.pending();
    drop(r);
    assert_eq!((w.wakes(), late_reader.wakes()), (1, 0));
    let wg = w.ready();
    late_reader.pending();
    drop(wg);
    assert_eq!(late_reader.wakes(), 1);
    drop(late_reader.ready());
}

#[test]
fn rwlock_writer_cancelled_while_collecting_permits_passes_them_on() {
    let l = RwLock::new(0);
    let r = l.try_read().unwrap();
    let mut w = Probe::new(l.write());
    w.pending(); // holds all free permits but one
    let mut readers: Vec<_> = (0..3).map(|_| Probe::new(l.read())).collect();
    for rd in &mut readers {
        rd.pending();
    }
    drop(w);
    for rd in &mut readers {
        assert_eq!(rd.wakes(), 1, "readers behind the cancelled writer proceed");
        drop(rd.ready());
    }
    drop(readers);
    drop(r);
    assert!(l.try_write().is_ok(), "every permit came back");
}

#[test]
fn rwlock_owned_and_blocking_forms() {
    watchdog("rwlock_owned_blocking", || {
        let l = Arc::new(RwLock::new(vec![1]));
        let w = block_on(l.clone().write_owned());
        let reader = {
            let l = l.clone();
            spawn("blocking-reader", move || l.blocking_read().len())
        };
        let mut w = w;
        w.push(2);
        let r = w.downgrade();
        assert_eq!(reader.join().unwrap(), 2);
        assert!(l.clone().try_write_owned().is_err());
        drop(r);
        l.blocking_write().push(3);
        let r = l.clone().try_read_owned().unwrap();
        assert_eq!(*r, [1, 2, 3]);
        drop(r);
        let mut l = Arc::try_unwrap(l).unwrap();
        l.get_mut().clear();
        assert!(l.into_inner().is_empty());
    });
}

#[test]
fn lock_types_are_send_and_sync() {
    fn check<T: Send + Sync>(_: &T) {}
    let m = Mutex::new(1);
    check(&m);
    check(&m.lock());
    check(&m.try_lock().unwrap());
    let l = RwLock::new(1);
    check(&l);
    check(&l.read());
    check(&l.write());
}
