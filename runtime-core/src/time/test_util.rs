//! Helpers shared by the timer tests.

use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Arc;
use crate::time::{TimeDriver, TimerThread};
use std::task::{Wake, Waker};
use std::time::Duration;

/// A small deterministic PRNG (xorshift64*), so tests need no `rand`.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Runs `body` on its own thread and fails the test if it has not finished
/// within `limit` (a hang is a failure, not a CI timeout). Panics in `body`
/// are propagated.
pub(crate) fn watchdog<T: Send + 'static>(
    name: &str,
    limit: Duration,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(format!("test-{name}"))
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
            let _ = tx.send(out);
        })
        .expect("spawn the test thread");
    match rx.recv_timeout(limit) {
        Ok(Ok(out)) => {
            handle.join().expect("join the test thread");
            out
        }
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("watchdog: test `{name}` did not finish within {limit:?} (a hang)"),
    }
}

/// A waker that counts how often it is woken.
#[derive(Default)]
pub(crate) struct CountingWaker {
    wakes: AtomicUsize,
}

impl CountingWaker {
    pub(crate) fn new() -> (std::sync::Arc<Self>, Waker) {
        let counter = std::sync::Arc::new(Self::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    pub(crate) fn count(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh driver with a timer thread driving it.
pub(crate) fn driven() -> (Arc<TimeDriver>, TimerThread) {
    let driver = TimeDriver::new();
    let thread = TimerThread::start(driver.clone(), "test-timer".into()).expect("timer thread");
    (driver, thread)
}

/// The message of a caught panic.
pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        String::from("<non-string panic>")
    }
}

/// Generous limit for tests that wait on real timers.
pub(crate) const LIMIT: Duration = Duration::from_secs(60);
