//! The test clock: `time::pause`, `advance`, `resume`, `now` and
//! `#[runtime::test(start_paused = true)]` on the current-thread flavour.
//! Nothing here waits for real time: an hour of sleeps takes no time, and
//! the checks are on the paused clock (`time::now()`), never on the wall.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::time::{self, interval, sleep, sleep_until, timeout, Duration};
use std::sync::{Arc, Mutex};

const HOUR: Duration = Duration::from_secs(3600);

#[runtime::test(start_paused = true)]
async fn an_hour_long_sleep_completes_at_once() {
    let start = time::now();
    let real = std::time::Instant::now();
    sleep(HOUR).await;
    assert!(time::now() - start >= HOUR);
    // Not a speed assertion: an unpaused clock would need the full hour.
    assert!(real.elapsed() < HOUR);
}

#[runtime::test(start_paused = true)]
async fn timers_fire_in_deadline_order_with_auto_advance() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let start = time::now();
    let mut tasks = Vec::new();
    for minutes in [50u64, 10, 40, 20, 30, 60] {
        let order = order.clone();
        tasks.push(runtime::spawn(async move {
            sleep(Duration::from_secs(minutes * 60)).await;
            // Each wakes at its own paused time, not all at the latest.
            let at = (time::now() - start).as_secs() / 60;
            order.lock().unwrap().push((minutes, at));
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let order = order.lock().unwrap().clone();
    assert_eq!(
        order,
        [(10, 10), (20, 20), (30, 30), (40, 40), (50, 50), (60, 60)]
    );
}

#[runtime::test(start_paused = true)]
async fn advance_fires_what_is_due_in_order_and_stops_at_the_target() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let start = time::now();
    for secs in [3u64, 1, 2, 5] {
        let order = order.clone();
        runtime::spawn(async move {
            sleep(Duration::from_secs(secs)).await;
            order.lock().unwrap().push(secs);
            if secs == 1 {
                // A timer set by a woken task fires within the same advance.
                sleep(Duration::from_millis(500)).await;
                order.lock().unwrap().push(15);
            }
        });
    }
    runtime::yield_now().await; // every task sets its timer
    time::advance(Duration::from_secs(3)).await;
    assert_eq!(*order.lock().unwrap(), [1, 15, 2, 3]);
    assert_eq!(time::now() - start, Duration::from_secs(3));
    time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        *order.lock().unwrap(),
        [1, 15, 2, 3],
        "5 s is not due at 4 s"
    );
    time::advance(Duration::from_secs(1)).await;
    assert_eq!(*order.lock().unwrap(), [1, 15, 2, 3, 5]);
}

#[runtime::test(start_paused = true)]
async fn timeout_and_interval_use_the_paused_clock() {
    let slow = timeout(HOUR, sleep(2 * HOUR)).await;
    assert!(slow.is_err(), "the hour-long timeout elapses first");
    let fast = timeout(HOUR, sleep(Duration::from_secs(59 * 60))).await;
    assert!(fast.is_ok());

    let start = time::now();
    let mut ticks = interval(Duration::from_secs(600));
    for _ in 0..4 {
        ticks.tick().await;
    }
    // The first tick is immediate, then one every 10 minutes.
    assert_eq!(time::now() - start, Duration::from_secs(1800));
}

#[test]
fn resume_goes_on_from_the_paused_time() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            time::pause();
            let paused_at = time::now();
            time::advance(HOUR).await;
            time::resume();
            // The clock runs again, from an hour ahead: it never goes back.
            assert!(time::now() >= paused_at + HOUR);
            let before = time::now();
            sleep(Duration::from_millis(5)).await; // a real 5 ms wait
            assert!(time::now() >= before + Duration::from_millis(5));
            // And it can be paused again.
            time::pause();
            let again = time::now();
            sleep_until(again + HOUR).await;
            assert!(time::now() >= again + HOUR);
        });
    });
}

#[test]
fn auto_advance_waits_for_blocking_jobs() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            time::pause();
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let job = runtime::spawn_blocking(move || rx.recv().unwrap());
            // While the blocking job runs, the clock does not jump: a
            // timeout on it cannot elapse because the runtime looks idle.
            let releaser = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(20));
                tx.send(()).unwrap();
            });
            let waited = timeout(HOUR, job).await;
            assert!(waited.is_ok(), "the job finished before the paused hour");
            releaser.join().unwrap();
            // With the pool idle again, auto-advance is back.
            let start = time::now();
            sleep(HOUR).await;
            assert!(time::now() - start >= HOUR);
        });
    });
}

#[test]
fn misuse_panics_say_what_to_do() {
    fn message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let payload = std::panic::catch_unwind(f).unwrap_err();
        match payload.downcast::<String>() {
            Ok(s) => *s,
            Err(p) => p.downcast_ref::<&str>().unwrap().to_string(),
        }
    }
    watchdog(LIMIT, || {
        let msg = message(|| rt(2, "paused-mt").block_on(async { time::pause() }));
        assert!(
            msg.contains("pause called on a multi-thread runtime"),
            "{msg}"
        );
        assert!(msg.contains("current-thread"), "{msg}");

        let msg = message(time::pause);
        assert!(msg.contains("outside of a runtime"), "{msg}");

        let current = || runtime::Builder::new_current_thread().build().unwrap();
        let msg = message(|| {
            current().block_on(async {
                time::pause();
                time::pause();
            })
        });
        assert!(msg.contains("already paused"), "{msg}");
        let msg = message(|| current().block_on(async { time::resume() }));
        assert!(
            msg.contains("resume called while the clock is not paused"),
            "{msg}"
        );
        let msg = message(|| {
            current().block_on(async {
                drop(time::advance(HOUR)); // panics when called, before any await
            })
        });
        assert!(
            msg.contains("advance called while the clock is not paused"),
            "{msg}"
        );
        assert!(msg.contains("pause() first"), "{msg}");
    });
}

#[test]
fn now_outside_a_runtime_is_the_real_clock() {
    let before = std::time::Instant::now();
    let now = time::now();
    assert!(now >= before && now <= std::time::Instant::now());
}
