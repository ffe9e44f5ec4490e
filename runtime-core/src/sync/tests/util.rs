//! Test helpers: a watchdog, counting wakers, single polls, threads.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Arc;
use crate::loom::thread::{Builder, JoinHandle};
pub(super) use crate::scheduler::park::block_on_thread as block_on;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// How long any test body may run before it counts as hung.
const LIMIT: Duration = Duration::from_secs(60);

/// `n`, or under miri a hundredth of it but at least `min(n, 10)`: the
/// iteration counts of the tests that run threads against each other. Miri
/// interprets each step thousands of times slower than native code; the
/// small runs still take every path (the same threads, the same mix of
/// operations and cancellations), only fewer times.
pub(super) const fn scaled(n: usize) -> usize {
    if !cfg!(miri) {
        n
    } else if n / 100 > 10 {
        n / 100
    } else if n > 10 {
        10
    } else {
        n
    }
}

/// Runs `body` on its own thread and fails the test if it has not finished
/// within 60 s (a hang is a failure, e.g. a lost wakeup). A panic in the
/// body is propagated.
pub(super) fn watchdog<R: Send + 'static>(
    name: &str,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = spawn(name, move || {
        let out = body();
        let _ = tx.send(out);
    });
    match rx.recv_timeout(LIMIT) {
        Ok(out) => {
            handle.join().expect("watchdog body thread");
            out
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("body returned without sending"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!(
            "test `{name}` hung: no result after {LIMIT:?} (a lost wakeup or a leaked permit/item?)"
        ),
    }
}

/// Spawns a named thread (through the loom shim).
pub(super) fn spawn<R: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> JoinHandle<R> {
    Builder::new()
        .name(name.to_string())
        .spawn(f)
        .expect("spawn test thread")
}

/// A waker that counts how often it was woken.
#[derive(Default)]
pub(super) struct WakeCounter {
    wakes: AtomicUsize,
}

impl WakeCounter {
    pub(super) fn new() -> (Arc<Self>, Waker) {
        let counter = Arc::new(Self::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    pub(super) fn count(&self) -> usize {
        self.wakes.load(SeqCst)
    }
}

impl Wake for WakeCounter {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// A future pinned on the heap, with its own counting waker, polled by hand.
pub(super) struct Probe<'a, T> {
    fut: Pin<Box<dyn Future<Output = T> + Send + 'a>>,
    counter: Arc<WakeCounter>,
    waker: Waker,
}

impl<'a, T> Probe<'a, T> {
    pub(super) fn new(fut: impl Future<Output = T> + Send + 'a) -> Self {
        let (counter, waker) = WakeCounter::new();
        Self {
            fut: Box::pin(fut),
            counter,
            waker,
        }
    }

    pub(super) fn poll(&mut self) -> Poll<T> {
        self.fut
            .as_mut()
            .poll(&mut Context::from_waker(&self.waker))
    }

    /// Polls and expects `Pending`.
    #[track_caller]
    pub(super) fn pending(&mut self) {
        assert!(
            self.poll().is_pending(),
            "expected the future to be pending"
        );
    }

    /// Polls and expects `Ready`, returning the output.
    #[track_caller]
    pub(super) fn ready(&mut self) -> T {
        match self.poll() {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("expected the future to be ready"),
        }
    }

    /// How often this future's waker was woken.
    pub(super) fn wakes(&self) -> usize {
        self.counter.count()
    }
}

/// A small deterministic pseudo-random generator (xorshift) for choosing
/// what a stress thread does next.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `true` with probability 1/n.
    pub(super) fn one_in(&mut self, n: u64) -> bool {
        self.next() % n == 0
    }
}
