//! [`timeout`] and [`timeout_at`]: bound the time a future may take.

use crate::coop;
use crate::loom::sync::Arc;
use crate::time::{current_driver, deadline_after, Sleep, TimeDriver};
use pin_project_lite::pin_project;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Runs `future` for at most `duration`.
///
/// Resolves to `Ok(output)` when the future completes first, and to
/// `Err(Elapsed)` once `duration` has elapsed; the future is then dropped
/// with the `Timeout` (Rust's form of cancellation: cleanup runs in `Drop`).
/// The future is polled before the timer, so a future that is ready at once
/// returns its result even with a zero `duration`, and then no timer is
/// created in the wheel at all.
///
/// This is asyncio's `wait_for` / `timeout()`.
///
/// Cancel safety: as cancel safe as `future`: dropping the `Timeout` drops
/// it, and cancels the timer.
///
/// # Panics
///
/// Panics when called outside a runtime, or when the runtime has shut down.
///
/// # Examples
///
/// ```
/// # runtime_core::time::block_on_with_timer(async {
/// use runtime_core::time::{sleep, timeout, Duration};
///
/// let fast = timeout(Duration::from_secs(10), async { 7 }).await;
/// assert_eq!(fast, Ok(7));
///
/// let slow = timeout(Duration::from_millis(5), sleep(Duration::from_secs(3600))).await;
/// assert!(slow.is_err());
/// # });
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let driver = current_driver("timeout");
    Timeout::new_in(
        &driver,
        deadline_after(&driver, duration),
        future.into_future(),
    )
}

/// Runs `future` until `deadline` at most; like [`timeout`] with an instant.
///
/// Cancel safety: as [`timeout`].
///
/// # Panics
///
/// Panics when called outside a runtime, or when the runtime has shut down.
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    let driver = current_driver("timeout_at");
    Timeout::new_in(&driver, deadline, future.into_future())
}

pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<F> {
        #[pin]
        value: F,
        delay: Sleep,
    }
}

impl<F> Timeout<F> {
    /// A `Timeout` on a given driver (plumbing and tests; user code calls
    /// [`timeout`] or [`timeout_at`]).
    ///
    /// # Panics
    ///
    /// Panics when the driver has shut down.
    #[doc(hidden)]
    #[track_caller]
    pub fn new_in(driver: &Arc<TimeDriver>, deadline: Instant, value: F) -> Timeout<F> {
        Timeout {
            value,
            delay: Sleep::new_in(driver, deadline),
        }
    }

    /// The instant at which the timeout elapses.
    pub fn deadline(&self) -> Instant {
        self.delay.deadline()
    }

    /// The inner future.
    pub fn get_ref(&self) -> &F {
        &self.value
    }

    /// The inner future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.value
    }

    /// Gives the inner future back, dropping the timer.
    pub fn into_inner(self) -> F {
        self.value
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(out) = this.value.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        // An inner future that spent the whole budget must not stop the
        // timeout from being noticed: then the delay is polled without it.
        let use_budget = !had_budget || coop::has_budget_remaining();
        match this.delay.poll_elapsed(cx, use_budget) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F: fmt::Debug> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("value", &self.value)
            .field("delay", &self.delay)
            .finish()
    }
}

/// The error of a [`Timeout`] whose deadline passed before its future
/// completed.
///
/// Converts into an [`std::io::Error`] of kind
/// [`TimedOut`](std::io::ErrorKind::TimedOut), so `?` works in functions
/// returning `io::Result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(elapsed: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)
    }
}

#[cfg(all(test, not(runtime_loom)))]
#[path = "timeout_tests.rs"]
mod tests;
