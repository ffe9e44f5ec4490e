//! Tests of `timeout` / `timeout_at`.

use super::*;
use crate::scheduler::park::block_on_thread;
use crate::time::enter;
use crate::time::test_util::{driven, watchdog, LIMIT};
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Waker;

/// Sets its flag when dropped.
struct DropFlag(std::sync::Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn an_elapsed_timeout_drops_the_inner_future() {
    watchdog("timeout-elapses", LIMIT, || {
        let (driver, thread) = driven();
        let _guard = enter(driver.clone());
        let dropped = std::sync::Arc::new(AtomicBool::new(false));
        let flag = DropFlag(dropped.clone());
        let start = Instant::now();
        let out = block_on_thread(timeout(Duration::from_millis(10), async move {
            let _flag = flag;
            std::future::pending::<()>().await;
        }));
        assert_eq!(out, Err(Elapsed(())));
        assert!(start.elapsed() >= Duration::from_millis(10));
        assert!(
            dropped.load(Ordering::SeqCst),
            "the inner future was dropped"
        );
        assert_eq!(driver.pending(), 0);
        thread.shutdown();
    });
}

#[test]
fn a_fast_result_passes_through_without_a_timer() {
    let driver = TimeDriver::new();
    let _guard = enter(driver.clone());
    let mut fut = std::pin::pin!(timeout(Duration::ZERO, async { 5 }));
    let out = fut.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    assert_eq!(out, Poll::Ready(Ok(5)));
    assert_eq!(driver.pending(), 0, "no timer was put in the wheel");
}

#[test]
fn a_result_before_the_deadline_wins() {
    watchdog("timeout-ok", LIMIT, || {
        let (driver, thread) = driven();
        let _guard = enter(driver.clone());
        let out = block_on_thread(timeout_at(
            Instant::now() + Duration::from_secs(60),
            async {
                crate::time::sleep(Duration::from_millis(5)).await;
                "done"
            },
        ));
        assert_eq!(out, Ok("done"));
        assert_eq!(driver.pending(), 0, "the timeout's timer left the wheel");
        thread.shutdown();
    });
}

#[test]
fn an_inner_future_that_spends_the_budget_cannot_hide_the_timeout() {
    let driver = TimeDriver::new();
    let greedy = std::future::poll_fn(|cx| {
        while crate::coop::poll_proceed(cx).is_ready() {}
        Poll::<()>::Pending
    });
    let mut fut = std::pin::pin!(Timeout::new_in(&driver, Instant::now(), greedy));
    let (out, _) =
        crate::coop::with_budget(|| fut.as_mut().poll(&mut Context::from_waker(Waker::noop())));
    assert_eq!(out, Poll::Ready(Err(Elapsed(()))));
}

#[test]
fn accessors() {
    let driver = TimeDriver::new();
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut t = Timeout::new_in(&driver, deadline, 3u8);
    assert_eq!(t.deadline(), deadline);
    assert_eq!(*t.get_ref(), 3);
    *t.get_mut() = 4;
    assert!(format!("{t:?}").contains("Timeout"));
    assert_eq!(t.into_inner(), 4);
}

#[test]
fn elapsed_is_an_error_and_an_io_timed_out() {
    let e = Elapsed(());
    assert_eq!(e.to_string(), "deadline has elapsed");
    let dyn_error: &dyn std::error::Error = &e;
    assert!(dyn_error.source().is_none());
    let io: std::io::Error = e.into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(io.to_string(), "deadline has elapsed");
    fn uses_question_mark() -> std::io::Result<()> {
        Err(Elapsed(()))?;
        Ok(())
    }
    assert_eq!(
        uses_question_mark().unwrap_err().kind(),
        std::io::ErrorKind::TimedOut
    );
}
