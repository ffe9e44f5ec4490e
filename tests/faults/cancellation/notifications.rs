//! Barrier, Event, Notify and Condition with waiters cut short: a cut
//! barrier waiter withdraws from its round, an event reaches every waiter
//! left, and a `notify_one` / `notify(1)` handed to a waiter that is then
//! cut goes on to the next one (none lost, none doubled).
//!
//! The notification cases are sequential on purpose: the notifier sends
//! one notification and waits until it has been consumed before the next,
//! so "lost" is a waiter that never wakes (the case fails after
//! [`PATIENCE`](super::cut::PATIENCE), naming the notification) and "doubled" is a count past
//! the notifications sent. Waiters that may be cut make one attempt and
//! leave (a retry would re-check the condition and hide a lost hand-off);
//! two persistent waiters are never cut and so must receive whatever a cut
//! waiter was handed.
#![allow(unreachable_pub)]

use super::cut::{cancel_some, cut, join_all, until, Cut};
use crate::support::Rng;
use runtime::sync::{Barrier, Condition, Event, Mutex, Notify};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;

/// Polls `fut` once.
async fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    let mut fut = Some(fut);
    poll_fn(|cx| Poll::Ready(fut.take().expect("polled once").poll(cx))).await
}

/// A barrier of 2: a waiter polled (so counted in) and then dropped
/// withdraws: the next waiter alone does not pass, a second one releases
/// both, exactly one of them the leader.
pub async fn barrier_withdraw() {
    let b = Barrier::new(2);
    {
        let mut a = pin!(b.wait());
        assert!(poll_once(a.as_mut()).await.is_pending());
        assert_eq!(b.n_waiting(), 1);
    }
    assert_eq!(
        b.n_waiting(),
        0,
        "a dropped barrier waiter is still counted"
    );
    let mut c = pin!(b.wait());
    assert!(
        poll_once(c.as_mut()).await.is_pending(),
        "a round completed with a dropped waiter counted in"
    );
    let d = b.wait().await;
    let c = c.await;
    assert!(c.is_leader() ^ d.is_leader(), "one leader per round");
    assert_eq!(b.n_waiting(), 0);
}

/// A barrier of `parties`: 9 tasks each wait `ops` times with random cuts,
/// a quarter cancelled; uncut fillers complete the last rounds. Every
/// completed round has one leader, no more than `parties` passes per
/// round, and nobody is left counted in at the end.
pub async fn barrier_round(what: &str, parties: usize, ops: usize, rng: &mut Rng) {
    let b = Arc::new(Barrier::new(parties));
    let (leaders, passes) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut tasks = Vec::new();
    for _ in 0..9 {
        let (b, leaders, passes, mut r) = (b.clone(), leaders.clone(), passes.clone(), rng.fork());
        tasks.push(runtime::spawn(async move {
            for _ in 0..ops {
                if let Some(res) = cut(Cut::pick(&mut r), b.wait()).await {
                    passes.fetch_add(1, SeqCst);
                    if res.is_leader() {
                        leaders.fetch_add(1, SeqCst);
                    }
                }
            }
        }));
    }
    let cancelled = cancel_some(&tasks, 0, 25, rng).await;
    // Fillers: whoever is left waiting needs company to finish.
    let mut fillers = Vec::new();
    while tasks.iter().any(|t| !t.is_finished())
        || fillers.iter().any(|t: &runtime::Task<()>| !t.is_finished())
    {
        if b.n_waiting() > 0 {
            let (b, leaders, passes) = (b.clone(), leaders.clone(), passes.clone());
            fillers.push(runtime::spawn(async move {
                let res = b.wait().await;
                passes.fetch_add(1, SeqCst);
                if res.is_leader() {
                    leaders.fetch_add(1, SeqCst);
                }
            }));
        }
        runtime::yield_now().await;
    }
    join_all(tasks).await;
    join_all(fillers).await;
    let (leaders, passes) = (leaders.load(SeqCst), passes.load(SeqCst));
    println!("{what}: {leaders} rounds, {passes} passes, {cancelled} cancelled");
    assert!(leaders > 0, "{what}: no round completed");
    assert!(
        passes <= leaders * parties,
        "{what}: {passes} passes in {leaders} rounds of {parties}"
    );
    assert_eq!(
        b.n_waiting(),
        0,
        "{what}: waiters counted in after everyone left"
    );
}

/// Per round an `Event`: 8 waiters wait with random cuts (retrying), a
/// quarter cancelled; `set` releases every waiter left; after `clear` a
/// new wait waits again.
pub async fn event_round(what: &str, rounds: usize, rng: &mut Rng) {
    let mut released = 0;
    for _ in 0..rounds {
        let ev = Arc::new(Event::new());
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (ev, mut r) = (ev.clone(), rng.fork());
            tasks.push(runtime::spawn(async move {
                while cut(Cut::pick(&mut r), ev.wait()).await.is_none() {}
            }));
        }
        for _ in 0..rng.below(6) {
            runtime::yield_now().await;
        }
        cancel_some(&tasks, 1, 25, rng).await;
        ev.set();
        let (done, cancelled) = join_all(tasks).await;
        assert_eq!(done.len() + cancelled, 8);
        released += done.len();
        ev.clear();
        let again = cut(Cut::Timeout(1), ev.wait()).await;
        assert!(again.is_none(), "{what}: a wait after clear() did not wait");
    }
    println!("{what}: {rounds} events, {released} waiters released");
}

