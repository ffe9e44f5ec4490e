//! `yield_now`: let other tasks run (asyncio's `await asyncio.sleep(0)`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Returns `Pending` once, after waking itself, so the task goes to the back
/// of its worker's queue and every task queued before it runs first.
///
/// ```
/// # runtime_core::scheduler::run(async {
/// runtime_core::scheduler::yield_now().await;
/// # });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you .await them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // A wake during its own poll sends the task to the back of the queue.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
