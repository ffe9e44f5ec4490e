//! The test clock: [`pause`], [`advance`], [`resume`] and the runtime's
//! [`now`], on the current-thread flavour.
//!
//! # How it works
//!
//! Every [`TimeDriver`] reads the time through its [`Clock`]: one atomic
//! word whose top two bits say where the time comes from and whose other
//! 62 bits hold nanoseconds:
//!
//! - `REAL` (the word is 0): `Instant::now()`; what every runtime runs on
//!   until a test pauses it, at the cost of one load per read;
//! - `PAUSED`: the time stands still at `base + nanos` (`base` is the
//!   driver's creation instant); only [`advance`] and the auto-advance move
//!   it, and only forwards;
//! - `OFFSET`: after [`resume`], the real clock plus `nanos`, so the time
//!   goes on from where the paused clock had got to instead of jumping back.
//!
//! One word means a reader on another thread (the reactor's backstop, a
//! timer thread) never sees a mode with the other mode's number.
//!
//! Timers, `sleep(d)`'s deadline (`now() + d`), `timeout` and `interval`
//! all take the driver's time, so a paused runtime's timers fire when the
//! paused time reaches them:
//!
//! - [`advance`] moves the time to the earliest timer deadline (or wheel
//!   slot to cascade) that is due by the target, fires what is due there,
//!   and yields so the woken tasks run (and may set new timers) before it
//!   takes the next step; at the target it stops. Timers thus fire in
//!   deadline order, each at its own time.
//! - **Auto-advance**: when the current-thread runtime finds nothing to
//!   run, instead of parking it asks the driver to jump to the next timer
//!   and fire it ([`TimeDriver::auto_advance`]), then runs the woken tasks.
//!   It does not while a `spawn_blocking` job is in flight (the job may be
//!   what the tasks wait for; the runtime then parks briefly and looks
//!   again) or when no timer is pending (it parks as usual, waiting for
//!   I/O or a wake from another thread).
//!
//! Only the current-thread flavour may pause: there the thread that runs
//! the tasks is the one that decides when the runtime is idle, so "nothing
//! left to run" is a fact, not a race with other workers. The runtime marks
//! its driver pausable when it is built ([`TimeDriver::set_pausable`]).

use super::time_driver::TimeDriver;
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::loom::sync::Arc;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

const MODE_SHIFT: u32 = 62;
const NANOS: u64 = (1 << MODE_SHIFT) - 1;
const REAL: u64 = 0;
const PAUSED: u64 = 1;
const OFFSET: u64 = 2;
const NANOS_PER_MS: u64 = 1_000_000;

/// Where a driver's time comes from (see the module docs).
#[derive(Debug)]
pub(crate) struct Clock {
    word: AtomicU64,
    /// Set by the current-thread runtime that owns the driver.
    pausable: AtomicBool,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock {
            word: AtomicU64::new(REAL),
            pausable: AtomicBool::new(false),
        }
    }

    /// The time, with `base` the driver's creation instant. (Under loom the
    /// driver reads its manual clock instead.)
    #[cfg_attr(runtime_loom, allow(dead_code))]
    #[inline]
    pub(crate) fn now(&self, base: Instant) -> Instant {
        // Acquire pairs with the Release stores below: a reader that sees
        // the paused time also sees the timers registered before it moved.
        let word = self.word.load(Ordering::Acquire);
        if word == REAL {
            return Instant::now();
        }
        let nanos = Duration::from_nanos(word & NANOS);
        if word >> MODE_SHIFT == PAUSED {
            base + nanos
        } else {
            Instant::now() + nanos
        }
    }

    fn paused_nanos(&self) -> Option<u64> {
        let word = self.word.load(Ordering::Acquire);
        (word >> MODE_SHIFT == PAUSED).then_some(word & NANOS)
    }

    fn set_paused(&self, nanos: u64) {
        self.word
            .store((PAUSED << MODE_SHIFT) | nanos.min(NANOS), Ordering::Release);
    }
}

