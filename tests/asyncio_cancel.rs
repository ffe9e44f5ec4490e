//! The seeds' cancellation examples. asyncio raises `CancelledError` at the
//! task's next `await`; here the task's future is *dropped* at its next
//! `.await`, so the seeds' `except CancelledError:` / `finally:` cleanup goes
//! in `Drop` guards, and there is nothing to catch (or to swallow: a task
//! cannot refuse cancellation).
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::spawn;
use runtime::sync::{oneshot, Event, Semaphore};
use runtime::time::{sleep, Duration};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};

#[derive(Clone, Default)]
struct Log(Arc<StdMutex<Vec<String>>>);

impl Log {
    fn push(&self, line: impl Into<String>) {
        self.0.lock().unwrap().push(line.into());
    }
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn count(&self, line: &str) -> usize {
        self.lines().iter().filter(|l| *l == line).count()
    }
}

/// Runs a closure when dropped: the Rust form of `except CancelledError:` /
/// `finally:` cleanup.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

/// Waits (sleeping 1 ms at a time) until `cond` holds; the watchdog bounds it.
async fn until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        sleep(Duration::from_millis(1)).await;
    }
}

/// Seed 000 `long_running_task`: it loops printing "Task still running...",
/// main cancels it, the task's cleanup runs once, and awaiting it reports
/// the cancellation.
#[test]
fn cancelling_a_long_running_task() {
    watchdog(LIMIT, || {
        rt(2, "cx-long").block_on(async {
            let log = Log::default();
            let task = spawn({
                let log = log.clone();
                async move {
                    let cleanup_log = log.clone();
                    let _cleanup = OnDrop(move || cleanup_log.push("Task was cancelled!"));
                    log.push("Task started");
                    loop {
                        sleep(Duration::from_millis(2)).await;
                        log.push("Task still running...");
                    }
                }
            });
            until(|| log.count("Task still running...") >= 3).await;
            log.push("Cancelling task...");
            assert!(task.cancel());
            let err = task.await.unwrap_err();
            assert!(err.is_cancelled(), "{err}");
            log.push("Main: task cancellation was acknowledged");
            let lines = log.lines();
            assert_eq!(log.count("Task was cancelled!"), 1, "{lines:?}");
            let cancelling = lines
                .iter()
                .position(|l| l == "Cancelling task...")
                .unwrap();
            let cleaned = lines
                .iter()
                .position(|l| l == "Task was cancelled!")
                .unwrap();
            assert!(cancelling < cleaned, "{lines:?}");
            assert_eq!(
                lines.last().unwrap(),
                "Main: task cancellation was acknowledged"
            );
            // Nothing ran after the cleanup: the future is gone.
            let after = log.count("Task still running...");
            sleep(Duration::from_millis(10)).await;
            assert_eq!(log.count("Task still running..."), after);
        });
    });
}

/// Seed 003 `cancellable_work`: the body never finishes; the cleanup (the
/// seed's `except CancelledError` and its `finally`) runs exactly once.
#[test]
fn cancellable_work_runs_its_cleanup_once_and_never_finishes() {
    watchdog(LIMIT, || {
        rt(2, "cx-finally").block_on(async {
            let log = Log::default();
            let started = Arc::new(Event::new());
            let task = spawn({
                let (log, started) = (log.clone(), started.clone());
                async move {
                    let finally_log = log.clone();
                    let _finally = OnDrop(move || {
                        finally_log.push("This 'finally' block always runs");
                    });
                    log.push("Task started. Now sleeping for 10 seconds.");
                    started.set();
                    sleep(Duration::from_secs(10)).await;
                    log.push("Task finished successfully.");
                }
            });
            started.wait().await;
            task.cancel();
            let err = task.await.unwrap_err();
            assert!(err.is_cancelled());
            assert!(err.to_string().ends_with("was cancelled"), "{err}");
            assert_eq!(
                log.lines(),
                [
                    "Task started. Now sleeping for 10 seconds.",
                    "This 'finally' block always runs"
                ]
            );
        });
    });
}

