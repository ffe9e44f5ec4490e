//! The hand-off to a waiter that is then dropped, made deterministic: a
//! first waiter is polled once (so it queues first), a second waiter (a
//! task) queues behind it, the resource is given (an item, a slot, a
//! permit, the lock, a notification), which goes to the first waiter in
//! FIFO order, and the first waiter is dropped before it takes it. The
//! second must then get it; a hand-off that stays with the dropped waiter
//! leaves the second asleep beside a free resource, and the case fails
//! after `PATIENCE`. The random cases hit this too, but a retrying waiter
//! can hide it; here nothing retries.
#![allow(unreachable_pub)]

use super::cut::until;
use runtime::sync::{mpsc, Condition, Mutex, Queue, RwLock, Semaphore};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

type BoxFut = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One hand-off as described in the module docs: `first` is the first
/// waiter (on `s`), `second` makes the second (run as a task), `queued`
/// says when the second is queued if that must be awaited (a Condition
/// stores no notification: one given before the second waits is gone by
/// design), `give` hands the resource over.
async fn handoff<S, F>(
    what: &str,
    s: Arc<S>,
    first: F,
    second: impl FnOnce(Arc<S>) -> BoxFut,
    queued: Option<fn(&S) -> bool>,
    give: impl FnOnce(&S),
) where
    S: Send + Sync + 'static,
    F: Future,
{
    let mut a = Box::pin(first);
    let polled = poll_fn(|cx| Poll::Ready(a.as_mut().poll(cx).is_pending())).await;
    assert!(polled, "{what}: the first waiter did not have to wait");
    let b = runtime::spawn(second(s.clone()));
    // Let the second waiter queue (on one thread it runs when we yield; on
    // two it may queue later, or find the resource free: both must work).
    for _ in 0..4 {
        runtime::yield_now().await;
    }
    if let Some(queued) = queued {
        until(&format!("{what}: the second waiter never queued"), || {
            queued(&s)
        })
        .await;
    }
    give(&s);
    drop(a);
    until(
        &format!("{what}: what was handed to a dropped waiter was not passed on"),
        || b.is_finished(),
    )
    .await;
    b.await.expect("the second waiter completes");
}

