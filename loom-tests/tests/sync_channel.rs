//! loom models of the channels (`runtime-core/src/sync/`: `oneshot.rs`,
//! `queue.rs` and `mpsc.rs`; the waiter-queue design is in the directory's
//! README).
//!
//! The primitives are public API built on the shim, so under
//! `cfg(runtime_loom)` their one lock is a loom `Mutex` (and the queue's
//! shared state a loom `Arc`) and the models drive them directly:
//! `sync_support::block_on` (a loom condvar) on loom threads, so that a lost
//! wakeup shows up as a deadlock, and hand-polling where a model needs one
//! poll at a known point. The models check that
//!
//! - `oneshot`: a value sent is received or dropped exactly once, whether
//!   the send races the receiver's await, its single poll or its drop; the
//!   receiver learns of a dropped sender and the sender of a dropped
//!   receiver (`closed()`);
//! - `Queue`: with `maxsize` 1 every item put is got exactly once and in
//!   order (a putter waits for the slot); `close` racing a waiting `get` and
//!   a `put` never loses or duplicates the item; `join` returns only after
//!   every `task_done` (and sees what the workers did before it);
//! - `mpsc`: with one slot, values arrive once and in order while a send
//!   waits for the slot the receiver gives back, and the last sender's drop
//!   ends the channel; the end waits for a send that holds a slot (and a
//!   send cancelled after it got one pokes the receiver); `close` racing a
//!   waiting send delivers the value exactly when the send succeeds.
#![cfg(runtime_loom)]

mod sync_support;

use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::thread;
use loom_tests::{check, poll_once, Counter, Gate};
use runtime_core::sync::{mpsc, oneshot, Queue, TryGetError};
use sync_support::{block_on, unless};

// --------------------------------------------------------------- oneshot

/// `send` on another thread races the receiver's await: the value always
/// arrives (a lost wakeup would be a deadlock) and is dropped exactly once,
/// by its receiver.
#[test]
fn oneshot_send_races_recv() {
    check("oneshot_send_races_recv", || {
        let drops = Counter::new();
        let (tx, rx) = oneshot::channel();
        let value = drops.token();
        let sender = thread::spawn(move || {
            assert!(tx.send(value).is_ok(), "the receiver is alive");
        });
        let received = block_on(rx).expect("the value was sent");
        assert_eq!(drops.get(), 0);
        drop(received);
        sender.join().unwrap();
        assert_eq!(drops.get(), 1, "the value is dropped exactly once");
    });
}

/// The sender is dropped without sending while the receiver awaits: the
/// receiver is woken and fails.
#[test]
fn oneshot_sender_drop_races_recv() {
    check("oneshot_sender_drop_races_recv", || {
        let (tx, rx) = oneshot::channel::<usize>();
        let sender = thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err(), "no value was sent");
        sender.join().unwrap();
    });
}

/// `send` races the receiver being polled once and then dropped. Every
/// order ends with the value dropped exactly once: by whoever got it back
/// (`send`'s `Err` after the receiver was gone), by the receiver's poll, or
/// by the receiver's drop (sent but never received).
#[test]
fn oneshot_send_races_poll_and_drop() {
    check("oneshot_send_races_poll_and_drop", || {
        let drops = Counter::new();
        let (tx, mut rx) = oneshot::channel();
        let value = drops.token();
        let sender = thread::spawn(move || tx.send(value).is_ok());
        let received = poll_once(&mut rx).is_ready();
        drop(rx);
        let sent = sender.join().unwrap();
        assert_eq!(drops.get(), 1, "the value is dropped exactly once");
        if received {
            assert!(sent, "a value was received, so it was sent");
        }
    });
}

/// The receiver is dropped while the sender waits in `closed()`: the sender
/// is woken, and a `send` after it fails, handing the value back.
#[test]
fn oneshot_receiver_drop_wakes_closed() {
    check("oneshot_receiver_drop_wakes_closed", || {
        let drops = Counter::new();
        let (mut tx, rx) = oneshot::channel();
        let value = drops.token();
        let sender = thread::spawn(move || {
            block_on(tx.closed());
            assert!(tx.send(value).is_err(), "the receiver is gone");
        });
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.get(), 1, "the value handed back is dropped once");
    });
}

// ----------------------------------------------------------------- Queue

