//! Tests of `Interval`.

use super::*;
use crate::scheduler::park::block_on_thread;
use crate::time::enter;
use crate::time::test_util::{driven, watchdog, LIMIT};

const PERIOD: Duration = Duration::from_millis(20);

/// Runs `body` with a driven driver entered.
fn with_timer<T: Send + 'static>(name: &str, body: impl FnOnce() -> T + Send + 'static) -> T {
    watchdog(name, LIMIT, || {
        let (driver, thread) = driven();
        let guard = enter(driver.clone());
        let out = body();
        drop(guard);
        thread.shutdown();
        out
    })
}

#[test]
fn first_tick_at_once_then_spaced_by_the_period() {
    with_timer("interval-spacing", || {
        block_on_thread(async {
            let start = Instant::now();
            let mut ticks = interval(PERIOD);
            let first = ticks.tick().await;
            assert!(first >= start && first <= Instant::now());
            let mut prev = first;
            for k in 1..5u32 {
                let due = ticks.tick().await;
                assert_eq!(due, first + PERIOD * k, "ticks follow the schedule");
                assert!(due - prev >= PERIOD);
                assert!(Instant::now() >= due, "a tick completed early");
                prev = due;
            }
        });
    });
}

/// Ticks once, then falls 3.5 periods behind; returns `(start, before)`
/// where `before` precedes the late tick's poll.
async fn fall_behind(ticks: &mut Interval) -> (Instant, Instant) {
    let start = ticks.tick().await;
    std::thread::sleep(PERIOD * 7 / 2);
    let before = Instant::now();
    let late = ticks.tick().await;
    assert_eq!(late, start + PERIOD, "the late tick reports its schedule");
    (start, before)
}

#[test]
fn burst_catches_up_on_missed_ticks() {
    with_timer("interval-burst", || {
        block_on_thread(async {
            let mut ticks = interval(PERIOD);
            assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
            let (start, _) = fall_behind(&mut ticks).await;
            for k in 2..6u32 {
                assert_eq!(ticks.tick().await, start + PERIOD * k);
            }
        });
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "needs real time: expects a tick on time right after a late one, which the slow interpreter misses"
)]
fn delay_restarts_the_schedule_from_the_late_tick() {
    with_timer("interval-delay", || {
        block_on_thread(async {
            let mut ticks = interval(PERIOD);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            let (_, before) = fall_behind(&mut ticks).await;
            let after = Instant::now();
            let next = ticks.tick().await;
            assert!(next >= before + PERIOD && next <= after + PERIOD);
            assert!(Instant::now() >= next);
            assert_eq!(
                ticks.tick().await,
                next + PERIOD,
                "then on the new schedule"
            );
        });
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "needs real time: expects the tick after a skip within one 20 ms period, which the slow interpreter misses"
)]
fn skip_jumps_to_the_next_point_of_the_schedule() {
    with_timer("interval-skip", || {
        block_on_thread(async {
            let mut ticks = interval(PERIOD);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
            let (start, before) = fall_behind(&mut ticks).await;
            let next = ticks.tick().await;
            assert!(next > before, "missed ticks are skipped");
            let offset = (next - start).as_nanos();
            assert_eq!(
                offset % PERIOD.as_nanos(),
                0,
                "still on the original schedule"
            );
            assert!(offset / PERIOD.as_nanos() >= 4);
            assert!(Instant::now() >= next);
            assert_eq!(ticks.tick().await, next + PERIOD);
        });
    });
}

#[test]
fn missed_tick_arithmetic() {
    let due = Instant::now();
    let p = Duration::from_millis(10);
    let on_time = due + Duration::from_millis(3);
    let late = due + Duration::from_millis(35);
    for b in [
        MissedTickBehavior::Burst,
        MissedTickBehavior::Delay,
        MissedTickBehavior::Skip,
    ] {
        assert_eq!(b.next(due, on_time, p), due + p, "{b:?} on time");
    }
    assert_eq!(MissedTickBehavior::Burst.next(due, late, p), due + p);
    assert_eq!(MissedTickBehavior::Delay.next(due, late, p), late + p);
    assert_eq!(MissedTickBehavior::Skip.next(due, late, p), due + p * 4);
    // Exactly on a schedule point: that point has passed, take the next.
    let exact = due + p * 2;
    assert_eq!(MissedTickBehavior::Skip.next(due, exact, p), due + p * 3);
}

#[test]
fn resets() {
    with_timer("interval-reset", || {
        block_on_thread(async {
            let mut ticks = interval_at(Instant::now() + Duration::from_secs(3600), PERIOD);
            assert_eq!(ticks.period(), PERIOD);
            ticks.reset_immediately();
            let first = ticks.tick().await;
            let before = Instant::now();
            ticks.reset_after(Duration::from_millis(5));
            let next = ticks.tick().await;
            assert!(next >= before + Duration::from_millis(5));
            let before = Instant::now();
            ticks.reset();
            assert!(ticks.tick().await >= before + PERIOD);
            let at = Instant::now() + Duration::from_millis(3);
            ticks.reset_at(at);
            assert_eq!(ticks.tick().await, at);
            assert!(first < at);
        });
    });
}

#[test]
fn a_zero_period_panics_with_a_clear_message() {
    let driver = crate::time::TimeDriver::new();
    let _guard = enter(driver.clone());
    let panic = std::panic::catch_unwind(|| interval(Duration::ZERO)).expect_err("zero period");
    let msg = crate::time::test_util::panic_message(&panic);
    assert!(
        msg.starts_with("runtime::time::interval: the period must be non-zero"),
        "{msg}"
    );
}
