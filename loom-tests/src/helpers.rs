//! Helpers shared by the loom models.

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// A model that has not finished after this long is reported as a hang
/// (a failure), not left to a CI timeout.
pub const WATCHDOG: Duration = Duration::from_secs(600);

/// `LOOM_MAX_PREEMPTIONS` when it is not set.
pub const DEFAULT_PREEMPTIONS: usize = 2;

/// Explores every interleaving of `body` (within `LOOM_MAX_PREEMPTIONS`,
/// [`DEFAULT_PREEMPTIONS`] when unset) under a watchdog, and prints how
/// many executions it took and how long.
pub fn model<F>(name: &'static str, body: F)
where
    F: Fn() + Sync + Send + 'static,
{
    model_bounded(name, usize::MAX, body);
}

/// [`model`] with the preemption bound capped at `max_preemptions`, for
/// models whose state space at the default bound takes too long for CI (each
/// says why, and what it still covers).
pub fn model_bounded<F>(name: &'static str, max_preemptions: usize, body: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let executions = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = executions.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let start = Instant::now();
    let thread = std::thread::Builder::new()
        .name(format!("loom-{name}"))
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let body = move || {
                    counted.fetch_add(1, SeqCst);
                    body();
                };
                if std::env::var_os("LOOM_LOG").is_some() {
                    // `loom::model` installs the tracing subscriber that
                    // prints each operation (filtered by LOOM_LOG).
                    loom::model(body);
                } else {
                    let mut builder = loom::model::Builder::new();
                    // Unbounded preemption does not finish for the scheduler
                    // models: default to the documented bound.
                    builder.preemption_bound = Some(
                        builder
                            .preemption_bound
                            .unwrap_or(DEFAULT_PREEMPTIONS)
                            .min(max_preemptions),
                    );
                    builder.check(body);
                }
            }));
            let _ = tx.send(out);
        })
        .expect("spawn the model thread");
    match rx.recv_timeout(WATCHDOG) {
        Ok(Ok(())) => {
            thread.join().expect("join the model thread");
            eprintln!(
                "loom model {name}: {} executions in {:.1?}",
                executions.load(SeqCst),
                start.elapsed()
            );
        }
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!(
            "watchdog: loom model `{name}` did not finish within {WATCHDOG:?} \
             ({} executions so far)",
            executions.load(SeqCst)
        ),
    }
}

/// Runs the model `name` as [`model`] does, after checking that debug
/// assertions are on: the runtime's `debug_assert!`s are part of what the
/// models check, so a build without them would pass vacuously. Every model
/// goes through this (or [`check_bounded`]); without debug assertions it
/// fails at once, naming the command to use.
pub fn check<F>(name: &'static str, body: F)
where
    F: Fn() + Sync + Send + 'static,
{
    require_debug_assertions();
    model(name, body);
}

/// [`check`] with the preemption bound capped at `max_preemptions`, as
/// [`model_bounded`] does.
pub fn check_bounded<F>(name: &'static str, max_preemptions: usize, body: F)
where
    F: Fn() + Sync + Send + 'static,
{
    require_debug_assertions();
    model_bounded(name, max_preemptions, body);
}

#[allow(clippy::assertions_on_constants)] // the check is the point
fn require_debug_assertions() {
    assert!(
        cfg!(debug_assertions),
        "loom-tests need debug assertions: run with RUSTFLAGS=\"--cfg runtime_loom -C debug-assertions\""
    );
}

/// Wakes a loom thread through loom's park/unpark token.
struct ThreadWaker(loom::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// A waker that unparks the current loom thread (loom's park token).
pub fn thread_waker() -> Waker {
    Waker::from(std::sync::Arc::new(ThreadWaker(loom::thread::current())))
}

/// Drives `fut` to completion on the current loom thread, parking it (with
/// loom's own park, independent of the runtime's parker) while pending. A
/// lost wakeup makes loom report a deadlock.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = thread_waker();
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        loom::thread::park();
    }
}

/// Polls `fut` once with a waker that does nothing.
pub fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = Counter::new().waker();
    let mut cx = Context::from_waker(&waker);
    Pin::new(fut).poll(&mut cx)
}

