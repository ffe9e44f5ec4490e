//! The seeds' `wait_for` / `timeout()` and `shield` examples.
//!
//! `asyncio.wait_for(aw, t)` is `runtime::time::timeout(t, fut)`: when time
//! is up the future is dropped (its Drop guards run) and the result is
//! `Err(Elapsed)`. `asyncio.shield(aw)` is `runtime::shield(fut)`: the work
//! runs as its own task that finishes even when whoever awaits it is
//! cancelled or gives up.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::sync::{Event, Promise};
use runtime::time::{sleep, timeout, timeout_at, Duration, Elapsed, Instant};
use runtime::{shield, spawn};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
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
}

struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

async fn slow_operation(log: Log) -> &'static str {
    let l = log.clone();
    let _cancelled = OnDrop(move || l.push("slow operation dropped"));
    log.push("Slow operation started");
    sleep(Duration::from_secs(5)).await;
    log.push("Slow operation completed");
    "Success!"
}

/// Seeds 000/001/004: `wait_for(slow_operation(), timeout=2)` times out; the
/// slow work is cancelled (its Drop has run by the time the timeout
/// returns) and never completes. Not before the deadline, either.
#[test]
fn wait_for_cancels_the_slow_work() {
    watchdog(LIMIT, || {
        rt(2, "t-waitfor").block_on(async {
            let log = Log::default();
            let t0 = Instant::now();
            let result = timeout(Duration::from_millis(20), slow_operation(log.clone())).await;
            assert!(t0.elapsed() >= Duration::from_millis(20), "never early");
            let err: Elapsed = result.unwrap_err();
            assert_eq!(err.to_string(), "deadline has elapsed");
            log.push("Operation timed out!");
            assert_eq!(
                log.lines(),
                [
                    "Slow operation started",
                    "slow operation dropped",
                    "Operation timed out!"
                ]
            );
            // `?` in an io::Result function: Elapsed is an io::Error TimedOut.
            let io: std::io::Error = err.into();
            assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        });
    });
}

/// Fast results pass through `timeout` untouched.
#[test]
fn wait_for_passes_fast_results() {
    watchdog(LIMIT, || {
        rt(2, "t-fast").block_on(async {
            let quick = timeout(Duration::from_secs(30), async {
                sleep(Duration::from_millis(1)).await;
                "Result"
            });
            assert_eq!(quick.await, Ok("Result"));
            let ready = timeout(Duration::ZERO, async { 5 }).await;
            assert_eq!(ready, Ok(5), "a ready future wins even a zero timeout");
        });
    });
}

/// Seed 001: `wait_for(task, timeout=2)` on a task. Timing out on `&mut
/// task` only stops *waiting*: the task is still running (the seed's "Is
/// task still running? True"), and can then be cancelled. (asyncio's
/// `wait_for` would cancel the task itself; here only the awaited future is
/// dropped, and dropping a `Task` handle detaches rather than cancels.)
#[test]
fn wait_for_on_a_task_handle_leaves_the_task_running() {
    watchdog(LIMIT, || {
        rt(2, "t-task").block_on(async {
            let log = Log::default();
            let mut task = spawn(slow_operation(log.clone()));
            assert!(timeout(Duration::from_millis(5), &mut task).await.is_err());
            assert!(!task.is_finished(), "Is task still running? True");
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
            assert_eq!(
                log.lines(),
                ["Slow operation started", "slow operation dropped"]
            );

            // Timing out on the handle by value drops (detaches) the handle:
            // the task still runs to the end.
            let gate = Arc::new(Event::new());
            let finished = Arc::new(Event::new());
            let detached = spawn({
                let (gate, finished) = (gate.clone(), finished.clone());
                async move {
                    gate.wait().await;
                    finished.set();
                }
            });
            assert!(timeout(Duration::from_millis(2), detached).await.is_err());
            gate.set();
            finished.wait().await;
        });
    });
}

/// Seed 002's `asyncio.timeout()` context manager: one deadline for a block
/// of operations; `timeout_at` takes the deadline as an instant.
#[test]
fn one_timeout_for_a_block_of_operations() {
    watchdog(LIMIT, || {
        rt(2, "t-block").block_on(async {
            let steps = Arc::new(AtomicUsize::new(0));
            let block = {
                let steps = steps.clone();
                async move {
                    for _ in 0..3 {
                        sleep(Duration::from_millis(2)).await;
                        steps.fetch_add(1, SeqCst);
                    }
                    sleep(Duration::from_secs(3600)).await;
                    steps.fetch_add(1, SeqCst);
                }
            };
            let deadline = Instant::now() + Duration::from_millis(30);
            assert!(timeout_at(deadline, block).await.is_err());
            assert!(Instant::now() >= deadline);
            // However far the block got by the deadline, it never got past
            // the long sleep: it was dropped there.
            assert!(steps.load(SeqCst) <= 3);

            let within = timeout(Duration::from_secs(30), async {
                let a = async { 1 }.await;
                sleep(Duration::from_millis(1)).await;
                a + 1
            });
            assert_eq!(within.await, Ok(2));
        });
    });
}

/// `sleep` and `timeout` need a runtime: outside one they panic with a
/// message that says where to call them from.
#[test]
fn sleep_and_timeout_must_be_created_inside_a_runtime() {
    watchdog(LIMIT, || {
        let message = |p: Box<dyn std::any::Any + Send>| {
            p.downcast_ref::<String>().cloned().unwrap_or_default()
        };
        let err = std::panic::catch_unwind(|| {
            drop(sleep(Duration::from_millis(1)));
        })
        .unwrap_err();
        let m = message(err);
        assert!(m.contains("sleep called outside of a runtime"), "{m}");
        let err = std::panic::catch_unwind(|| {
            drop(timeout(Duration::from_millis(1), async {}));
        })
        .unwrap_err();
        let m = message(err);
        assert!(m.contains("outside of a runtime"), "{m}");
        // Created inside the runtime, they work.
        rt(1, "t-inside").block_on(async {
            sleep(Duration::from_millis(1)).await;
            assert_eq!(timeout(Duration::from_secs(1), async { 1 }).await, Ok(1));
        });
    });
}

