//! Timers: sleeping, timeouts and intervals.
//!
//! - [`sleep`] / [`sleep_until`] return a [`Sleep`] future that completes at
//!   a deadline (asyncio's `sleep`);
//! - [`timeout`] / [`timeout_at`] bound how long a future may run, resolving
//!   to `Err(`[`Elapsed`]`)` and dropping the future when time is up
//!   (asyncio's `wait_for` and `timeout()`);
//! - [`interval`] / [`interval_at`] tick at a fixed period, with a
//!   [`MissedTickBehavior`] for consumers that fall behind.
//!
//! Timers have a resolution of 1 ms and never complete early: a deadline is
//! rounded up to the next millisecond tick. They live in one hierarchical
//! timing wheel per runtime (6 levels of 64 slots), where inserting and
//! removing a timer is O(1); dropping a timer removes it, so a dropped
//! `Sleep` never fires. With I/O, whichever thread drives the I/O poll
//! advances the wheel before each poll (a parked or busy worker, or the
//! reactor thread as a backstop when no worker drives it); without I/O, a
//! timer thread does. The protocol is described in `README.md` beside this
//! file.
//!
//! For tests, [`pause`] stops a current-thread runtime's clock: time then
//! moves only by [`advance`], or by jumping to the next timer when nothing
//! else can run, so long sleeps complete at once and in deadline order
//! (`clock.rs`; `#[runtime::test(start_paused = true)]`).
//!
//! These functions must be called inside a runtime (`#[runtime::main]`,
//! `Runtime::block_on` or a spawned task); outside one they panic, naming
//! the function.
//!
//! # Examples
//!
//! ```
//! # runtime_core::time::block_on_with_timer(async {
//! use runtime_core::time::{interval, sleep, timeout, Duration, Instant};
//!
//! let start = Instant::now();
//! sleep(Duration::from_millis(10)).await;
//! assert!(start.elapsed() >= Duration::from_millis(10));
//!
//! // A future that takes too long is dropped and the timeout reports it.
//! let slow = timeout(Duration::from_millis(5), sleep(Duration::from_secs(60)));
//! assert_eq!(slow.await.unwrap_err().to_string(), "deadline has elapsed");
//!
//! let mut ticks = interval(Duration::from_millis(2));
//! for _ in 0..3 {
//!     ticks.tick().await;
//! }
//! # });
//! ```

mod clock;
mod entry;
mod interval;
mod sleep;
mod thread;
mod time_driver;
mod timeout;
mod wheel;

#[cfg(all(test, not(runtime_loom)))]
mod test_util;

pub use self::clock::{advance, now, pause, resume};
pub use self::interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use self::sleep::{sleep, sleep_until, Sleep};
pub use self::thread::TimerThread;
pub use self::time_driver::{enter, try_current, EnterGuard, TimeDriver};
pub use self::timeout::{timeout, timeout_at, Elapsed, Timeout};
pub use std::time::{Duration, Instant};

use crate::loom::sync::Arc;
use std::future::Future;

/// The current thread's driver, or a panic naming `function` that explains
/// where timers can be used.
#[track_caller]
pub(crate) fn current_driver(function: &str) -> Arc<TimeDriver> {
    match try_current() {
        Some(driver) => driver,
        None => panic!(
            "runtime::time::{function} called outside of a runtime: call it from within \
             #[runtime::main], Runtime::block_on or a spawned task"
        ),
    }
}

/// `driver`'s now (paused or real) `+ duration`, or about 30 years from now
/// when that overflows.
pub(crate) fn deadline_after(driver: &TimeDriver, duration: Duration) -> Instant {
    driver
        .now()
        .checked_add(duration)
        .unwrap_or_else(far_future)
}

/// An instant about 30 years away: "never" for a timer.
pub(crate) fn far_future() -> Instant {
    let now = Instant::now();
    now.checked_add(Duration::from_secs(86_400 * 365 * 30))
        .unwrap_or(now)
}

/// Runs `future` on the current thread with a fresh time driver entered and
/// a [`TimerThread`] driving it (for doc examples and tests that need timers
/// without a runtime).
#[doc(hidden)]
pub fn block_on_with_timer<F: Future>(future: F) -> F::Output {
    let driver = TimeDriver::new();
    let thread = TimerThread::start(driver.clone(), "runtime-timer".to_string())
        .expect("runtime::time: failed to start the timer thread");
    let guard = enter(driver.clone());
    let out = crate::scheduler::park::block_on_thread(future);
    drop(guard);
    thread.shutdown();
    driver.shutdown();
    out
}
