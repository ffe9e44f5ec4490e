//! What the `sync_*` loom families share: a `block_on` that parks on a loom
//! `Condvar`, a hand-poll with a counting waker, and the `unless` combinator
//! that cancels a waiter at an arbitrary point. (The model wrapper is
//! `loom_tests::check`, as for every family.)
//!
//! Why not `loom_tests::block_on`: it parks with loom's thread-park token,
//! and loom 0.7.2 loses a stored token when the thread then blocks on a
//! loom `Mutex` before it parks (`post_acquire` of the lock holder calls
//! `set_blocked` on the waiting thread and `release_lock` calls
//! `set_runnable`, which resets `unparked` to false). Every sync primitive
//! takes its loom `Mutex` on each poll, so a waiter woken just before it
//! contends for the primitive's lock would be reported as a deadlock that
//! std would never have (std keeps the token). `loom::future::block_on`
//! avoids that but needs loom's `futures` feature, which the workspace does
//! not enable; this `block_on` waits on a `Mutex<bool>` + `Condvar`
//! instead, which loom models exactly. See `docs/testing.md` (the sync
//! section) for a minimal reproduction.

// Each family uses a different subset.
#![allow(dead_code)]

use loom::sync::{Condvar, Mutex};
use loom_tests::Counter;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A wakeup flag under a loom lock, with a condvar to wait for it.
struct Signal {
    woken: Mutex<bool>,
    cvar: Condvar,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        *self.woken.lock().unwrap() = true;
        self.cvar.notify_one();
    }
}

/// Drives `fut` to completion on the current loom thread, waiting on a loom
/// condvar between polls. A lost wakeup makes loom report a deadlock.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let signal = Arc::new(Signal {
        woken: Mutex::new(false),
        cvar: Condvar::new(),
    });
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        let mut woken = signal.woken.lock().unwrap();
        while !*woken {
            woken = signal.cvar.wait(woken).unwrap();
        }
        *woken = false;
    }
}

/// Polls `fut` once with a waker that counts its wakes in `wakes`.
pub(crate) fn poll_with<F: Future + Unpin>(fut: &mut F, wakes: &Counter) -> Poll<F::Output> {
    let waker = wakes.waker();
    let mut cx = Context::from_waker(&waker);
    Pin::new(fut).poll(&mut cx)
}

/// Runs `fut` until it completes, or until `cancel` completes first: then
/// `fut` is dropped, however far it got (queued, or already chosen and
/// woken). `cancel` is polled first, so a waiter woken by its turn and by
/// the cancellation at once gives up its turn. This is what a `select!`
/// with a timeout does to a waiter.
pub(crate) async fn unless<F: Future, C: Future>(fut: F, cancel: C) -> Option<F::Output> {
    let (mut fut, mut cancel) = (pin!(fut), pin!(cancel));
    poll_fn(|cx| {
        if cancel.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}