/// Seed 002: `await asyncio.shield(critical_save(data))` in a handler: the
/// handler is cancelled, the save still completes.
#[test]
fn shield_lets_the_critical_save_finish_after_its_caller_is_cancelled() {
    watchdog(LIMIT, || {
        rt(2, "t-shield").block_on(async {
            let db = Arc::new(StdMutex::new(Vec::<String>::new()));
            let commit_gate = Arc::new(Event::new());
            let saving = Arc::new(Event::new());
            let committed = Promise::<()>::new();
            async fn critical_save(
                db: Arc<StdMutex<Vec<String>>>,
                data: String,
                gate: Arc<Event>,
                saving: Arc<Event>,
                committed: Promise<()>,
            ) {
                saving.set();
                gate.wait().await; // db.commit(data) in flight
                db.lock().unwrap().push(data);
                committed.set_result(()).unwrap();
            }
            let handler = spawn({
                let (db, gate, saving, committed) = (
                    db.clone(),
                    commit_gate.clone(),
                    saving.clone(),
                    committed.clone(),
                );
                async move {
                    shield(critical_save(
                        db,
                        "order #1".into(),
                        gate,
                        saving,
                        committed,
                    ))
                    .await
                    .unwrap();
                    "handler finished"
                }
            });
            saving.wait().await;
            handler.cancel();
            assert!(handler.await.unwrap_err().is_cancelled());
            assert!(db.lock().unwrap().is_empty(), "the save is still in flight");
            commit_gate.set();
            committed.wait().await.unwrap();
            assert_eq!(*db.lock().unwrap(), ["order #1"]);
        });
    });
}

/// Seed 000: the caller gives up waiting (a timeout), the shielded work
/// goes on, and the handle still yields its result. Cancelling or dropping
/// the shield's handle does not reach the work either.
#[test]
fn shield_survives_a_timeout_and_keeps_its_result() {
    watchdog(LIMIT, || {
        rt(2, "t-shield-to").block_on(async {
            let gate = Arc::new(Event::new());
            let mut shielded = shield({
                let gate = gate.clone();
                async move {
                    gate.wait().await;
                    "Critical result"
                }
            });
            assert!(timeout(Duration::from_millis(2), &mut shielded)
                .await
                .is_err());
            gate.set();
            assert_eq!(shielded.await.unwrap(), "Critical result");

            for how in ["cancel", "drop"] {
                let log = Log::default();
                let gate = Arc::new(Event::new());
                let done = Promise::<()>::new();
                let shielded = shield({
                    let (gate, log, done) = (gate.clone(), log.clone(), done.clone());
                    async move {
                        log.push("Critical operation started");
                        gate.wait().await;
                        log.push("Critical operation completed");
                        done.set_result(()).unwrap();
                    }
                });
                if how == "cancel" {
                    assert!(shielded.cancel());
                    // The handle reports the cancellation of the wait...
                    assert!(shielded.await.unwrap_err().is_cancelled());
                } else {
                    drop(shielded);
                }
                // ...but the work runs to the end.
                gate.set();
                done.wait().await.unwrap();
                assert_eq!(
                    log.lines(),
                    ["Critical operation started", "Critical operation completed"],
                    "{how}"
                );
            }
        });
    });
}

/// Seed 000's shield example: the task awaiting the shielded operation is
/// cancelled ("Parent task was cancelled, but child continues"), and the
/// critical result is still delivered (here through a `Promise`).
#[test]
fn seed_shield_parent_cancelled_child_continues() {
    watchdog(LIMIT, || {
        rt(2, "t-shield-seed").block_on(async {
            let result = Promise::<&'static str>::new();
            let started = Arc::new(Event::new());
            let gate = Arc::new(Event::new());
            let critical_operation = {
                let (result, started, gate) = (result.clone(), started.clone(), gate.clone());
                async move {
                    started.set();
                    gate.wait().await;
                    result.set_result("Critical result").unwrap();
                    "Critical result"
                }
            };
            let shielded = shield(critical_operation);
            let task = spawn(async move { shielded.await.unwrap() });
            started.wait().await;
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
            assert!(!result.is_done(), "the child continues");
            gate.set();
            assert_eq!(result.wait().await, Ok("Critical result"));
        });
    });
}

/// "If the shielded coroutine itself fails, the exception propagates
/// normally": a panic inside the shielded work reaches whoever awaits it.
#[test]
fn shield_propagates_a_failure_of_the_work_itself() {
    watchdog(LIMIT, || {
        rt(2, "t-shield-fail").block_on(async {
            let shielded = shield(async {
                sleep(Duration::from_millis(1)).await;
                if true {
                    panic!("commit failed");
                }
            });
            let err = shielded.await.unwrap_err();
            assert!(err.is_panic());
            assert_eq!(err.panic_message().as_deref(), Some("commit failed"));

            let ok = shield(async { Ok::<_, String>("saved") }).await.unwrap();
            assert_eq!(ok, Ok("saved"));
            let failed = shield(async { Err::<(), _>("disk full".to_string()) })
                .await
                .unwrap();
            assert_eq!(failed, Err("disk full".to_string()));
        });
    });
}
