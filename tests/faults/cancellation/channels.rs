//! Queues and channels with waiters cut short: every item sent is
//! received exactly once or is still in the queue; an item whose `put` or
//! `send` was cut was not sent, and was dropped.
#![allow(unreachable_pub)]

use super::cut::{cancel_some, cut, join_all, same_ids, until, Cut, Item};
use crate::support::{DropCounter, Rng};
use runtime::sync::{broadcast, mpsc, oneshot, watch, GenericQueue, Promise, QueueOrder};
use std::sync::{Arc, Mutex};

type Ids = Arc<Mutex<Vec<u64>>>;

/// `producers` tasks put `items` items (retrying a cut `put` with a new
/// item of the same id) while `consumers` tasks `get` with random cuts;
/// a quarter of the tasks are cancelled mid-flight. Producer 0 and
/// consumer 0 are never cut nor cancelled: when the others stop, consumer
/// 0 alone must drain the queue, which it cannot if a turn handed to a cut
/// getter was not passed on (it would sleep beside the item). Then the
/// queue is closed and checked empty.
pub async fn queue_round<O>(what: &str, maxsize: usize, items: u64, rng: &mut Rng)
where
    O: QueueOrder<Item> + Send + 'static,
{
    let (producers, consumers) = (4, 4);
    let q: Arc<GenericQueue<Item, O>> = Arc::new(GenericQueue::new(maxsize));
    let drops = DropCounter::default();
    let sent: Ids = Ids::default();
    let got: Ids = Ids::default();
    let cuts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut consumer_tasks = Vec::new();
    for c in 0..consumers {
        let (q, got, cuts, stop, mut r) = (
            q.clone(),
            got.clone(),
            cuts.clone(),
            stop.clone(),
            rng.fork(),
        );
        consumer_tasks.push(runtime::spawn(async move {
            loop {
                let how = if c == 0 {
                    Cut::Keep
                } else {
                    Cut::pick_cutting(&mut r)
                };
                if c > 0 && stop.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                match cut(how, q.get()).await {
                    Some(Ok(item)) => got.lock().unwrap().push(item.id),
                    Some(Err(_closed)) => return,
                    None => {
                        cuts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let mut producer_tasks = Vec::new();
    for p in 0..producers {
        let (q, sent, drops, mut r) = (q.clone(), sent.clone(), drops.clone(), rng.fork());
        producer_tasks.push(runtime::spawn(async move {
            let mut id = p as u64;
            while id < items {
                let how = if p == 0 { Cut::Keep } else { Cut::pick(&mut r) };
                match cut(how, q.put(Item::new(id, &drops))).await {
                    Some(Ok(())) => {
                        sent.lock().unwrap().push(id);
                        id += producers as u64;
                    }
                    Some(Err(_)) => panic!("the queue closed while producers ran"),
                    None => {}
                }
            }
        }));
    }
    let mut cancelled = cancel_some(&producer_tasks, 1, 25, rng).await;
    cancelled += cancel_some(&consumer_tasks, 1, 25, rng).await;
    join_all(producer_tasks).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let first = consumer_tasks.remove(0);
    join_all(consumer_tasks).await;
    until(
        &format!("{what}: {} items stay queued beside a waiting get", q.len()),
        || q.is_empty(),
    )
    .await;
    q.close();
    join_all(vec![first]).await;
    let mut left = Vec::new();
    while let Ok(item) = q.try_get() {
        left.push(item.id);
    }
    let sent = std::mem::take(&mut *sent.lock().unwrap());
    let mut got = std::mem::take(&mut *got.lock().unwrap());
    println!(
        "{what}: {} put, {} got, {} left, {} cuts, {cancelled} tasks cancelled",
        sent.len(),
        got.len(),
        left.len(),
        cuts.load(std::sync::atomic::Ordering::Relaxed)
    );
    got.extend(left);
    same_ids(what, sent, got);
    assert_eq!(q.len(), 0, "{what}: items left after the drain");
    drop(q);
    assert_eq!(
        drops.created(),
        drops.dropped(),
        "{what}: items made vs dropped"
    );
}

/// `senders` tasks send `items` items over an mpsc channel (`capacity` 0 =
/// unbounded) with random cuts on the bounded `send`, a quarter of them
/// cancelled; one receiver `recv`s or `recv_many`s with random cuts. A cut
/// `recv_many` must leave its buffer untouched.
pub async fn mpsc_round(what: &str, capacity: usize, items: u64, rng: &mut Rng) {
    enum Tx {
        Bounded(mpsc::Sender<Item>),
        Unbounded(mpsc::UnboundedSender<Item>),
    }
    enum Rx {
        Bounded(mpsc::Receiver<Item>),
        Unbounded(mpsc::UnboundedReceiver<Item>),
    }
    let (tx, mut rx) = if capacity == 0 {
        let (tx, rx) = mpsc::unbounded_channel();
        (Tx::Unbounded(tx), Rx::Unbounded(rx))
    } else {
        let (tx, rx) = mpsc::channel(capacity);
        (Tx::Bounded(tx), Rx::Bounded(rx))
    };
    let senders = 4u64;
    let drops = DropCounter::default();
    let sent: Ids = Ids::default();
    let mut r = rng.fork();
    let receiver = runtime::spawn(async move {
        let mut got = Vec::new();
        let mut cuts = 0usize;
        loop {
            let how = Cut::pick(&mut r);
            let mut buf = Vec::new();
            let limit = 1 + r.below(4) as usize;
            let many = r.chance(50);
            let out = match (&mut rx, many) {
                (Rx::Bounded(rx), false) => {
                    cut(how, rx.recv()).await.map(|v| v.into_iter().collect())
                }
                (Rx::Unbounded(rx), false) => {
                    cut(how, rx.recv()).await.map(|v| v.into_iter().collect())
                }
                (Rx::Bounded(rx), true) => cut(how, rx.recv_many(&mut buf, limit))
                    .await
                    .map(|_| Vec::new()),
                (Rx::Unbounded(rx), true) => cut(how, rx.recv_many(&mut buf, limit))
                    .await
                    .map(|_| Vec::new()),
            };
            match out {
                None => {
                    assert!(buf.is_empty(), "a cut recv_many took {} values", buf.len());
                    cuts += 1;
                }
                Some(mut items) => {
                    items.append(&mut buf);
                    if items.is_empty() {
                        return (got, cuts); // closed and drained
                    }
                    assert!(
                        items.len() <= limit,
                        "recv_many returned more than its limit"
                    );
                    got.extend(items.iter().map(|i: &Item| i.id));
                }
            }
        }
    });
    let mut tasks = Vec::new();
    for s in 0..senders {
        let sent = sent.clone();
        let drops = drops.clone();
        let mut r = rng.fork();
        let tx = match &tx {
            Tx::Bounded(tx) => Tx::Bounded(tx.clone()),
            Tx::Unbounded(tx) => Tx::Unbounded(tx.clone()),
        };
        tasks.push(runtime::spawn(async move {
            let mut id = s;
            while id < items {
                let ok = match &tx {
                    Tx::Bounded(tx) => cut(Cut::pick(&mut r), tx.send(Item::new(id, &drops)))
                        .await
                        .map(|res| res.expect("the receiver is alive")),
                    Tx::Unbounded(tx) => {
                        tx.send(Item::new(id, &drops))
                            .expect("the receiver is alive");
                        Some(())
                    }
                };
                // Recorded in the poll that sent it (a cancel comes at an
                // await): the yield below comes after.
                if ok.is_some() {
                    sent.lock().unwrap().push(id);
                    id += senders;
                }
                if r.chance(10) {
                    runtime::yield_now().await;
                }
            }
        }));
    }
    drop(tx);
    let cancelled = cancel_some(&tasks, 0, 25, rng).await;
    join_all(tasks).await;
    let (got, cuts) = receiver.await.expect("the receiver completes");
    let sent = std::mem::take(&mut *sent.lock().unwrap());
    println!(
        "{what}: {} sent, {} received, {cuts} cut receives, {cancelled} senders cancelled",
        sent.len(),
        got.len()
    );
    same_ids(what, sent, got);
    assert_eq!(
        drops.created(),
        drops.dropped(),
        "{what}: items made vs dropped"
    );
}

/// `pairs` oneshot channels: the receiver awaits `&mut rx` with random
/// cuts and awaits again after each cut (the value must still be there);
/// a quarter of the senders are cancelled before they send (their
/// receiver must see the channel closed, not hang).
pub async fn oneshot_round(what: &str, pairs: u64, rng: &mut Rng) {
    let drops = DropCounter::default();
    let sent: Ids = Ids::default();
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for id in 0..pairs {
        let (tx, mut rx) = oneshot::channel::<Item>();
        let (sent, drops, mut r) = (sent.clone(), drops.clone(), rng.fork());
        senders.push(runtime::spawn(async move {
            for _ in 0..r.below(6) {
                runtime::yield_now().await;
            }
            if r.chance(30) {
                runtime::time::sleep(std::time::Duration::from_millis(r.below(3))).await;
            }
            if tx.send(Item::new(id, &drops)).is_ok() {
                sent.lock().unwrap().push(id);
            }
        }));
        let mut r = rng.fork();
        receivers.push(runtime::spawn(async move {
            let mut cuts = 0;
            loop {
                match cut(Cut::pick(&mut r), &mut rx).await {
                    Some(Ok(item)) => return (Some(item.id), cuts),
                    Some(Err(_)) => return (None, cuts),
                    None => cuts += 1,
                }
            }
        }));
    }
    let cancelled = cancel_some(&senders, 0, 25, rng).await;
    join_all(senders).await;
    let (outcomes, receivers_cancelled) = join_all(receivers).await;
    assert_eq!(receivers_cancelled, 0);
    let cuts: usize = outcomes.iter().map(|o| o.1).sum();
    let got: Vec<u64> = outcomes.iter().filter_map(|o| o.0).collect();
    let sent = std::mem::take(&mut *sent.lock().unwrap());
    println!(
        "{what}: {} sent, {} received, {} closed, {cuts} cut receives, {cancelled} senders cancelled",
        sent.len(),
        got.len(),
        pairs as usize - got.len()
    );
    same_ids(what, sent, got);
    assert_eq!(
        drops.created(),
        drops.dropped(),
        "{what}: items made vs dropped"
    );
}

/// One `Promise` per round, `waiters` tasks `wait` on it with random cuts
/// (retrying), a quarter cancelled; every waiter left gets the value.
pub async fn promise_round(what: &str, rounds: u64, rng: &mut Rng) {
    let mut total = 0;
    for round in 0..rounds {
        let p = Arc::new(Promise::<u64>::new());
        let mut waiters = Vec::new();
        for _ in 0..8 {
            let (p, mut r) = (p.clone(), rng.fork());
            waiters.push(runtime::spawn(async move {
                loop {
                    if let Some(res) = cut(Cut::pick(&mut r), p.wait()).await {
                        return res.expect("the promise is not cancelled");
                    }
                }
            }));
        }
        for _ in 0..rng.below(6) {
            runtime::yield_now().await;
        }
        let cancelled = cancel_some(&waiters, 1, 25, rng).await;
        p.set_result(round).expect("set once");
        let (values, c) = join_all(waiters).await;
        assert!(c <= cancelled);
        assert!(
            values.iter().all(|&v| v == round),
            "{what}: a waiter got another round's value"
        );
        assert_eq!(values.len() + c, 8);
        total += values.len();
    }
    println!("{what}: {rounds} promises, {total} waiters got their value");
}

/// A broadcast channel of `capacity`: `receivers` tasks `recv` with random
/// cuts while the sender sends `items` values. Every receiver sees the
/// values in order, none twice, and what it did not see it was told about
/// (`Lagged(n)`): received + lagged == sent, exactly.
pub async fn broadcast_round(what: &str, capacity: usize, items: u64, rng: &mut Rng) {
    let (tx, _) = broadcast::channel::<u64>(capacity);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (mut rx, mut r) = (tx.subscribe(), rng.fork());
        tasks.push(runtime::spawn(async move {
            let (mut next, mut received, mut lagged, mut cuts) = (0u64, 0u64, 0u64, 0u64);
            loop {
                match cut(Cut::pick(&mut r), rx.recv()).await {
                    Some(Ok(v)) => {
                        assert!(
                            v >= next,
                            "value {v} received after {next}: twice or out of order"
                        );
                        assert_eq!(v, next, "value {next} skipped without a Lagged");
                        next = v + 1;
                        received += 1;
                    }
                    Some(Err(broadcast::RecvError::Lagged(n))) => {
                        lagged += n;
                        next += n;
                    }
                    Some(Err(broadcast::RecvError::Closed)) => return (received, lagged, cuts),
                    None => cuts += 1,
                }
            }
        }));
    }
    for v in 0..items {
        tx.send(v).expect("receivers are alive");
        if rng.chance(30) {
            runtime::yield_now().await;
        }
    }
    drop(tx);
    let (outcomes, _) = join_all(tasks).await;
    for &(received, lagged, _) in &outcomes {
        assert_eq!(
            received + lagged,
            items,
            "{what}: a receiver got {received} and was told of {lagged} lagged, of {items}"
        );
    }
    println!("{what}: (received, lagged, cuts) per receiver {outcomes:?}");
}

/// A watch channel: the sender sends 1..=items; `receivers` tasks wait on
/// `changed()` (or `wait_for`) with random cuts. Each sees strictly
/// increasing values (a change is never reported twice) and ends on the
/// last one.
pub async fn watch_round(what: &str, items: u64, rng: &mut Rng) {
    let (tx, _) = watch::channel(0u64);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (mut rx, mut r) = (tx.subscribe(), rng.fork());
        tasks.push(runtime::spawn(async move {
            let (mut last, mut seen, mut cuts) = (0u64, 0u64, 0u64);
            loop {
                // (`wait_for`'s `Ref` is not `Send`: drop it inside.)
                let wait_for = async { rx.wait_for(|&v| v > last).await.map(|_| ()) };
                let res = if r.chance(20) {
                    cut(Cut::pick(&mut r), wait_for).await
                } else {
                    drop(wait_for);
                    cut(Cut::pick(&mut r), rx.changed()).await
                };
                let res = res.map(|res| res.map_err(|_| ()));
                match res {
                    Some(Ok(())) => {
                        let v = *rx.borrow_and_update();
                        assert!(v > last, "a change to {v} reported after {last}");
                        last = v;
                        seen += 1;
                    }
                    Some(Err(())) => break,
                    None => cuts += 1,
                }
            }
            let v = *rx.borrow_and_update();
            (v, seen, cuts)
        }));
    }
    for v in 1..=items {
        tx.send(v).expect("receivers are alive");
        if rng.chance(50) {
            runtime::yield_now().await;
        }
    }
    drop(tx);
    let (outcomes, _) = join_all(tasks).await;
    for &(v, _, _) in &outcomes {
        assert_eq!(v, items, "{what}: a receiver ended on {v}");
    }
    println!("{what}: (last, changes seen, cuts) per receiver {outcomes:?}");
}
