//! loom models of `sync::watch` (`runtime-core/src/sync/watch.rs`, the
//! version/changed protocol in its top comment), on loom threads with
//! `sync_support::block_on`. The models check that
//!
//! - a change made while a receiver waits in `changed()` wakes it, and the
//!   value it then borrows is the new one;
//! - the version a receiver records with `borrow_and_update` is the
//!   version of the value it read: after two sends, a receiver that read
//!   the last value sees no pending change, one that read the first sees
//!   one (it can neither miss a change nor be told of one twice);
//! - the last sender's drop ends `changed()`, after any change made before
//!   it, so the last value is never missed;
//! - a borrow never sees a half-made `send_modify`;
//! - the last receiver's drop wakes `Sender::closed`.
#![cfg(runtime_loom)]

mod sync_support;

use loom::thread;
use loom_tests::check;
use runtime_core::sync::watch;
use sync_support::block_on;

#[test]
fn send_races_changed() {
    check("watch_send_races_changed", || {
        let (tx, mut rx) = watch::channel(0);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        block_on(rx.changed()).unwrap();
        assert_eq!(*rx.borrow_and_update(), 1);
        drop(sender.join().unwrap());
    });
}

#[test]
fn seen_version_matches_the_value_read() {
    check("watch_seen_version_matches_the_value_read", || {
        let (tx, mut rx) = watch::channel(0);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            tx
        });
        block_on(rx.changed()).unwrap();
        let read = *rx.borrow_and_update();
        let tx = sender.join().unwrap();
        assert_eq!(
            rx.has_changed(),
            Ok(read != 2),
            "a pending change exactly when the value read was not the last"
        );
        drop(tx);
    });
}

#[test]
fn sender_drop_ends_changed_after_the_last_value() {
    check(
        "watch_sender_drop_ends_changed_after_the_last_value",
        || {
            let (tx, mut rx) = watch::channel(0);
            let sender = thread::spawn(move || {
                tx.send(1).unwrap();
            });
            let mut last = *rx.borrow();
            while block_on(rx.changed()).is_ok() {
                last = *rx.borrow_and_update();
            }
            assert_eq!(last, 1, "the last value is never missed");
            sender.join().unwrap();
        },
    );
}

#[test]
fn borrow_never_sees_a_half_made_modification() {
    check("watch_borrow_never_sees_a_half_made_modification", || {
        let (tx, rx) = watch::channel((0, 0));
        let sender = thread::spawn(move || {
            tx.send_modify(|(a, b)| {
                *a += 1;
                thread::yield_now();
                *b += 1;
            });
        });
        let (a, b) = *rx.borrow();
        assert_eq!(a, b);
        sender.join().unwrap();
    });
}

#[test]
fn last_receiver_drop_wakes_closed() {
    check("watch_last_receiver_drop_wakes_closed", || {
        let (tx, rx) = watch::channel(0u8);
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.send(1).is_err());
        dropper.join().unwrap();
    });
}
