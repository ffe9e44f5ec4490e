//! [`Interval`]: ticks at a fixed period.

use crate::loom::sync::Arc;
use crate::time::{current_driver, far_future, Sleep, TimeDriver};
use futures_core::Stream;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// An [`Interval`] that ticks at once and then every `period`.
///
/// Ticks are scheduled at `start + k * period`; what happens when the
/// consumer falls a whole period or more behind is set by
/// [`MissedTickBehavior`] ([`Burst`](MissedTickBehavior::Burst) by default).
///
/// # Panics
///
/// Panics when `period` is zero, when called outside a runtime, or when the
/// runtime has shut down.
///
/// # Examples
///
/// ```
/// # runtime_core::time::block_on_with_timer(async {
/// use runtime_core::time::{interval, Duration, Instant};
///
/// let start = Instant::now();
/// let mut every = interval(Duration::from_millis(5));
/// every.tick().await; // at once
/// every.tick().await;
/// every.tick().await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    check_period("interval", period);
    let driver = current_driver("interval");
    Interval::new_in(&driver, driver.now(), period)
}

/// An [`Interval`] whose first tick is at `start`, then every `period`.
///
/// # Panics
///
/// Panics when `period` is zero, when called outside a runtime, or when the
/// runtime has shut down.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    check_period("interval_at", period);
    let driver = current_driver("interval_at");
    Interval::new_in(&driver, start, period)
}

#[track_caller]
fn check_period(function: &str, period: Duration) {
    assert!(
        !period.is_zero(),
        "runtime::time::{function}: the period must be non-zero (an interval \
         that ticks every 0 ms would never yield)"
    );
}

/// What an [`Interval`] does when ticks were missed: when it is polled a
/// whole period or more after a tick was due, so the next scheduled tick is
/// already in the past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MissedTickBehavior {
    /// Catch up: the missed ticks complete at once, one per `tick()`, until
    /// the schedule `start + k * period` is back in the future.
    #[default]
    Burst,
    /// Start over: the next tick is one `period` after the late tick
    /// completed, and the schedule shifts by the delay.
    Delay,
    /// Skip the missed ticks: the next tick is the first one of the original
    /// schedule `start + k * period` that is still in the future.
    Skip,
}

impl MissedTickBehavior {
    /// The next tick after the one scheduled at `due` completed at `now`.
    fn next(self, due: Instant, now: Instant, period: Duration) -> Instant {
        let on_schedule = add(due, period);
        if on_schedule > now {
            return on_schedule;
        }
        match self {
            MissedTickBehavior::Burst => on_schedule,
            MissedTickBehavior::Delay => add(now, period),
            MissedTickBehavior::Skip => {
                let late = now.duration_since(due).as_nanos();
                let period_nanos = period.as_nanos();
                let ticks = late / period_nanos + 1;
                match u32::try_from(ticks)
                    .ok()
                    .and_then(|ticks| period.checked_mul(ticks))
                {
                    Some(offset) => add(due, offset),
                    None => add(now, period),
                }
            }
        }
    }
}

fn add(instant: Instant, d: Duration) -> Instant {
    instant.checked_add(d).unwrap_or_else(far_future)
}

/// Ticks at a fixed period; created by [`interval`] and [`interval_at`].
#[derive(Debug)]
pub struct Interval {
    delay: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// An `Interval` on a given driver (plumbing and tests; user code calls
    /// [`interval`] or [`interval_at`]).
    ///
    /// # Panics
    ///
    /// Panics when `period` is zero or the driver has shut down.
    #[doc(hidden)]
    #[track_caller]
    pub fn new_in(driver: &Arc<TimeDriver>, start: Instant, period: Duration) -> Interval {
        check_period("interval", period);
        Interval {
            delay: Sleep::new_in(driver, start),
            period,
            missed_tick_behavior: MissedTickBehavior::default(),
        }
    }

    /// Waits for the next tick and returns the instant it was scheduled for.
    ///
    /// Cancel safety: yes. The schedule moves on only when a tick is returned;
    /// a dropped `tick` leaves the next tick where it was.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick: `Ready` with the instant it was scheduled
    /// for. When `Pending`, the waker of `cx` is woken at the tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.delay.poll_elapsed(cx, true).is_pending() {
            return Poll::Pending;
        }
        let due = self.delay.deadline();
        let next = self
            .missed_tick_behavior
            .next(due, self.delay.driver_now(), self.period);
        self.delay.reset(next);
        Poll::Ready(due)
    }

    /// Starts the schedule over: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.delay.reset(add(self.delay.driver_now(), self.period));
    }

    /// Starts the schedule over: the next tick completes at once.
    pub fn reset_immediately(&mut self) {
        self.delay.reset(self.delay.driver_now());
    }

    /// Starts the schedule over: the next tick is `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        self.delay.reset(add(self.delay.driver_now(), after));
    }

    /// Starts the schedule over: the next tick is at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.reset(deadline);
    }

    /// The behaviour for missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the behaviour for missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }
}

#[cfg(all(test, not(runtime_loom)))]
#[path = "interval_tests.rs"]
mod tests;

/// The ticks as a stream (each item the instant the tick was scheduled
/// for); it never ends.
///
/// ```
/// # runtime_core::time::block_on_with_timer(async {
/// use futures_util::StreamExt;
/// use runtime_core::time::{interval, Duration};
///
/// let ticks = interval(Duration::from_millis(2)).take(3);
/// let at: Vec<_> = ticks.collect().await;
/// assert_eq!(at[2] - at[0], Duration::from_millis(4));
/// # });
/// ```
impl Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}