fn nanos_since(base: Instant, instant: Instant) -> u64 {
    u64::try_from(instant.saturating_duration_since(base).as_nanos()).unwrap_or(NANOS)
}

impl TimeDriver {
    /// Lets [`pause`] stop this driver's clock (the current-thread runtime
    /// calls this when it is built).
    pub(crate) fn set_pausable(&self) {
        self.clock().pausable.store(true, Ordering::Relaxed);
    }

    /// Whether the clock is paused.
    pub(crate) fn is_paused(&self) -> bool {
        self.clock().paused_nanos().is_some()
    }

    #[track_caller]
    fn pause_clock(&self) {
        assert!(
            self.clock().pausable.load(Ordering::Relaxed),
            "runtime::time::pause called on a multi-thread runtime: the test clock works on the \
             current-thread flavour only; use #[runtime::test] (current-thread by default) or \
             runtime::Builder::new_current_thread()"
        );
        assert!(
            !self.is_paused(),
            "runtime::time::pause called while the clock is already paused"
        );
        // Stopped on a whole millisecond (the next one): the wheel's ticks
        // are whole ms, so `sleep(d)` followed by `advance(d)` reaches the
        // sleep's tick exactly, as a test expects.
        let now = nanos_since(self.base(), self.now()).div_ceil(NANOS_PER_MS) * NANOS_PER_MS;
        self.clock().set_paused(now);
    }

    #[track_caller]
    fn resume_clock(&self) {
        let Some(paused) = self.clock().paused_nanos() else {
            panic!(
                "runtime::time::resume called while the clock is not paused: call \
                 runtime::time::pause() first"
            );
        };
        let real = nanos_since(self.base(), Instant::now());
        let offset = paused.saturating_sub(real);
        let word = if offset == 0 {
            REAL
        } else {
            (OFFSET << MODE_SHIFT) | offset
        };
        self.clock().word.store(word, Ordering::Release);
        // Whoever waits for the next timer computed its wait on the paused
        // time: have it compute again.
        self.unpark_driver();
    }

    /// Moves the paused time forwards to the next timer deadline (or wheel
    /// slot to cascade) if that comes before `target` (ns since `base`),
    /// else to `target`, and fires what is due. Returns whether `target`
    /// is still ahead.
    fn advance_step(&self, target: u64) -> bool {
        let Some(now) = self.clock().paused_nanos() else {
            return false;
        };
        let next = self.next_deadline_nanos().unwrap_or(u64::MAX);
        let to = next.min(target).max(now);
        self.clock().set_paused(to);
        self.process();
        to < target
    }

    /// The auto-advance of an idle current-thread runtime: with the clock
    /// paused and a timer pending, moves the time to the next deadline and
    /// fires what is due. Returns `false` (nothing done) otherwise.
    pub(crate) fn auto_advance(&self) -> bool {
        let Some(now) = self.clock().paused_nanos() else {
            return false;
        };
        let Some(next) = self.next_deadline_nanos() else {
            return false;
        };
        self.clock().set_paused(next.max(now));
        self.process();
        true
    }
}

/// Stops the runtime's clock (Tokio's `time::pause`), for tests: from now
/// on time moves only when [`advance`] moves it, or when the runtime has
/// nothing to run but timers, in which case it jumps to the next timer at
/// once (auto-advance). A one-hour `sleep` then completes as soon as
/// nothing else can run, and timers fire in deadline order.
///
/// Timers (`sleep`, `timeout`, `interval`) use the paused time, and so
/// does [`now`]; `Instant::now()` (`std`'s, which `runtime::time::Instant`
/// is) still reads the real clock, so measure a paused runtime's time with
/// [`now`]. `#[runtime::test(start_paused = true)]` pauses before the test
/// body runs.
///
/// # Panics
///
/// Outside a runtime, on a multi-thread runtime (the test clock needs the
/// current-thread flavour, where "nothing left to run" is known), or when
/// the clock is already paused.
///
/// ```
/// # runtime_core::scheduler::Builder::new_current_thread().build().unwrap().block_on(async {
/// use runtime_core::time::{self, sleep, Duration};
///
/// time::pause();
/// let start = time::now();
/// let real = std::time::Instant::now();
/// sleep(Duration::from_secs(3600)).await; // completes at once: auto-advance
/// assert!(time::now() - start >= Duration::from_secs(3600));
/// assert!(real.elapsed() < Duration::from_secs(3600));
/// time::resume();
/// # });
/// ```
#[track_caller]
pub fn pause() {
    super::current_driver("pause").pause_clock();
}

