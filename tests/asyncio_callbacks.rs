//! Seed 000's `task.add_done_callback(task_done)`: the callback runs exactly
//! once when the task ends and learns how it ended (`TaskOutcome`). Unlike
//! asyncio's callback, which receives the task and calls
//! `future.exception()` / `future.result()`, it does not see the value:
//! await the handle for that (or use a `Promise`, whose callbacks do).
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::sync::Event;
use runtime::task::{self, TaskOutcome};
use runtime::time::{sleep, Duration};
use runtime::{spawn, TaskGroup};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};

/// Seed 000's debugging example: `problematic_task` raises after a sleep;
/// the callback logs "Task completed with error", and main still catches
/// the exception when it awaits the task.
#[test]
fn the_seeds_task_done_callback() {
    watchdog(LIMIT, || {
        rt(2, "cb-seed").block_on(async {
            let (tx, rx) = mpsc::channel();
            let task = task::Builder::new().name("problematic_task").spawn(async {
                sleep(Duration::from_millis(2)).await;
                if true {
                    panic!("Something went wrong!");
                }
            });
            task.add_done_callback(move |outcome| {
                let line = match outcome {
                    TaskOutcome::Completed => "Task completed successfully".to_string(),
                    other => format!("Task completed with error: {other:?}"),
                };
                tx.send(line).unwrap();
            });
            let err = task.await.unwrap_err();
            let caught = format!("Caught exception in main: {}", err.panic_message().unwrap());
            assert_eq!(rx.recv().unwrap(), "Task completed with error: Panicked");
            assert_eq!(caught, "Caught exception in main: Something went wrong!");

            // A task returning Err completed (with an Err value): the
            // callback says Completed, the handle gives the Err.
            let (tx, rx) = mpsc::channel();
            let task = spawn(async { Err::<(), _>("ValueError") });
            task.add_done_callback(move |o| tx.send(o).unwrap());
            assert_eq!(task.await.unwrap(), Err("ValueError"));
            assert_eq!(rx.recv().unwrap(), TaskOutcome::Completed);
        });
    });
}

/// Every way a task can end, each callback exactly once: completed,
/// cancelled, panicked, failed in a group; several callbacks on one task.
#[test]
fn each_outcome_reaches_every_callback_exactly_once() {
    watchdog(LIMIT, || {
        rt(2, "cb-each").block_on(async {
            type Sent = (&'static str, TaskOutcome);
            fn register<T>(t: &runtime::Task<T>, label: &'static str, tx: &mpsc::Sender<Sent>) {
                for _ in 0..2 {
                    let tx = tx.clone();
                    t.add_done_callback(move |o| tx.send((label, o)).unwrap());
                }
            }
            let (tx, rx) = mpsc::channel();
            let ok = spawn(async { 1 });
            register(&ok, "ok", &tx);
            ok.await.unwrap();

            let never = spawn(std::future::pending::<i32>());
            register(&never, "cancelled", &tx);
            never.cancel();
            let _ = never.await;

            let boom = spawn(async { panic!("boom") as i32 });
            register(&boom, "panicked", &tx);
            let _ = boom.await;

            let tg = TaskGroup::<&'static str>::new();
            let member = tg.spawn(async { Err::<i32, _>("no") });
            register(&member, "failed", &tx);
            let _ = tg.join().await;
            let _ = member.await;

            drop(tx);
            let got: Vec<_> = rx.iter().collect();
            assert_eq!(
                got,
                [
                    ("ok", TaskOutcome::Completed),
                    ("ok", TaskOutcome::Completed),
                    ("cancelled", TaskOutcome::Cancelled),
                    ("cancelled", TaskOutcome::Cancelled),
                    ("panicked", TaskOutcome::Panicked),
                    ("panicked", TaskOutcome::Panicked),
                    ("failed", TaskOutcome::Failed),
                    ("failed", TaskOutcome::Failed),
                ]
            );
        });
    });
}

/// A callback registered on a running task runs on the runtime thread that
/// finishes it, before the awaiting side is woken; one registered after the
/// task ended runs at once, on the registering thread.
#[test]
fn where_and_when_callbacks_run() {
    watchdog(LIMIT, || {
        rt(2, "cb-where").block_on(async {
            let gate = Arc::new(Event::new());
            let task = spawn({
                let gate = gate.clone();
                async move { gate.wait().await }
            });
            let ran_on = Arc::new(std::sync::Mutex::new(None));
            let r = ran_on.clone();
            task.add_done_callback(move |_| {
                *r.lock().unwrap() = std::thread::current().name().map(str::to_owned);
            });
            gate.set();
            task.await.unwrap();
            // Done callbacks run before the awaiting task is woken.
            let name = ran_on.lock().unwrap().clone().unwrap_or_default();
            assert!(name.starts_with("cb-where"), "ran on {name:?}");

            let done = spawn(async {});
            let abort = done.abort_handle();
            while !abort.is_finished() {
                runtime::yield_now().await;
            }
            let here = std::thread::current().id();
            let count = Arc::new(AtomicUsize::new(0));
            let c = count.clone();
            done.add_done_callback(move |o| {
                assert_eq!(std::thread::current().id(), here);
                assert_eq!(o, TaskOutcome::Completed);
                c.fetch_add(1, SeqCst);
            });
            assert_eq!(count.load(SeqCst), 1, "ran at once");
            done.await.unwrap();
            assert_eq!(count.load(SeqCst), 1);
        });
    });
}

/// A panicking callback is reported, not fatal: the task's result and the
/// other callbacks are unaffected.
#[test]
fn a_panicking_callback_is_not_fatal() {
    watchdog(LIMIT, || {
        rt(2, "cb-panic").block_on(async {
            let count = Arc::new(AtomicUsize::new(0));
            let gate = Arc::new(Event::new());
            let task = spawn({
                let gate = gate.clone();
                async move {
                    gate.wait().await;
                    5
                }
            });
            task.add_done_callback(|_| panic!("callback panics"));
            let c = count.clone();
            task.add_done_callback(move |_| {
                c.fetch_add(1, SeqCst);
            });
            gate.set();
            assert_eq!(task.await.unwrap(), 5);
            assert_eq!(count.load(SeqCst), 1);
        });
    });
}