/// Counts events (drops, wakes) across the model's threads. Plain std
/// atomics: the count takes no part in the protocol under test and is read
/// after the threads are joined.
#[derive(Clone, Default, Debug)]
pub struct Counter(std::sync::Arc<AtomicUsize>);

impl Counter {
    pub fn new() -> Counter {
        Counter::default()
    }

    pub fn get(&self) -> usize {
        self.0.load(SeqCst)
    }

    pub fn incr(&self) {
        self.0.fetch_add(1, SeqCst);
    }

    /// A value whose drop increments this counter.
    pub fn token(&self) -> DropToken {
        DropToken(self.clone())
    }

    /// A waker whose wakes increment this counter.
    pub fn waker(&self) -> Waker {
        Waker::from(std::sync::Arc::new(CountingWaker(self.clone())))
    }
}

/// Increments its [`Counter`] when dropped.
#[derive(Debug)]
pub struct DropToken(Counter);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.incr();
    }
}

struct CountingWaker(Counter);

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.incr();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.incr();
    }
}

/// A one-shot event another thread opens: [`Gate::wait`] is a future that
/// is pending until [`Gate::open`], which wakes the waker it registered.
///
/// The waiter stores its waker under the lock and then checks the flag; the
/// opener sets the flag and then takes the waker under the lock. The lock
/// orders the two, so one of them sees the other: the gate itself never
/// loses a wakeup, and a model that hangs has found a lost wakeup in the
/// code under test.
#[derive(Clone)]
pub struct Gate {
    inner: Arc<GateInner>,
}

struct GateInner {
    open: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

impl Gate {
    pub fn new() -> Gate {
        Gate {
            inner: Arc::new(GateInner {
                open: AtomicBool::new(false),
                waker: Mutex::new(None),
            }),
        }
    }

    /// Opens the gate, waking the registered waker by value.
    pub fn open(&self) {
        self.inner.open.store(true, Ordering::Release);
        let waker = self.inner.waker.lock().unwrap().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Opens the gate, waking the registered waker by reference (then
    /// dropping it).
    pub fn open_by_ref(&self) {
        self.inner.open.store(true, Ordering::Release);
        let waker = self.inner.waker.lock().unwrap().take();
        if let Some(waker) = waker {
            waker.wake_by_ref();
        }
    }

    pub fn is_open(&self) -> bool {
        self.inner.open.load(Ordering::Acquire)
    }

    /// Drops the registered waker, if any, without waking it.
    pub fn clear(&self) {
        let waker = self.inner.waker.lock().unwrap().take();
        drop(waker);
    }

    /// A future that completes once the gate is open.
    pub fn wait(&self) -> GateWait {
        GateWait(self.clone())
    }
}

/// The future of [`Gate::wait`].
pub struct GateWait(Gate);

impl Future for GateWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let inner = &self.0.inner;
        if inner.open.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        let old = inner.waker.lock().unwrap().replace(cx.waker().clone());
        drop(old);
        if inner.open.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// A future that returns `Pending` `n` times, waking itself each time
/// (`yield_now` repeated), then `Ready(())`.
pub struct YieldTimes(pub usize);

impl Future for YieldTimes {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The "an unpark publishes the writes before it" check, shared by the
/// parker models: a thread sets a flag (`Release`) and then calls `unpark`;
/// the owner calls `park` until it sees the flag (`Acquire`). If an unpark
/// could be lost, or could wake the owner without its writes being visible,
/// the owner parks forever and loom reports the deadlock.
pub fn unpark_publishes(unpark: impl FnOnce() + Send + 'static, mut park: impl FnMut()) {
    let flag = Arc::new(AtomicBool::new(false));
    let publisher = {
        let flag = flag.clone();
        loom::thread::spawn(move || {
            flag.store(true, Ordering::Release);
            unpark();
        })
    };
    while !flag.load(Ordering::Acquire) {
        park();
    }
    publisher.join().unwrap();
}
