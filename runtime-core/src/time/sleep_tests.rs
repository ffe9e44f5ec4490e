//! Tests of `Sleep` against a real driver and timer thread.

use super::*;
use crate::scheduler::park::block_on_thread;
use crate::time::enter;
use crate::time::test_util::{driven, watchdog, CountingWaker, Rng, LIMIT};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::task::Waker;

fn poll_once(sleep: &mut Sleep, waker: &Waker) -> bool {
    Pin::new(sleep)
        .poll(&mut Context::from_waker(waker))
        .is_ready()
}

#[test]
#[cfg_attr(
    miri,
    ignore = "100k timers on a real timer thread: hours under miri; no unsafe code"
)]
fn a_hundred_thousand_sleeps_complete_and_none_early() {
    const N: usize = 100_000;
    watchdog("100k-sleeps", LIMIT, || {
        let (driver, thread) = driven();
        let _guard = enter(driver.clone());
        let mut rng = Rng::new(99);
        let delays: Vec<Duration> = (0..N)
            .map(|_| Duration::from_micros(1_000 + rng.below(9_001)))
            .collect();
        let done = block_on_thread(async {
            let mut all: FuturesUnordered<_> = delays
                .iter()
                .map(|&delay| async move {
                    let sleep = sleep(delay);
                    let deadline = sleep.deadline();
                    sleep.await;
                    let now = Instant::now();
                    assert!(now >= deadline, "woke {:?} early", deadline - now);
                })
                .collect();
            let mut done = 0;
            while all.next().await.is_some() {
                done += 1;
            }
            done
        });
        assert_eq!(done, N);
        assert_eq!(driver.pending(), 0, "completed sleeps leave the wheel");
        thread.shutdown();
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "needs real time: on miri's clock, creating the 2,000 sleeps outlasts their 500 ms deadlines"
)]
fn dropped_sleeps_never_fire() {
    watchdog("dropped-sleeps", LIMIT, || {
        let (driver, thread) = driven();
        let mut rng = Rng::new(5);
        let mut kept = Vec::new();
        let mut dropped = Vec::new();
        let mut latest = Instant::now();
        for i in 0..2000 {
            // Far enough out that creating all 2000 cannot outlast the first
            // deadline, however slow the machine (sanitizers, a loaded CI):
            // the assertions below expect every sleep still pending.
            let deadline = Instant::now() + Duration::from_millis(500 + rng.below(50));
            latest = latest.max(deadline);
            let mut sleep = Sleep::new_in(&driver, deadline);
            let (counter, waker) = CountingWaker::new();
            assert!(!poll_once(&mut sleep, &waker));
            if i % 2 == 0 {
                kept.push((sleep, counter));
            } else {
                drop(sleep);
                dropped.push(counter);
            }
        }
        assert_eq!(driver.pending(), kept.len());
        // Wait past every deadline, then until every kept sleep was woken.
        block_on_thread(Sleep::new_in(&driver, latest + Duration::from_millis(5)));
        while kept.iter().any(|(_, counter)| counter.count() == 0) {
            std::thread::sleep(Duration::from_millis(1));
        }
        for (sleep, counter) in &mut kept {
            assert_eq!(counter.count(), 1);
            assert!(sleep.is_elapsed());
        }
        assert!(
            dropped.iter().all(|counter| counter.count() == 0),
            "a dropped sleep fired"
        );
        assert_eq!(driver.pending(), 0);
        thread.shutdown();
    });
}

#[test]
fn a_short_timer_added_while_the_driver_waits_on_a_long_one_fires() {
    watchdog("short-under-long", LIMIT, || {
        let (driver, thread) = driven();
        let mut long = Sleep::new_in(&driver, Instant::now() + Duration::from_secs(60));
        assert!(!poll_once(&mut long, Waker::noop()));
        // Let the timer thread go to sleep on the long timer.
        while driver.waiting_for() == u64::MAX {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(20));
        let start = Instant::now();
        block_on_thread(Sleep::new_in(&driver, start + Duration::from_millis(20)));
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(20));
        assert!(
            took < Duration::from_secs(10),
            "the short timer waited for the long one ({took:?}): the driver was not interrupted"
        );
        assert!(!long.is_elapsed());
        drop(long);
        thread.shutdown();
    });
}