/// Seed 002 `graceful_worker`: cleanup on cancel lives in Drop. Drop cannot
/// `.await`; async cleanup is started from Drop with `runtime::spawn`.
#[test]
fn graceful_worker_cleans_up_in_drop() {
    watchdog(LIMIT, || {
        rt(2, "cx-graceful").block_on(async {
            let log = Log::default();
            let iterations = Arc::new(AtomicUsize::new(0));
            let async_cleanup_done = Arc::new(Event::new());
            let worker = spawn({
                let (log, iterations, done) =
                    (log.clone(), iterations.clone(), async_cleanup_done.clone());
                async move {
                    let cleanup_log = log.clone();
                    let _cleanup = OnDrop(move || {
                        cleanup_log.push("Cleaning up before cancellation...");
                        let (log, done) = (cleanup_log.clone(), done.clone());
                        // Dropped on a runtime thread: spawning works here.
                        runtime::spawn(async move {
                            runtime::yield_now().await;
                            log.push("async cleanup finished");
                            done.set();
                        });
                    });
                    loop {
                        sleep(Duration::from_millis(1)).await;
                        iterations.fetch_add(1, SeqCst);
                    }
                }
            });
            until(|| iterations.load(SeqCst) >= 2).await;
            worker.cancel();
            assert!(worker.await.unwrap_err().is_cancelled());
            async_cleanup_done.wait().await;
            assert_eq!(
                log.lines(),
                [
                    "Cleaning up before cancellation...",
                    "async cleanup finished"
                ]
            );
        });
    });
}

/// Seed 001 `cancellation_demo`: ten half-second steps, cancelled after a
/// few: not every step ran, and the result never arrives.
#[test]
fn cancellation_demo_stops_between_steps() {
    watchdog(LIMIT, || {
        rt(2, "cx-steps").block_on(async {
            let steps = Arc::new(AtomicUsize::new(0));
            let finished = Arc::new(AtomicBool::new(false));
            let step3 = Arc::new(Event::new());
            let task = spawn({
                let (steps, finished, step3) = (steps.clone(), finished.clone(), step3.clone());
                async move {
                    for i in 0..10 {
                        steps.fetch_add(1, SeqCst);
                        if i == 2 {
                            step3.set();
                            std::future::pending::<()>().await; // still working...
                        }
                        sleep(Duration::from_millis(1)).await;
                    }
                    finished.store(true, SeqCst);
                    "All done!"
                }
            });
            step3.wait().await;
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
            assert_eq!(steps.load(SeqCst), 3);
            assert!(!finished.load(SeqCst));
        });
    });
}

/// Seed 003 pitfall 2: cancellation is not pre-emptive. A task busy in
/// CPU-bound code keeps running until its next `.await`, and is dropped
/// there.
#[test]
fn cpu_bound_code_runs_on_until_its_next_await() {
    watchdog(LIMIT, || {
        rt(2, "cx-cpu").block_on(async {
            let spinning = Arc::new(Event::new());
            let release = Arc::new(AtomicBool::new(false));
            let log = Log::default();
            let task = spawn({
                let (spinning, release, log) = (spinning.clone(), release.clone(), log.clone());
                async move {
                    spinning.set();
                    while !release.load(SeqCst) {
                        std::hint::spin_loop();
                    }
                    log.push("busy loop finished");
                    runtime::yield_now().await; // the next await: dropped here
                    log.push("after the await");
                }
            });
            spinning.wait().await;
            assert!(task.cancel(), "the task is running, not finished");
            release.store(true, SeqCst);
            assert!(task.await.unwrap_err().is_cancelled());
            assert_eq!(log.lines(), ["busy loop finished"]);
        });
    });
}

/// A cancelled task is dropped even if it was never polled, and `cancel` on
/// a finished task returns `false` and keeps its value (asyncio's `cancel()`
/// returning `False` for a done task).
#[test]
fn cancel_before_it_runs_and_after_it_finished() {
    watchdog(LIMIT, || {
        rt(2, "cx-edges").block_on(async {
            let dropped = Arc::new(Semaphore::new(0));
            let ran = Arc::new(AtomicBool::new(false));
            let task = spawn({
                let (dropped, ran) = (dropped.clone(), ran.clone());
                let guard = OnDrop(move || dropped.add_permits(1));
                async move {
                    let _guard = guard;
                    ran.store(true, SeqCst);
                    std::future::pending::<()>().await;
                }
            });
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
            dropped.acquire().await.unwrap().forget();

            let mut done = spawn(async { 42 });
            assert_eq!((&mut done).await.unwrap(), 42);
            assert!(!done.cancel(), "already finished");
            assert!(!done.is_cancelled());
        });
    });
}