/// Every primitive's hand-off, once.
pub async fn all_handoffs() {
    let q = Arc::new(Queue::<u32>::new(0));
    handoff(
        "Queue::get",
        q.clone(),
        q.get(),
        |q| Box::pin(async move { assert_eq!(q.get().await.ok(), Some(7)) }),
        None,
        |q| q.try_put(7).expect("room"),
    )
    .await;

    let q = Arc::new(Queue::<u32>::new(1));
    q.try_put(1).expect("room");
    handoff(
        "Queue::put",
        q.clone(),
        q.put(2),
        |q| Box::pin(async move { q.put(3).await.expect("not closed") }),
        None,
        |q| assert_eq!(q.try_get().ok(), Some(1)),
    )
    .await;
    assert_eq!(q.try_get().ok(), Some(3), "the dropped put's item was put");

    let sem = Arc::new(Semaphore::new(0));
    handoff(
        "Semaphore::acquire",
        sem.clone(),
        sem.acquire(),
        |s| Box::pin(async move { s.acquire().await.expect("not closed").forget() }),
        None,
        |s| s.add_permits(1),
    )
    .await;
    assert_eq!(sem.available_permits(), 0);

    let m = Arc::new(Mutex::new(()));
    let held = m.clone().try_lock_owned().expect("free");
    handoff(
        "Mutex::lock",
        m.clone(),
        m.lock(),
        |m| Box::pin(async move { drop(m.lock().await) }),
        None,
        move |_| drop(held),
    )
    .await;
    assert!(m.try_lock().is_ok(), "the mutex is free at the end");

    let l = Arc::new(RwLock::new(()));
    let reading = l.clone().try_read_owned().expect("free");
    handoff(
        "RwLock::write",
        l.clone(),
        l.write(),
        |l| Box::pin(async move { drop(l.write().await) }),
        None,
        move |_| drop(reading),
    )
    .await;
    assert!(l.try_write().is_ok(), "the rwlock is free at the end");

    // A writer queued behind a reader (fair: later readers queue behind
    // it) is dropped while the reader still holds: the reader queued
    // behind the writer must get in (nothing is given; the drop alone must
    // release it).
    let l = Arc::new(RwLock::new(()));
    let reading = l.clone().try_read_owned().expect("free");
    handoff(
        "RwLock::write dropped in front of a read",
        l.clone(),
        l.write(),
        |l| Box::pin(async move { drop(l.read().await) }),
        None,
        |_| {},
    )
    .await;
    drop(reading);
    assert!(l.try_write().is_ok(), "the rwlock is free at the end");

    // An `acquire_many(3)` at the head of the queue, with 1 of 2 permits
    // free (it may hold that one already), and an `acquire()` queued behind
    // it (no barging): dropping the head must let the second through.
    let sem = Arc::new(Semaphore::new(2));
    let held = sem.clone().try_acquire_owned().expect("a permit");
    handoff(
        "Semaphore::acquire_many dropped at the head of the queue",
        sem.clone(),
        sem.acquire_many(3),
        |s| Box::pin(async move { drop(s.acquire().await.expect("open")) }),
        None,
        |_| {},
    )
    .await;
    drop(held);
    assert_eq!(sem.available_permits(), 2, "permits after the dropped head");

    let c = Arc::new((Mutex::new(()), Condition::new()));
    handoff(
        "Condition::wait",
        c.clone(),
        async {
            let g = c.0.lock().await;
            drop(c.1.wait(g).await)
        },
        |s| {
            Box::pin(async move {
                let g = s.0.lock().await;
                drop(s.1.wait(g).await)
            })
        },
        // Its `Debug` shows the waiters queued.
        Some(|s| format!("{:?}", s.1).contains("waiters: 2")),
        |s| s.1.notify(1),
    )
    .await;

    let (tx, rx) = mpsc::channel::<u32>(1);
    tx.try_send(1).expect("room");
    let s = Arc::new((tx, std::sync::Mutex::new(rx)));
    handoff(
        "mpsc::Sender::send",
        s.clone(),
        s.0.send(2),
        |s| Box::pin(async move { s.0.send(3).await.expect("open") }),
        None,
        |s| assert_eq!(s.1.lock().unwrap().try_recv().ok(), Some(1)),
    )
    .await;
    assert_eq!(
        s.1.lock().unwrap().try_recv().ok(),
        Some(3),
        "the dropped send's value was sent"
    );
}

/// A `BoundedSemaphore(1)` whose one permit was forgotten: `release()`
/// hands it to a waiting `acquire`, which is dropped before it takes it.
/// The permit must come back exactly once: available again, a second
/// `release()` refused (the bound), and while the permit is promised to
/// the waiter a `release()` is refused too.
pub async fn bounded_semaphore_promise_dropped() {
    let sem = runtime::sync::BoundedSemaphore::new(1);
    sem.try_acquire().expect("one permit").forget();
    assert_eq!(sem.available_permits(), 0);
    let mut a = Box::pin(sem.acquire());
    let pending = poll_fn(|cx| Poll::Ready(a.as_mut().poll(cx).is_pending())).await;
    assert!(pending, "the waiter did not wait");
    sem.release().expect("the forgotten permit goes back");
    assert!(
        sem.release().is_err(),
        "a second release was accepted while the permit was promised to a waiter"
    );
    drop(a);
    assert_eq!(
        sem.available_permits(),
        1,
        "the permit promised to a dropped waiter did not come back exactly once"
    );
    assert!(
        sem.release().is_err(),
        "a release past the bound was accepted"
    );
    let p = sem.try_acquire().expect("the permit is free");
    assert!(
        sem.try_acquire().is_err(),
        "two permits out of a bound of 1"
    );
    drop(p);
}
