//! Tests of `TimerThread`.

use super::*;
use crate::scheduler::park::block_on_thread;
use crate::time::test_util::{watchdog, LIMIT};
use crate::time::Sleep;

#[test]
fn start_and_shutdown_repeatedly() {
    watchdog("thread-start-stop", LIMIT, || {
        for i in 0..20 {
            let driver = TimeDriver::new();
            let thread = TimerThread::start(driver.clone(), format!("timer-{i}")).unwrap();
            assert!(format!("{thread:?}").contains("running: true"));
            if i % 2 == 0 {
                thread.shutdown();
            } else {
                drop(thread); // Drop stops it too
            }
        }
    });
}

#[test]
fn an_idle_thread_wakes_for_a_new_timer() {
    watchdog("thread-idle-wake", LIMIT, || {
        let driver = TimeDriver::new();
        let thread = TimerThread::start(driver.clone(), "timer".into()).unwrap();
        // Give the thread time to block with no timer at all.
        std::thread::sleep(Duration::from_millis(20));
        for _ in 0..3 {
            let deadline = Instant::now() + Duration::from_millis(3);
            block_on_thread(Sleep::new_in(&driver, deadline));
            assert!(Instant::now() >= deadline);
        }
        thread.shutdown();
    });
}

#[test]
fn the_thread_is_named() {
    watchdog("thread-name", LIMIT, || {
        let driver = TimeDriver::new();
        let thread = TimerThread::start(driver, "my-timer".into()).unwrap();
        let name = thread
            .handle
            .as_ref()
            .and_then(|h| h.thread().name().map(str::to_string));
        assert_eq!(name.as_deref(), Some("my-timer"));
        thread.shutdown();
    });
}
