//! `runtime::sync::watch`: the latest value, change notification with
//! versions, conditional sends, `wait_for`, and closing on both sides.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::sync::watch::{self, RecvError, SendError};

#[test]
fn changed_reports_each_change_once_and_borrow_and_update_marks_it_seen() {
    watchdog(LIMIT, || {
        rt(2, "w-changed").block_on(async {
            let (tx, mut rx) = watch::channel(0u32);
            assert_eq!(*rx.borrow(), 0);
            assert_eq!(
                rx.has_changed(),
                Ok(false),
                "a new receiver has seen the initial value"
            );
            tx.send(1).unwrap();
            assert_eq!(rx.has_changed(), Ok(true));
            let seen = rx.borrow();
            assert!(seen.has_changed(), "borrow tells it is new...");
            drop(seen);
            assert_eq!(rx.has_changed(), Ok(true), "...without marking it seen");
            assert_eq!(*rx.borrow_and_update(), 1);
            assert_eq!(rx.has_changed(), Ok(false));

            // `changed` returns at once for an unseen change, then waits.
            tx.send(2).unwrap();
            rx.changed().await.unwrap();
            assert_eq!(*rx.borrow(), 2);
            let waiter = runtime::spawn({
                let mut rx = rx.clone();
                async move {
                    rx.changed().await.unwrap();
                    *rx.borrow_and_update()
                }
            });
            tx.send(3).unwrap();
            assert_eq!(waiter.await.unwrap(), 3);

            rx.mark_changed();
            rx.changed().await.unwrap(); // at once
            rx.mark_unchanged();
            assert_eq!(rx.has_changed(), Ok(false));
        });
    });
}

#[test]
fn send_if_modified_notifies_only_on_a_change_and_send_modify_always() {
    watchdog(LIMIT, || {
        rt(1, "w-modify").block_on(async {
            let (tx, mut rx) = watch::channel(vec![1]);
            let changed = tx.send_if_modified(|v| {
                if v.contains(&1) {
                    false
                } else {
                    v.push(1);
                    true
                }
            });
            assert!(!changed);
            assert_eq!(
                rx.has_changed(),
                Ok(false),
                "no notification without a change"
            );
            assert!(tx.send_if_modified(|v| {
                v.push(2);
                true
            }));
            assert_eq!(rx.has_changed(), Ok(true));
            assert_eq!(*rx.borrow_and_update(), [1, 2]);
            tx.send_modify(|v| v.clear());
            rx.changed().await.unwrap();
            assert!(rx.borrow().is_empty());
            assert_eq!(tx.send_replace(vec![9]), Vec::<i32>::new());
            assert_eq!(*tx.borrow(), [9]);
        });
    });
}

#[test]
fn a_receiver_may_skip_values_but_always_sees_the_last() {
    watchdog(LIMIT, || {
        rt(2, "w-last").block_on(async {
            const N: u64 = 5_000;
            let (tx, mut rx) = watch::channel(0u64);
            let monitor = runtime::spawn(async move {
                let mut last = 0;
                let mut changes = 0u64;
                while rx.changed().await.is_ok() {
                    let v = *rx.borrow_and_update();
                    assert!(v > last, "values only move forward: {v} after {last}");
                    last = v;
                    changes += 1;
                }
                (last, changes)
            });
            for i in 1..=N {
                tx.send_replace(i);
                if i % 100 == 0 {
                    runtime::yield_now().await;
                }
            }
            drop(tx);
            let (last, changes) = monitor.await.unwrap();
            assert_eq!(last, N, "the last value is never missed");
            assert!(changes <= N);
        });
    });
}

#[test]
fn wait_for_checks_the_current_value_then_each_change() {
    watchdog(LIMIT, || {
        rt(2, "w-wait").block_on(async {
            let (tx, mut rx) = watch::channel("idle");
            assert_eq!(*rx.wait_for(|s| *s == "idle").await.unwrap(), "idle");
            let waiter = runtime::spawn({
                let mut rx = rx.clone();
                async move { *rx.wait_for(|s| *s == "ready").await.unwrap() }
            });
            tx.send("loading").unwrap();
            tx.send("ready").unwrap();
            assert_eq!(waiter.await.unwrap(), "ready");

            // The sender leaves with a value that never matches.
            let waiter =
                runtime::spawn(async move { rx.wait_for(|s| *s == "never").await.map(|r| *r) });
            tx.send("done").unwrap();
            drop(tx);
            assert_eq!(waiter.await.unwrap(), Err(RecvError::default()));
        });
    });
}

#[test]
fn closing_is_seen_on_both_sides() {
    watchdog(LIMIT, || {
        rt(2, "w-close").block_on(async {
            let (tx, mut rx) = watch::channel(1);
            let tx2 = tx.clone();
            tx.send(2).unwrap();
            drop(tx);
            drop(tx2);
            // The change made before the senders left is still reported...
            assert_eq!(rx.changed().await, Ok(()));
            // ...then the end.
            let err = rx.changed().await.unwrap_err();
            assert!(
                err.to_string().contains("every sender was dropped"),
                "{err}"
            );
            assert_eq!(rx.has_changed(), Err(RecvError::default()));
            assert_eq!(*rx.borrow(), 2, "the last value stays readable");

            let (tx, rx) = watch::channel(0);
            let rx2 = tx.subscribe();
            assert_eq!(tx.receiver_count(), 2);
            let closed = runtime::spawn(async move { tx.closed().await });
            drop(rx);
            runtime::yield_now().await;
            assert!(!closed.is_finished(), "a receiver is left");
            drop(rx2);
            closed.await.unwrap();

            let (tx, rx) = watch::channel(String::new());
            drop(rx);
            assert!(tx.is_closed());
            let err = tx.send("nobody".into()).unwrap_err();
            assert_eq!(err, SendError("nobody".to_string()));
            assert_eq!(*tx.borrow(), "", "a failed send leaves the value");
            tx.send_replace("stored anyway".into());
            assert_eq!(*tx.subscribe().borrow(), "stored anyway");
        });
    });
}

#[test]
fn changed_is_cancel_safe() {
    watchdog(LIMIT, || {
        rt(2, "w-cancel").block_on(async {
            let (tx, mut rx) = watch::channel(0u32);
            for _ in 0..100 {
                runtime::select! {
                    biased;
                    _ = rx.changed() => unreachable!("nothing changed"),
                    _ = runtime::yield_now() => {}
                }
            }
            tx.send(1).unwrap();
            // The dropped `changed` futures marked nothing seen.
            assert_eq!(rx.has_changed(), Ok(true));
            rx.changed().await.unwrap();
            assert_eq!(*rx.borrow(), 1);
        });
    });
}
