//! Notify and Event.

use super::util::{block_on, scaled, spawn, watchdog, Probe};
use crate::loom::sync::Arc;
use crate::sync::{Event, Notify};

#[test]
fn notify_one_stores_one_permit() {
    let n = Notify::new();
    n.notify_one();
    n.notify_one(); // permits do not add up
    Probe::new(n.notified()).ready();
    Probe::new(n.notified()).pending();
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    let n = Notify::new();
    let mut ws: Vec<_> = (0..3).map(|_| Probe::new(n.notified())).collect();
    for w in &mut ws {
        w.pending();
    }
    for i in 0..3 {
        n.notify_one();
        assert_eq!(ws[i].wakes(), 1);
        assert!(ws[i + 1..].iter().all(|w| w.wakes() == 0));
    }
    for w in &mut ws {
        w.ready();
    }
    Probe::new(n.notified()).pending(); // nothing stored
}

#[test]
fn notified_cancelled_after_notify_one_passes_it_on() {
    let n = Notify::new();
    let mut a = Probe::new(n.notified());
    let mut b = Probe::new(n.notified());
    a.pending();
    b.pending();
    n.notify_one();
    drop(a);
    assert_eq!(b.wakes(), 1);
    b.ready();
    // With nobody behind it, the notification goes back into the permit.
    let mut c = Probe::new(n.notified());
    c.pending();
    n.notify_one();
    drop(c);
    Probe::new(n.notified()).ready();
}

#[test]
fn notify_waiters_wakes_all_including_created_but_unpolled() {
    let n = Notify::new();
    let mut polled = Probe::new(n.notified());
    polled.pending();
    let mut unpolled = Probe::new(n.notified());
    n.notify_waiters();
    assert_eq!(polled.wakes(), 1);
    polled.ready();
    unpolled.ready();
    Probe::new(n.notified()).pending(); // no permit stored
                                        // A waiter chosen by notify_waiters passes nothing on when cancelled.
    let mut a = Probe::new(n.notified());
    a.pending();
    n.notify_waiters();
    let mut b = Probe::new(n.notified());
    b.pending();
    drop(a);
    assert_eq!(b.wakes(), 0);
}

#[test]
fn notify_across_threads() {
    watchdog("notify_across_threads", || {
        let n = Arc::new(Notify::new());
        let waiter = {
            let n = n.clone();
            spawn("notified", move || {
                for _ in 0..scaled(1_000) {
                    block_on(n.notified());
                }
            })
        };
        while !waiter.is_finished() {
            n.notify_one();
            std::thread::yield_now();
        }
        waiter.join().unwrap();
    });
}

#[test]
fn event_set_wakes_all_and_stays_set_until_cleared() {
    let e = Event::new();
    assert!(!e.is_set());
    let mut ws: Vec<_> = (0..3).map(|_| Probe::new(e.wait())).collect();
    for w in &mut ws {
        w.pending();
    }
    e.set();
    e.clear(); // woken waiters still return: the set happened while they waited
    assert!(!e.is_set());
    for w in &mut ws {
        assert_eq!(w.wakes(), 1);
        w.ready();
    }
    Probe::new(e.wait()).pending();
    e.set();
    Probe::new(e.wait()).ready();
    assert!(format!("{e:?}").contains("set: true"));
}

/// asyncio's `wait()` does nothing until it runs: a `set` and `clear`
/// between creating the future and its first poll are not seen, and it waits
/// for the next `set`.
#[test]
fn event_wait_starts_at_its_first_poll() {
    let e = Event::new();
    let mut w = Probe::new(e.wait());
    e.set();
    e.clear();
    w.pending();
    assert!(format!("{e:?}").contains("waiters: 1"));
    e.set();
    assert_eq!(w.wakes(), 1);
    w.ready();
}

#[test]
fn event_wait_cancelled_leaves_no_waiter_behind() {
    let e = Event::new();
    let mut w = Probe::new(e.wait());
    w.pending();
    drop(w);
    assert!(format!("{e:?}").contains("waiters: 0"));
    e.set();
}

#[test]
fn event_across_threads() {
    watchdog("event_across_threads", || {
        let e = Arc::new(Event::new());
        let waiters: Vec<_> = (0..4)
            .map(|i| {
                let e = e.clone();
                spawn(&format!("event-waiter-{i}"), move || block_on(e.wait()))
            })
            .collect();
        e.set();
        for w in waiters {
            w.join().unwrap();
        }
    });
}