/// A queue of one slot: a thread puts 1 then 2 (the second `put` waits for
/// the slot, which the first `get` reserves for it) while the main thread
/// gets twice. Both items arrive, once each and in order, and the queue
/// ends empty.
#[test]
fn queue_maxsize_1_put_get() {
    check("queue_maxsize_1_put_get", || {
        let queue = Queue::new(1);
        let putter = {
            let queue = queue.clone();
            thread::spawn(move || {
                block_on(queue.put(1)).unwrap();
                block_on(queue.put(2)).unwrap();
            })
        };
        let first = block_on(queue.get()).unwrap();
        let second = block_on(queue.get()).unwrap();
        putter.join().unwrap();
        assert_eq!([first, second], [1, 2], "each item once, in order");
        assert!(queue.is_empty());
        assert_eq!(queue.try_get(), Err(TryGetError::Empty));
    });
}

/// A putter cancelled after the free slot was reserved for it, in a queue
/// of one slot that starts full: `cancellable` puts 1 until a gate opens,
/// `patient` puts 2 regardless. The main thread gets the first item
/// (freeing the slot, reserved for the head putter) and opens the gate,
/// then gets what was put. `patient` always gets its slot (a slot lost
/// with the cancelled putter is a deadlock); every item put is got exactly
/// once, and a cancelled put's item is dropped with it, never queued.
#[test]
fn queue_put_cancelled_after_reserved_passes_on() {
    check("queue_put_cancelled_after_reserved_passes_on", || {
        let queue = Queue::new(1);
        queue.try_put(0).unwrap();
        let gate = Gate::new();
        let cancellable = {
            let (queue, gate) = (queue.clone(), gate.clone());
            thread::spawn(move || block_on(unless(queue.put(1), gate.wait())).is_some())
        };
        let patient = {
            let queue = queue.clone();
            thread::spawn(move || block_on(queue.put(2)).unwrap())
        };
        let mut got = vec![block_on(queue.get()).unwrap()];
        gate.open();
        let put_1 = cancellable.join().unwrap();
        got.push(block_on(queue.get()).unwrap());
        if put_1 {
            got.push(block_on(queue.get()).unwrap());
        }
        patient.join().unwrap();
        got.sort();
        let expected = if put_1 { vec![0, 1, 2] } else { vec![0, 2] };
        assert_eq!(got, expected, "every item put is got exactly once");
        assert_eq!(queue.try_get(), Err(TryGetError::Empty), "none left behind");
    });
}

/// A getter cancelled after an item was reserved for it: `cancellable`
/// waits for an item until a gate opens, `patient` waits regardless. The
/// main thread puts one item and opens the gate, so `cancellable` may give
/// up while queued, after the item was reserved for it (the reservation
/// must pass to `patient`), or not at all (it got the item: then the main
/// thread puts a second one, after joining it). `patient` always gets an
/// item (a reservation lost with the cancelled getter is a deadlock), and
/// every item put is got exactly once.
#[test]
fn queue_get_cancelled_after_reserved_passes_on() {
    check("queue_get_cancelled_after_reserved_passes_on", || {
        let queue = Queue::new(0);
        let gate = Gate::new();
        let cancellable = {
            let (queue, gate) = (queue.clone(), gate.clone());
            thread::spawn(move || block_on(unless(queue.get(), gate.wait())))
        };
        let patient = {
            let queue = queue.clone();
            thread::spawn(move || block_on(queue.get()).unwrap())
        };
        queue.try_put(1).unwrap();
        gate.open();
        let mut got = Vec::new();
        if let Some(item) = cancellable.join().unwrap() {
            got.push(item.unwrap());
            queue.try_put(2).unwrap();
        }
        got.push(patient.join().unwrap());
        got.sort();
        assert_eq!(
            got,
            (1..=got.len()).collect::<Vec<_>>(),
            "each item got once"
        );
        assert_eq!(queue.try_get(), Err(TryGetError::Empty), "none left behind");
    });
}

/// `close` (main thread) races a `get` waiting on another thread and a
/// `put` on a third. The put succeeds exactly when the getter gets the
/// item (a put before the close is drained by the getter, even if the
/// getter was already queued and chosen; a put after it fails and hands
/// the item back); the getter is always woken; nothing is left behind and
/// the item is dropped exactly once.
#[test]
fn queue_close_races_get_and_put() {
    check("queue_close_races_get_and_put", || {
        let drops = Counter::new();
        let queue = Queue::new(0);
        let getter = {
            let queue = queue.clone();
            thread::spawn(move || block_on(queue.get()).is_ok())
        };
        let putter = {
            let queue = queue.clone();
            let item = drops.token();
            thread::spawn(move || block_on(queue.put(item)).is_ok())
        };
        queue.close();
        let got = getter.join().unwrap();
        let put = putter.join().unwrap();
        assert_eq!(
            put, got,
            "the item was put (put: {put}) iff it was got (got: {got})"
        );
        assert_eq!(queue.try_get().unwrap_err(), TryGetError::Closed);
        assert_eq!(drops.get(), 1, "the item is dropped exactly once");
    });
}

