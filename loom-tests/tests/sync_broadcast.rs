//! loom models of `sync::broadcast` (`runtime-core/src/sync/broadcast.rs`,
//! the slot/lag protocol in its top comment), driven directly on loom
//! threads with `sync_support::block_on`, so a lost wakeup is a deadlock.
//! The models check that
//!
//! - values sent while a receiver waits arrive once each and in order, and
//!   the last sender's drop ends the channel after them;
//! - with a ring of one slot, a receiver racing two sends gets a strictly
//!   increasing sequence whose values plus the count it was told it missed
//!   make two, and it never misses the newest value;
//! - every value is dropped exactly once, whether receivers take it or are
//!   dropped with it unread, in any order (`rem` accounting);
//! - two receivers racing the sends each see the same accounting, and the
//!   copies handed out or overwritten are all dropped;
//! - a `recv` polled and dropped while a value is sent loses nothing;
//! - the last receiver's drop wakes `Sender::closed`.
#![cfg(runtime_loom)]

mod sync_support;

use loom::thread;
use loom_tests::{check, poll_once};
use runtime_core::sync::broadcast::{self, RecvError, TryRecvError};
use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};
use sync_support::block_on;

/// Counts live instances (clones add one, drops remove one). A plain std
/// atomic: it is read after the threads are joined.
struct Tracked(std::sync::Arc<AtomicIsize>);

impl Tracked {
    fn new(live: &std::sync::Arc<AtomicIsize>) -> Tracked {
        live.fetch_add(1, SeqCst);
        Tracked(live.clone())
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        Tracked::new(&self.0)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

/// Two sends on another thread, then the sender's drop, while the main
/// thread receives: 1, 2, then `Closed`.
#[test]
fn send_races_recv() {
    check("broadcast_send_races_recv", || {
        let (tx, mut rx) = broadcast::channel(2);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Ok(1));
        assert_eq!(block_on(rx.recv()), Ok(2));
        assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
        sender.join().unwrap();
    });
}

/// One slot, two sends racing a receiver: what it got plus what it was told
/// it missed is two values, in order, ending with the newest.
#[test]
fn lag_accounting_with_one_slot() {
    check("broadcast_lag_accounting_with_one_slot", || {
        let (tx, mut rx) = broadcast::channel(1);
        let sender = thread::spawn(move || {
            tx.send(0u64).unwrap();
            tx.send(1u64).unwrap();
        });
        let (mut got, mut missed) = (Vec::new(), 0);
        loop {
            match block_on(rx.recv()) {
                Ok(v) => got.push(v),
                Err(RecvError::Lagged(n)) => missed += n,
                Err(RecvError::Closed) => break,
            }
        }
        sender.join().unwrap();
        assert!(got.windows(2).all(|w| w[0] < w[1]), "in order: {got:?}");
        assert_eq!(got.len() as u64 + missed, 2, "{got:?}, missed {missed}");
        assert_eq!(got.last(), Some(&1), "the newest value is never lost");
    });
}

/// One value, two receivers: one takes it on another thread while the
/// other is dropped unread on a third; then the sender. Every copy is
/// dropped exactly once, and nothing is left.
#[test]
fn values_are_dropped_exactly_once() {
    check("broadcast_values_are_dropped_exactly_once", || {
        let live = std::sync::Arc::new(AtomicIsize::new(0));
        let (tx, mut a) = broadcast::channel(2);
        let b = tx.subscribe();
        tx.send(Tracked::new(&live)).unwrap();
        let taker = thread::spawn(move || {
            let value = a.try_recv().map_err(|_| ()).expect("sent before");
            drop(value);
        });
        let dropper = thread::spawn(move || drop(b));
        taker.join().unwrap();
        dropper.join().unwrap();
        drop(tx);
        assert_eq!(live.load(SeqCst), 0, "every copy dropped once, none leaked");
    });
}

/// One slot, a sender and two receivers on three threads: each receiver's
/// values plus what it missed make two, in order, and once everything is
/// dropped no copy is left (the `rem` count of a slot races both
/// receivers' takes and the overwrite).
#[test]
fn two_receivers_race_sends() {
    fn drain(mut rx: broadcast::Receiver<(u64, Tracked)>) {
        let (mut got, mut missed) = (Vec::new(), 0);
        loop {
            match block_on(rx.recv()) {
                Ok((v, _)) => got.push(v),
                Err(RecvError::Lagged(n)) => missed += n,
                Err(RecvError::Closed) => break,
            }
        }
        assert!(got.windows(2).all(|w| w[0] < w[1]), "in order: {got:?}");
        assert_eq!(got.len() as u64 + missed, 2);
    }
    check("broadcast_two_receivers_race_sends", || {
        let live = std::sync::Arc::new(AtomicIsize::new(0));
        let (tx, a) = broadcast::channel(1);
        let b = tx.subscribe();
        let sender = {
            let live = live.clone();
            thread::spawn(move || {
                tx.send((0, Tracked::new(&live))).map_err(|_| ()).unwrap();
                tx.send((1, Tracked::new(&live))).map_err(|_| ()).unwrap();
            })
        };
        let other = thread::spawn(move || drain(a));
        drain(b);
        other.join().unwrap();
        sender.join().unwrap();
        assert_eq!(live.load(SeqCst), 0, "no copy left");
    });
}

/// A `recv` polled once (queued) and dropped while another thread sends:
/// the value is still there for the next `try_recv`.
#[test]
fn cancelled_recv_loses_nothing() {
    check("broadcast_cancelled_recv_loses_nothing", || {
        let (tx, mut rx) = broadcast::channel(1);
        let sender = thread::spawn(move || {
            tx.send(7).unwrap();
            tx
        });
        {
            let mut recv = rx.recv();
            if let std::task::Poll::Ready(v) = poll_once(&mut recv) {
                assert_eq!(v, Ok(7));
                drop(recv);
                sender.join().unwrap();
                return;
            }
        }
        let _tx = sender.join().unwrap();
        assert_eq!(rx.try_recv(), Ok(7));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

/// The last receiver is dropped on another thread while the sender waits
/// in `closed()`; then a send fails.
#[test]
fn last_receiver_drop_wakes_closed() {
    check("broadcast_last_receiver_drop_wakes_closed", || {
        let (tx, rx) = broadcast::channel::<u8>(1);
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.send(1).is_err());
        dropper.join().unwrap();
    });
}
