//! [`Sleep`]: the future behind [`sleep`] and [`sleep_until`].

use crate::coop;
use crate::loom::sync::Arc;
use crate::time::entry::{EntryState, Registration};
use crate::time::time_driver::{RegisterError, TimeDriver, SHUTDOWN_MSG};
use crate::time::{current_driver, deadline_after};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Waits until `duration` has elapsed.
///
/// The timer has a resolution of 1 ms and never completes early: it
/// completes at the first millisecond tick at or after the deadline, as soon
/// as the runtime's timer driver gets to it. A `duration` too large to
/// represent as an `Instant` sleeps for about 30 years.
///
/// Cancel safety: yes. Dropping the `Sleep` cancels its timer; there is
/// nothing else to lose.
///
/// # Panics
///
/// Panics when called outside a runtime, or when the runtime has shut down.
///
/// # Examples
///
/// ```
/// # runtime_core::time::block_on_with_timer(async {
/// use runtime_core::time::{sleep, Duration, Instant};
///
/// let start = Instant::now();
/// sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let driver = current_driver("sleep");
    Sleep::new_in(&driver, deadline_after(&driver, duration))
}

/// Waits until `deadline` is reached (completes at once when it has passed).
///
/// Cancel safety: yes, as [`sleep`].
///
/// # Panics
///
/// Panics when called outside a runtime, or when the runtime has shut down.
///
/// # Examples
///
/// ```
/// # runtime_core::time::block_on_with_timer(async {
/// use runtime_core::time::{sleep_until, Duration, Instant};
///
/// let deadline = Instant::now() + Duration::from_millis(5);
/// sleep_until(deadline).await;
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    let driver = current_driver("sleep_until");
    Sleep::new_in(&driver, deadline)
}

/// A future that completes at a deadline; created by [`sleep`] and
/// [`sleep_until`].
///
/// The timer is registered with the runtime's timer wheel on the first poll,
/// and taken out of it when the `Sleep` is dropped, so a dropped `Sleep`
/// never fires. A `Sleep` is `Unpin`; [`reset`](Sleep::reset) moves its
/// deadline without a new allocation in the wheel.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    driver: Arc<TimeDriver>,
    deadline: Instant,
    state: State,
}

enum State {
    /// Not in the wheel (not polled since creation or the last reset).
    Idle,
    /// In the wheel, or fired but not yet observed by a poll.
    Registered(Registration),
    /// Complete.
    Elapsed,
}

impl Sleep {
    /// A `Sleep` on a given driver (the runtime's plumbing and tests; user
    /// code calls [`sleep`] or [`sleep_until`]).
    ///
    /// # Panics
    ///
    /// Panics when the driver has shut down.
    #[doc(hidden)]
    #[track_caller]
    pub fn new_in(driver: &Arc<TimeDriver>, deadline: Instant) -> Sleep {
        assert!(!driver.is_shutdown(), "{}", SHUTDOWN_MSG);
        Sleep {
            driver: driver.clone(),
            deadline,
            state: State::Idle,
        }
    }

    /// Its driver's time (paused or real).
    pub(crate) fn driver_now(&self) -> Instant {
        self.driver.now()
    }

    /// The instant at which this `Sleep` completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached (the `Sleep` is complete or
    /// will complete when next polled).
    pub fn is_elapsed(&self) -> bool {
        match &self.state {
            State::Elapsed => true,
            State::Registered(reg) => reg.shared.state() == EntryState::Fired,
            State::Idle => self.deadline <= self.driver.now(),
        }
    }

    /// Moves the deadline to `deadline`, whether or not the `Sleep` has
    /// completed; it then completes at the new deadline. A pending timer is
    /// moved in the wheel and keeps waking the waker it last registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # runtime_core::time::block_on_with_timer(async {
    /// use runtime_core::time::{sleep, Duration, Instant};
    ///
    /// let mut delay = sleep(Duration::from_secs(3600));
    /// delay.reset(Instant::now() + Duration::from_millis(5));
    /// delay.await;
    /// # });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        let state = std::mem::replace(&mut self.state, State::Idle);
        self.state = match state {
            State::Registered(reg) => {
                if self.driver.reset(&reg, deadline) {
                    State::Registered(reg)
                } else {
                    // The entry fired or was drained: register anew, with
                    // the waker last registered, so that waker learns of
                    // the new deadline even if the `Sleep` is not polled.
                    self.register(&reg.waker)
                }
            }
            State::Idle | State::Elapsed => State::Idle,
        };
    }

    /// Polls for completion; `use_budget` says whether to charge the
    /// cooperative budget (a [`Timeout`](super::Timeout) whose inner future
    /// spent it polls its delay without).
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>, use_budget: bool) -> Poll<()> {
        if use_budget && coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let poll = self.poll_state(cx);
        if use_budget && poll.is_pending() {
            coop::refund();
        }
        poll
    }

    fn poll_state(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.state {
            State::Elapsed => return Poll::Ready(()),
            State::Idle => {
                self.state = self.register(cx.waker());
                if let State::Idle = self.state {
                    panic!("{}", SHUTDOWN_MSG);
                }
            }
            State::Registered(reg) => match reg.shared.state() {
                EntryState::Fired => self.state = State::Elapsed,
                EntryState::ShutDown => panic!("{}", SHUTDOWN_MSG),
                EntryState::Waiting => {
                    if !reg.waker.will_wake(cx.waker())
                        && !self.driver.update_waker(reg, cx.waker())
                    {
                        // Fired (or shut down) in the meantime: look again.
                        return self.poll_state(cx);
                    }
                }
            },
        }
        match self.state {
            State::Elapsed => Poll::Ready(()),
            _ => Poll::Pending,
        }
    }

    /// Puts the timer in the wheel; `Idle` when the driver has shut down.
    fn register(&self, waker: &std::task::Waker) -> State {
        match self.driver.register(self.deadline, waker) {
            Ok(reg) => State::Registered(reg),
            Err(RegisterError::Elapsed) => State::Elapsed,
            Err(RegisterError::ShutDown) => State::Idle,
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_elapsed(cx, true)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Registered(reg) = &self.state {
            self.driver.deregister(reg);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("is_elapsed", &self.is_elapsed())
            .finish()
    }
}

#[cfg(all(test, not(runtime_loom)))]
#[path = "sleep_tests.rs"]
mod tests;