/// Cancelling a task does not cancel the tasks it spawned (as in asyncio:
/// tasks are independent unless grouped in a `TaskGroup`).
#[test]
fn cancelling_a_task_leaves_the_tasks_it_spawned_running() {
    watchdog(LIMIT, || {
        rt(2, "cx-child").block_on(async {
            let gate = Arc::new(Event::new());
            let (child_tx, child_rx) = oneshot::channel();
            let parent = spawn({
                let gate = gate.clone();
                async move {
                    let child = spawn(async move {
                        gate.wait().await;
                        "child finished"
                    });
                    child_tx.send(child).unwrap();
                    std::future::pending::<()>().await;
                }
            });
            let child = child_rx.await.unwrap();
            parent.cancel();
            assert!(parent.await.unwrap_err().is_cancelled());
            assert!(!child.is_finished());
            gate.set();
            assert_eq!(child.await.unwrap(), "child finished");
        });
    });
}

/// Every level of nested futures is dropped: the cancellation reaches the
/// innermost `.await`, and each level's cleanup runs once.
#[test]
fn cancellation_drops_every_nested_level() {
    watchdog(LIMIT, || {
        rt(2, "cx-nested").block_on(async {
            let log = Log::default();
            let reached = Arc::new(Event::new());
            async fn inner(log: Log, reached: Arc<Event>) {
                let l = log.clone();
                let _g = OnDrop(move || l.push("inner cleanup"));
                reached.set();
                sleep(Duration::from_secs(3600)).await;
            }
            async fn middle(log: Log, reached: Arc<Event>) {
                let l = log.clone();
                let _g = OnDrop(move || l.push("middle cleanup"));
                inner(log, reached).await;
            }
            let task = spawn(middle(log.clone(), reached.clone()));
            reached.wait().await;
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
            let mut lines = log.lines();
            lines.sort();
            assert_eq!(lines, ["inner cleanup", "middle cleanup"]);
        });
    });
}

/// A task cannot refuse cancellation: ignoring every error in a retry loop
/// does not keep it alive, because there is no error to ignore.
#[test]
fn a_task_cannot_refuse_cancellation() {
    watchdog(LIMIT, || {
        rt(2, "cx-refuse").block_on(async {
            let tries = Arc::new(AtomicUsize::new(0));
            let task = spawn({
                let tries = tries.clone();
                async move {
                    loop {
                        // "except CancelledError: pass" has no Rust form.
                        let _ = runtime::time::timeout(
                            Duration::from_millis(1),
                            std::future::pending::<()>(),
                        )
                        .await;
                        tries.fetch_add(1, SeqCst);
                    }
                }
            });
            until(|| tries.load(SeqCst) >= 2).await;
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
        });
    });
}

/// Cancelling a task just as its first poll ends (it has just registered a
/// timer), thousands of times: every cancelled task finishes as cancelled,
/// and the timers of the tasks and of the test keep firing.
#[test]
fn cancel_racing_the_end_of_a_poll() {
    watchdog(LIMIT, || {
        rt(2, "cx-race").block_on(async {
            for round in 0..3_000u32 {
                let started = Arc::new(AtomicBool::new(false));
                let mut task = spawn({
                    let started = started.clone();
                    async move {
                        started.store(true, SeqCst);
                        sleep(Duration::from_secs(100)).await;
                    }
                });
                while !started.load(SeqCst) {
                    std::hint::spin_loop();
                }
                task.cancel();
                match runtime::time::timeout(Duration::from_secs(10), &mut task).await {
                    Ok(result) => assert!(result.unwrap_err().is_cancelled()),
                    Err(_) => {
                        let live: Vec<String> =
                            runtime::all_tasks().iter().map(|t| t.to_string()).collect();
                        panic!("round {round}: the cancelled task never finished: {live:?}");
                    }
                }
            }
        });
    });
}
