//! Promise (asyncio.Future).

use super::util::{block_on, scaled, spawn, watchdog, Probe};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Arc, Mutex};
use crate::sync::{Promise, PromiseCancelled, PromiseOutcome};

#[test]
fn set_result_once_then_refused() {
    let p = Promise::new();
    assert!(!p.is_done() && !p.is_cancelled());
    assert_eq!(p.result(), None);
    p.set_result("Hello from the future!").unwrap();
    assert!(p.is_done());
    assert_eq!(
        p.set_result("again"),
        Err("again"),
        "a second set hands the value back"
    );
    assert!(!p.cancel(), "a done promise cannot be cancelled");
    assert_eq!(p.result(), Some(Ok("Hello from the future!")));
    assert_eq!(block_on(p.wait()), Ok("Hello from the future!"));
}

#[test]
fn every_awaiter_gets_the_value() {
    watchdog("promise_awaiters", || {
        let p: Promise<Vec<u32>> = Promise::new();
        let waiters: Vec<_> = (0..6)
            .map(|i| {
                let p = p.clone();
                spawn(&format!("awaiter-{i}"), move || block_on(p.wait()))
            })
            .collect();
        let mut local = Probe::new(p.wait());
        local.pending();
        p.set_result(vec![1, 2, 3]).unwrap();
        assert_eq!(local.wakes(), 1);
        assert_eq!(local.ready(), Ok(vec![1, 2, 3]));
        for w in waiters {
            assert_eq!(w.join().unwrap(), Ok(vec![1, 2, 3]));
        }
    });
}

#[test]
fn cancel_wakes_awaiters_with_an_error() {
    let p: Promise<u8> = Promise::new();
    let mut w = Probe::new(p.wait());
    w.pending();
    assert!(p.cancel());
    assert!(p.is_cancelled() && p.is_done());
    assert!(!p.cancel(), "cancelling twice reports false");
    assert_eq!(w.ready(), Err(PromiseCancelled));
    assert_eq!(p.set_result(1), Err(1));
    assert_eq!(block_on(p.wait()), Err(PromiseCancelled));
    assert!(PromiseCancelled.to_string().contains("cancelled"));
}

#[test]
fn done_callbacks_fire_exactly_once() {
    let p: Promise<u32> = Promise::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    for _ in 0..3 {
        let (calls, seen, p2) = (calls.clone(), seen.clone(), p.clone());
        p.add_done_callback(move |outcome| {
            calls.fetch_add(1, SeqCst);
            seen.lock().push(outcome.clone());
            // The callback runs outside the promise's lock: it may use it.
            assert!(p2.is_done());
        });
    }
    assert_eq!(calls.load(SeqCst), 0);
    p.set_result(7).unwrap();
    assert_eq!(calls.load(SeqCst), 3);
    let _ = p.set_result(8);
    p.cancel();
    assert_eq!(
        calls.load(SeqCst),
        3,
        "completion attempts do not rerun callbacks"
    );
    // Registered after completion: runs at once, once.
    let late = calls.clone();
    p.add_done_callback(move |o| {
        assert_eq!(o.value(), Some(&7));
        late.fetch_add(1, SeqCst);
    });
    assert_eq!(calls.load(SeqCst), 4);
    assert!(seen.lock().iter().all(|o| *o == PromiseOutcome::Value(7)));

    let c: Promise<()> = Promise::new();
    let fired = Arc::new(AtomicUsize::new(0));
    let f = fired.clone();
    c.add_done_callback(move |o| {
        assert!(o.is_cancelled());
        f.fetch_add(1, SeqCst);
    });
    c.cancel();
    c.cancel();
    assert_eq!(fired.load(SeqCst), 1);
}

#[test]
fn racing_setters_exactly_one_wins_and_callbacks_run_once() {
    watchdog("promise_racing_setters", || {
        for _ in 0..scaled(200) {
            let p: Promise<usize> = Promise::new();
            let calls = Arc::new(AtomicUsize::new(0));
            let c = calls.clone();
            p.add_done_callback(move |_| {
                c.fetch_add(1, SeqCst);
            });
            let setters: Vec<_> = (0..3)
                .map(|i| {
                    let p = p.clone();
                    spawn("setter", move || {
                        if i == 2 {
                            usize::from(p.cancel())
                        } else {
                            usize::from(p.set_result(i).is_ok())
                        }
                    })
                })
                .collect();
            let wins: usize = setters.into_iter().map(|s| s.join().unwrap()).sum();
            assert_eq!(wins, 1);
            assert_eq!(calls.load(SeqCst), 1);
        }
    });
}

#[test]
fn abandoned_wait_leaves_no_waiter() {
    let p: Promise<u8> = Promise::new();
    let mut w = Probe::new(p.wait());
    w.pending();
    drop(w);
    assert!(format!("{p:?}").contains("waiters: 0"));
    fn check<T: Send + Sync>(_: &T) {}
    check(&p);
    check(&p.wait());
}