/// `notifications` `notify_one`s, one at a time, to two persistent waiters
/// and a stream of waiters that are cut (one attempt each) or cancelled.
pub async fn notify_round(what: &str, notifications: usize, rng: &mut Rng) {
    let notify = Arc::new(Notify::new());
    let consumed = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut persistent = Vec::new();
    for _ in 0..2 {
        let (notify, consumed, stop) = (notify.clone(), consumed.clone(), stop.clone());
        persistent.push(runtime::spawn(async move {
            loop {
                // Made before the stop check: `notify_waiters` then
                // reaches it.
                let n = notify.notified();
                if stop.load(SeqCst) {
                    return;
                }
                n.await;
                if stop.load(SeqCst) {
                    return;
                }
                consumed.fetch_add(1, SeqCst);
            }
        }));
    }
    let mut transient = Vec::new();
    let mut cuts = 0;
    for i in 0..notifications {
        let wave: Vec<_> = (0..1 + rng.below(3))
            .map(|_| {
                let (notify, consumed, mut r) = (notify.clone(), consumed.clone(), rng.fork());
                runtime::spawn(async move {
                    if cut(Cut::pick_cutting(&mut r), notify.notified())
                        .await
                        .is_some()
                    {
                        consumed.fetch_add(1, SeqCst);
                    }
                })
            })
            .collect();
        for _ in 0..rng.below(3) {
            runtime::yield_now().await;
        }
        notify.notify_one();
        cuts += cancel_some(&wave, 0, 30, rng).await;
        transient.extend(wave);
        until(&format!("{what}: notify_one #{i} was lost"), || {
            consumed.load(SeqCst) > i
        })
        .await;
        assert_eq!(
            consumed.load(SeqCst),
            i + 1,
            "{what}: notify_one #{i} woke two waiters"
        );
    }
    join_all(transient).await;
    stop.store(true, SeqCst);
    notify.notify_waiters();
    join_all(persistent).await;
    assert_eq!(
        consumed.load(SeqCst),
        notifications,
        "{what}: notifications consumed"
    );
    println!("{what}: {notifications} notify_one consumed, {cuts} waiters cancelled");
}

/// Tokens under a `Mutex` with a `Condition`: the producer adds one token
/// and `notify(1)`s, then waits for it to be consumed; consumers
/// `wait_for(tokens > 0)`: two persistent ones, and per token a wave of
/// one-attempt waiters that are cut or cancelled.
pub async fn condition_round(what: &str, tokens: usize, rng: &mut Rng) {
    #[derive(Default)]
    struct State {
        tokens: usize,
        done: bool,
    }
    let shared = Arc::new((Mutex::new(State::default()), Condition::new()));
    let consumed = Arc::new(AtomicUsize::new(0));
    let mut persistent = Vec::new();
    for _ in 0..2 {
        let (shared, consumed) = (shared.clone(), consumed.clone());
        persistent.push(runtime::spawn(async move {
            let (lock, cond) = &*shared;
            loop {
                let g = lock.lock().await;
                let mut g = cond.wait_for(g, |s| s.tokens > 0 || s.done).await;
                if g.tokens == 0 {
                    return; // done
                }
                g.tokens -= 1;
                consumed.fetch_add(1, SeqCst);
            }
        }));
    }
    let mut transient = Vec::new();
    for i in 0..tokens {
        let wave: Vec<_> = (0..1 + rng.below(3))
            .map(|_| {
                let (shared, consumed, mut r) = (shared.clone(), consumed.clone(), rng.fork());
                runtime::spawn(async move {
                    let (lock, cond) = &*shared;
                    let g = lock.lock().await;
                    let how = Cut::pick_cutting(&mut r);
                    if let Some(mut g) =
                        cut(how, cond.wait_for(g, |s| s.tokens > 0 || s.done)).await
                    {
                        if g.tokens > 0 {
                            g.tokens -= 1;
                            consumed.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
            .collect();
        for _ in 0..rng.below(3) {
            runtime::yield_now().await;
        }
        shared.0.lock().await.tokens += 1;
        shared.1.notify(1);
        cancel_some(&wave, 0, 30, rng).await;
        transient.extend(wave);
        until(
            &format!("{what}: the notification of token #{i} was lost"),
            || consumed.load(SeqCst) > i,
        )
        .await;
        assert_eq!(
            consumed.load(SeqCst),
            i + 1,
            "{what}: token #{i} consumed twice"
        );
    }
    join_all(transient).await;
    shared.0.lock().await.done = true;
    shared.1.notify_all();
    join_all(persistent).await;
    assert_eq!(shared.0.try_lock().expect("free").tokens, 0);
    println!("{what}: {tokens} tokens consumed");
}
