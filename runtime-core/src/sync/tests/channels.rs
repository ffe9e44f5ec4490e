//! oneshot and mpsc.

use super::util::{block_on, spawn, watchdog, Probe};
use crate::sync::mpsc::{self, SendError, TryRecvError, TrySendError};
use crate::sync::oneshot::{self, RecvError};

#[test]
fn oneshot_send_and_receive_across_threads() {
    watchdog("oneshot_across_threads", || {
        let (tx, rx) = oneshot::channel();
        let t = spawn("oneshot-sender", move || {
            tx.send(String::from("hi")).unwrap()
        });
        assert_eq!(rx.blocking_recv().unwrap(), "hi");
        t.join().unwrap();
    });
}

#[test]
fn oneshot_sender_dropped_closes_and_receiver_is_woken() {
    let (tx, rx) = oneshot::channel::<u8>();
    let mut rx = Probe::new(rx);
    rx.pending();
    drop(tx);
    assert_eq!(rx.wakes(), 1);
    assert_eq!(rx.ready(), Err(RecvError));
    assert!(RecvError.to_string().contains("without sending"));
}

#[test]
fn oneshot_try_recv_close_and_closed() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));

    // close: later sends fail, a value already sent is still received.
    let (tx, mut rx) = oneshot::channel();
    let (tx2, mut rx2) = oneshot::channel();
    tx.send(5).unwrap();
    rx.close();
    assert_eq!(block_on(rx), Ok(5));
    rx2.close();
    assert!(tx2.is_closed());
    assert_eq!(tx2.send(6), Err(6), "value handed back");
    assert_eq!(rx2.try_recv(), Err(TryRecvError::Disconnected));

    // Sender::closed resolves when the receiver goes away.
    let (mut tx, rx) = oneshot::channel::<()>();
    let mut closed = Probe::new(async move {
        tx.closed().await;
        tx.is_closed()
    });
    closed.pending();
    drop(rx);
    assert_eq!(closed.wakes(), 1);
    assert!(closed.ready());
}

#[test]
fn oneshot_abandoned_receive_keeps_the_value() {
    let (tx, mut rx) = oneshot::channel();
    {
        let mut probe = Probe::new(&mut rx);
        probe.pending();
    } // the await is cancelled
    tx.send(9).unwrap();
    assert_eq!(block_on(rx), Ok(9));
}

#[test]
fn mpsc_bounded_fifo_backpressure_and_end() {
    watchdog("mpsc_bounded", || {
        let (tx, mut rx) = mpsc::channel(2);
        assert_eq!(tx.max_capacity(), 2);
        let producer = {
            let tx = tx.clone();
            spawn("mpsc-producer", move || {
                for i in 0..100 {
                    tx.blocking_send(i).unwrap();
                }
            })
        };
        drop(tx);
        let mut got = Vec::new();
        while let Some(v) = rx.blocking_recv() {
            got.push(v);
        }
        producer.join().unwrap();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        assert!(rx.is_closed());
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn mpsc_try_send_full_and_closed() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    assert_eq!(rx.len(), 1);
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    assert_eq!(block_on(tx.send(4)), Err(SendError(4)));
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "values sent before close are received"
    );
    assert_eq!(block_on(rx.recv()), None);
}

#[test]
fn mpsc_senders_are_served_fifo_and_a_cancelled_chosen_one_passes_the_slot() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut a = Probe::new(tx.send(1));
    let mut b = Probe::new(tx.send(2));
    let mut c = Probe::new(tx.send(3));
    a.pending();
    b.pending();
    c.pending();
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!((a.wakes(), b.wakes(), c.wakes()), (1, 0, 0));
    drop(a); // chosen, cancelled: value 1 is not sent, the slot goes to b
    assert_eq!(b.wakes(), 1);
    b.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    c.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn mpsc_recv_cancelled_after_being_chosen_loses_nothing() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    {
        let mut recv = Probe::new(rx.recv());
        recv.pending();
        tx.send("v").unwrap();
        assert_eq!(recv.wakes(), 1);
    } // cancelled after the value was reserved for it
    assert_eq!(rx.try_recv(), Ok("v"));
}

#[test]
fn mpsc_recv_many_and_unbounded() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    let mut buf = Vec::new();
    assert_eq!(block_on(rx.recv_many(&mut buf, 4)), 4);
    assert_eq!(block_on(rx.recv_many(&mut buf, 0)), 0);
    assert_eq!(block_on(rx.recv_many(&mut buf, 100)), 6);
    assert_eq!(buf, (0..10).collect::<Vec<_>>());
    let mut pending = Probe::new(async {
        let mut b = Vec::new();
        let n = rx.recv_many(&mut b, 5).await;
        (n, b)
    });
    pending.pending();
    tx.send(42).unwrap();
    assert_eq!(pending.ready(), (1, vec![42]));
    drop(pending);
    drop(tx);
    assert_eq!(block_on(rx.recv_many(&mut buf, 3)), 0, "closed and drained");
}

#[test]
fn mpsc_closed_resolves_when_the_receiver_drops_and_drops_leftovers() {
    let (tx, rx) = mpsc::channel(4);
    let item = std::sync::Arc::new(());
    tx.try_send(item.clone()).unwrap();
    let tx2 = tx.clone();
    assert!(tx.same_channel(&tx2));
    let mut closed = Probe::new(tx2.closed());
    closed.pending();
    drop(rx);
    assert_eq!(closed.wakes(), 1);
    closed.ready();
    assert_eq!(
        std::sync::Arc::strong_count(&item),
        1,
        "unreceived value dropped"
    );
    let (utx, urx) = mpsc::unbounded_channel::<u8>();
    drop(urx);
    assert!(utx.is_closed());
    assert_eq!(utx.send(1), Err(SendError(1)));
    block_on(utx.closed());
}

#[test]
#[should_panic(expected = "use mpsc::unbounded_channel()")]
fn mpsc_zero_capacity_panics_with_advice() {
    let _ = mpsc::channel::<()>(0);
}

#[test]
fn channel_types_are_send_and_sync() {
    fn check<T: Send + Sync>(_: &T) {}
    let (tx, mut rx) = mpsc::channel::<String>(1);
    check(&tx);
    check(&rx);
    check(&tx.send(String::new()));
    check(&rx.recv());
    let (otx, orx) = oneshot::channel::<String>();
    check(&otx);
    check(&orx);
}