#[test]
fn reset_moves_a_pending_sleep_and_rearms_a_completed_one() {
    watchdog("reset", LIMIT, || {
        let (driver, thread) = driven();
        let _guard = enter(driver.clone());
        block_on_thread(async {
            let mut delay = sleep(Duration::from_secs(3600));
            // Register it, then move it close.
            std::future::poll_fn(|cx| {
                assert!(Pin::new(&mut delay).poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            let deadline = Instant::now() + Duration::from_millis(10);
            delay.reset(deadline);
            assert_eq!(delay.deadline(), deadline);
            (&mut delay).await;
            assert!(Instant::now() >= deadline);
            assert!(delay.is_elapsed());

            let again = Instant::now() + Duration::from_millis(5);
            delay.reset(again);
            assert!(!delay.is_elapsed() || Instant::now() >= again);
            (&mut delay).await;
            assert!(Instant::now() >= again);
        });
        assert_eq!(driver.pending(), 0);
        thread.shutdown();
    });
}

#[test]
fn reset_into_the_past_completes_and_wakes() {
    let driver = TimeDriver::new();
    let (counter, waker) = CountingWaker::new();
    let mut delay = Sleep::new_in(&driver, Instant::now() + Duration::from_secs(60));
    assert!(!poll_once(&mut delay, &waker));
    delay.reset(Instant::now());
    assert_eq!(counter.count(), 1, "the registered waker learns it is due");
    assert!(delay.is_elapsed());
    assert_eq!(driver.pending(), 0);
    assert!(poll_once(&mut delay, &waker));
}

#[test]
fn reset_of_a_fired_sleep_reregisters_with_the_last_waker() {
    let driver = TimeDriver::new();
    let (counter, waker) = CountingWaker::new();
    let deadline = Instant::now() + Duration::from_millis(2);
    let mut delay = Sleep::new_in(&driver, deadline);
    assert!(!poll_once(&mut delay, &waker));
    std::thread::sleep(Duration::from_millis(4));
    driver.process();
    assert_eq!(counter.count(), 1);
    // Fired but not yet observed by a poll: reset it.
    delay.reset(Instant::now() + Duration::from_secs(60));
    assert!(!delay.is_elapsed());
    assert_eq!(driver.pending(), 1, "registered again without a poll");
    drop(delay);
    assert_eq!(driver.pending(), 0);
}

#[test]
fn the_latest_waker_is_the_one_woken() {
    let driver = TimeDriver::new();
    let (first, first_waker) = CountingWaker::new();
    let (second, second_waker) = CountingWaker::new();
    let deadline = Instant::now() + Duration::from_millis(2);
    let mut delay = Sleep::new_in(&driver, deadline);
    assert!(!poll_once(&mut delay, &first_waker));
    if !poll_once(&mut delay, &second_waker) {
        std::thread::sleep(Duration::from_millis(4));
        driver.process();
        assert_eq!((first.count(), second.count()), (0, 1));
    }
    assert!(poll_once(&mut delay, &second_waker));
}

#[test]
fn a_passed_deadline_completes_at_once_without_the_wheel() {
    let driver = TimeDriver::new();
    let mut delay = Sleep::new_in(&driver, Instant::now());
    assert!(delay.is_elapsed());
    assert!(poll_once(&mut delay, Waker::noop()));
    assert_eq!(driver.pending(), 0);
}

#[test]
fn an_elapsed_sleep_still_spends_the_budget() {
    let driver = TimeDriver::new();
    let mut delay = Sleep::new_in(&driver, Instant::now());
    let (counter, waker) = CountingWaker::new();
    let (ready, forced) = crate::coop::with_budget(|| {
        let mut ready = 0;
        while poll_once(&mut delay, &waker) {
            ready += 1;
        }
        ready
    });
    assert_eq!(ready, usize::from(crate::coop::BUDGET_PER_POLL));
    assert!(forced);
    assert_eq!(counter.count(), 1, "the budget's yield wakes the task");
}

#[test]
fn a_pending_sleep_gives_its_budget_back() {
    let driver = TimeDriver::new();
    let mut delay = Sleep::new_in(&driver, Instant::now() + Duration::from_secs(60));
    let ((), forced) = crate::coop::with_budget(|| {
        for _ in 0..1000 {
            assert!(!poll_once(&mut delay, Waker::noop()));
        }
    });
    assert!(!forced, "Pending for a real reason costs no budget");
}

#[test]
fn a_huge_duration_sleeps_for_decades_and_can_be_dropped() {
    let driver = TimeDriver::new();
    let _guard = enter(driver.clone());
    let mut delay = sleep(Duration::MAX);
    assert!(delay.deadline() > Instant::now() + Duration::from_secs(86_400 * 365 * 29));
    assert!(!poll_once(&mut delay, Waker::noop()));
    assert_eq!(driver.pending(), 1);
    assert!(driver.next_timeout().is_some());
    drop(delay);
    assert_eq!(driver.pending(), 0);
}

#[test]
fn sleeps_are_send_sync_and_unpin() {
    fn check<T: Send + Sync + Unpin>() {}
    check::<Sleep>();
    let driver = TimeDriver::new();
    let delay = Sleep::new_in(&driver, Instant::now());
    assert!(format!("{delay:?}").starts_with("Sleep"));
}