/// Starts the paused clock again: time goes on at the real rate from where
/// the paused clock had got to (it never goes back).
///
/// # Panics
///
/// Outside a runtime, or when the clock is not paused.
#[track_caller]
pub fn resume() {
    super::current_driver("resume").resume_clock();
}

/// Moves the paused clock forwards by `duration`, firing the timers due by
/// then in deadline order: at each deadline it fires what is due there and
/// yields, so the woken tasks run (and may set new timers, which fire too if
/// they are due by the end) before time moves on.
///
/// # Panics
///
/// Outside a runtime, or when the clock is not paused.
///
/// ```
/// # runtime_core::scheduler::Builder::new_current_thread().build().unwrap().block_on(async {
/// use runtime_core::time::{self, sleep, Duration};
/// use std::sync::{Arc, Mutex};
///
/// time::pause();
/// let order = Arc::new(Mutex::new(Vec::new()));
/// for secs in [30, 10, 20] {
///     let order = order.clone();
///     runtime_core::scheduler::spawn(async move {
///         sleep(Duration::from_secs(secs)).await;
///         order.lock().unwrap().push(secs);
///     });
/// }
/// runtime_core::scheduler::yield_now().await; // let them set their timers
/// time::advance(Duration::from_secs(15)).await;
/// assert_eq!(*order.lock().unwrap(), [10]);
/// time::advance(Duration::from_secs(15)).await;
/// assert_eq!(*order.lock().unwrap(), [10, 20, 30]);
/// # });
/// ```
#[track_caller]
pub fn advance(duration: Duration) -> impl Future<Output = ()> {
    let driver = super::current_driver("advance");
    let Some(now) = driver.clock().paused_nanos() else {
        panic!(
            "runtime::time::advance called while the clock is not paused: call \
             runtime::time::pause() first"
        );
    };
    let target = now.saturating_add(u64::try_from(duration.as_nanos()).unwrap_or(NANOS));
    Advance {
        driver,
        target,
        yielded: false,
        done: false,
    }
}

/// The future of [`advance`]: one step per poll, each followed by a yield.
struct Advance {
    driver: Arc<TimeDriver>,
    target: u64,
    /// Whether this poll follows the yield after a step.
    yielded: bool,
    done: bool,
}

impl Future for Advance {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            self.yielded = false;
            if self.done {
                return Poll::Ready(());
            }
        }
        let more = self.driver.advance_step(self.target);
        self.done = !more;
        self.yielded = true;
        // Yield: the tasks the step woke run before the next step (a wake
        // during the poll puts this task behind them).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The runtime's time: the real clock, or the paused clock of
/// [`pause`] (plus what [`advance`] and auto-advance added). Outside a
/// runtime, the real clock.
///
/// ```
/// # runtime_core::scheduler::Builder::new_current_thread().build().unwrap().block_on(async {
/// use runtime_core::time::{self, Duration};
///
/// time::pause();
/// let start = time::now();
/// time::advance(Duration::from_millis(250)).await;
/// assert_eq!(time::now() - start, Duration::from_millis(250));
/// # });
/// ```
pub fn now() -> Instant {
    match super::try_current() {
        Some(driver) => driver.now(),
        None => Instant::now(),
    }
}