/// Two items put; two workers each `get` one, record that they processed
/// it (a Relaxed increment, ordered only by the queue's lock) and call
/// `task_done`, while the main thread waits in `join`. `join` returns only
/// after both `task_done`s, and then sees both increments.
#[test]
fn queue_join_waits_for_every_task_done() {
    check("queue_join_waits_for_every_task_done", || {
        let queue = Queue::new(0);
        queue.try_put(1).unwrap();
        queue.try_put(2).unwrap();
        let processed = std::sync::Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (queue, processed) = (queue.clone(), processed.clone());
                thread::spawn(move || {
                    block_on(queue.get()).unwrap();
                    processed.fetch_add(1, Relaxed);
                    queue.task_done().unwrap();
                })
            })
            .collect();
        block_on(queue.join());
        assert_eq!(
            processed.load(Relaxed),
            2,
            "join returned before every task_done"
        );
        for worker in workers {
            worker.join().unwrap();
        }
        assert!(queue.task_done().is_err(), "nothing left unfinished");
    });
}

// ------------------------------------------------------------------ mpsc

/// A bounded channel of one slot: a thread sends 1 then 2 (the second send
/// waits for the slot, which the receiver gives back when it returns 1)
/// and then drops its sender, closing the channel, while the main thread
/// receives until the end. Both values arrive in order, then `None` (the
/// close wakes a receiver waiting on the empty buffer: a lost wakeup is a
/// deadlock), and every slot is free at the end.
#[test]
fn mpsc_capacity_1_send_recv_close() {
    check("mpsc_capacity_1_send_recv_close", || {
        let (tx, mut rx) = mpsc::channel(1);
        let sender = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
        });
        let first = block_on(rx.recv());
        let second = block_on(rx.recv());
        assert_eq!(
            (first, second),
            (Some(1), Some(2)),
            "each value once, in order"
        );
        assert_eq!(block_on(rx.recv()), None, "the channel ended");
        sender.join().unwrap();
    });
}

/// The end of the channel waits for a send in flight: the buffer (one
/// slot) starts full and `sending` waits for the slot. The receiver takes
/// the value, which hands the slot to `sending`, and closes the channel;
/// then `sending` is dropped on another thread (cancelled after it was
/// given the slot: the slot goes back and the receiver is poked) while the
/// receiver waits for the end. `recv` returns `None`, never hangs (a slot
/// given back without a poke, or a poke before the receiver looked, would
/// leave it waiting for a value that never comes).
#[test]
fn mpsc_cancelled_send_ends_a_closed_channel() {
    check("mpsc_cancelled_send_ends_a_closed_channel", || {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).unwrap();
        // Another sender stays alive, so that no last-sender close (which
        // also wakes the receiver) can hide a missing poke.
        let other = tx.clone();
        let wakes = Counter::new();
        let mut sending = Box::pin(async move { tx.send(1).await });
        assert!(sending_is_pending(&mut sending, &wakes));
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(wakes.get(), 1, "the waiting send was given the slot");
        rx.close();
        let canceller = thread::spawn(move || drop(sending));
        assert_eq!(block_on(rx.recv()), None, "nothing else was sent");
        canceller.join().unwrap();
        drop(other);
    });
}

fn sending_is_pending<F: std::future::Future + Unpin>(fut: &mut F, wakes: &Counter) -> bool {
    sync_support::poll_with(fut, wakes).is_pending()
}

/// `close` races a send waiting for room: the buffer (one slot) starts
/// full; a thread sends 1 and waits; the main thread receives 0 (handing
/// the slot to the waiting send) and closes, racing it. The send succeeds
/// exactly when the receiver then gets 1 (a send that got its slot before
/// the close is delivered, one that did not fails and hands the value
/// back), and the channel ends with `None` either way.
#[test]
fn mpsc_close_races_waiting_send() {
    check("mpsc_close_races_waiting_send", || {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).unwrap();
        let sender = thread::spawn(move || block_on(tx.send(1)).is_ok());
        assert_eq!(block_on(rx.recv()), Some(0));
        rx.close();
        let got = block_on(rx.recv());
        assert_eq!(block_on(rx.recv()), None, "the channel ended");
        let sent = sender.join().unwrap();
        assert_eq!(got.is_some(), sent, "sent {sent}, got {got:?}");
    });
}
