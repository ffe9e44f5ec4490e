//! The seeds' `create_task` examples: tasks start running without being
//! awaited, overlap, keep their results until awaited, have names, and report
//! their state with `is_finished` / `is_cancelled` (asyncio's `done` /
//! `cancelled`).
//!
//! Ordering is proved with gates (an `Event` the test opens) and an event log,
//! never with wall-clock speed: a test passes or fails the same way on a
//! loaded machine.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::sync::{Event, Semaphore};
use runtime::task::{self, TaskState};
use runtime::time::{sleep, Duration, Instant};
use runtime::{spawn, Handle};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};

/// An event log shared by tasks (the seeds' `print` calls).
#[derive(Clone, Default)]
struct Log(Arc<StdMutex<Vec<String>>>);

impl Log {
    fn push(&self, line: impl Into<String>) {
        self.0.lock().unwrap().push(line.into());
    }
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn position(&self, line: &str) -> usize {
        let lines = self.lines();
        lines
            .iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("{line:?} not in the log {lines:?}"))
    }
}

/// Seed 000/001: `task = asyncio.create_task(example_coroutine())` starts the
/// coroutine at once; `await task` gives its result.
#[test]
fn create_task_runs_without_being_awaited_and_await_gives_the_result() {
    watchdog(LIMIT, || {
        rt(2, "ct-basic").block_on(async {
            let log = Log::default();
            let running = Arc::new(Event::new());
            let task = spawn({
                let (log, running) = (log.clone(), running.clone());
                async move {
                    log.push("Task is running");
                    running.set();
                    sleep(Duration::from_millis(20)).await;
                    log.push("Task completed");
                    "Result"
                }
            });
            // Nobody awaits the task yet, and it runs anyway.
            running.wait().await;
            log.push("Task was created and is now running");
            let result = task.await.unwrap();
            log.push(format!("Got result: {result}"));
            assert_eq!(result, "Result");
            assert!(log.position("Task is running") < log.position("Task completed"));
            assert_eq!(log.lines().last().unwrap(), "Got result: Result");
        });
    });
}

/// The "network I/O" of a fetch: it logs its start, tells the test it has
/// started, and waits for the reply (a gate the test opens) plus a short
/// sleep standing in for the seeds' `asyncio.sleep(1)`.
async fn fetch(url: &'static str, log: Log, started: Arc<Semaphore>, reply: Arc<Event>) -> String {
    log.push(format!("start {url}"));
    started.add_permits(1);
    reply.wait().await;
    sleep(Duration::from_millis(20)).await;
    log.push(format!("end {url}"));
    format!("Data from {url}")
}

/// Seed 002: two "1 s" fetches spawned as tasks run concurrently: both have
/// started before either finishes. The test opens the reply gate only once
/// it has seen both starts, which it can only see if both tasks were running
/// before anyone awaited them; a runtime that ran them one after the other
/// would never get there (and the watchdog would fail the test).
#[test]
fn two_fetches_spawned_as_tasks_overlap() {
    watchdog(LIMIT, || {
        rt(2, "ct-overlap").block_on(async {
            let log = Log::default();
            let started = Arc::new(Semaphore::new(0));
            let reply = Arc::new(Event::new());
            let task1 = spawn(fetch("a", log.clone(), started.clone(), reply.clone()));
            let task2 = spawn(fetch("b", log.clone(), started.clone(), reply.clone()));
            started.acquire_many(2).await.unwrap().forget();
            let mut before_reply = log.lines();
            before_reply.sort();
            assert_eq!(before_reply, ["start a", "start b"], "no fetch ended yet");
            reply.set();
            let t0 = Instant::now();
            let result1 = task1.await.unwrap();
            let result2 = task2.await.unwrap();
            assert_eq!(
                (result1.as_str(), result2.as_str()),
                ("Data from a", "Data from b")
            );
            assert!(
                t0.elapsed() >= Duration::from_millis(20),
                "sleeps never end early"
            );
            let lines = log.lines();
            assert_eq!(lines.len(), 4);
            assert!(
                lines[..2].iter().all(|l| l.starts_with("start")),
                "{lines:?}"
            );
            assert!(lines[2..].iter().all(|l| l.starts_with("end")), "{lines:?}");
        });
    });
}

/// Seed 000: Task 2 (the shorter one) finishes first, so by the time
/// `await task2` runs its result is already there. Task 1's "2 s" is modelled
/// as "until Task 2 is done, then a little more": the order is forced, and
/// what is tested is that Task 2 runs to completion while main is blocked on
/// `await task1`.
#[test]
fn the_shorter_task_finishes_first_even_though_it_is_awaited_second() {
    watchdog(LIMIT, || {
        rt(2, "ct-order").block_on(async {
            let log = Log::default();
            let task2_done = Arc::new(Event::new());
            let task1 = spawn({
                let (log, task2_done) = (log.clone(), task2_done.clone());
                async move {
                    log.push("Task 1 starting");
                    task2_done.wait().await;
                    sleep(Duration::from_millis(5)).await;
                    log.push("Task 1 done");
                    "Result from Task 1"
                }
            });
            let task2 = spawn({
                let log = log.clone();
                async move {
                    log.push("Task 2 starting");
                    sleep(Duration::from_millis(5)).await;
                    log.push("Task 2 done");
                    "Result from Task 2"
                }
            });
            let gate = task2_done.clone();
            task2.add_done_callback(move |_| gate.set());
            let result1 = task1.await.unwrap();
            assert!(task2.is_finished(), "task 2's result is already there");
            let result2 = task2.await.unwrap();
            assert_eq!(result1, "Result from Task 1");
            assert_eq!(result2, "Result from Task 2");
            assert!(log.position("Task 2 done") < log.position("Task 1 done"));
        });
    });
}

/// Seed 000/004 lifecycle: not done right after creation, not done while it
/// waits, done after awaiting, never cancelled.
#[test]
fn lifecycle_done_and_cancelled_before_and_after() {
    watchdog(LIMIT, || {
        rt(2, "ct-life").block_on(async {
            let gate = Arc::new(Event::new());
            let mut task = spawn({
                let gate = gate.clone();
                async move {
                    gate.wait().await;
                    "Done"
                }
            });
            assert!(!task.is_finished(), "done() right after create_task");
            assert!(!task.is_cancelled());
            sleep(Duration::from_millis(10)).await;
            assert!(!task.is_finished(), "still waiting: not done");
            gate.set();
            assert_eq!((&mut task).await.unwrap(), "Done");
            assert!(task.is_finished(), "done() after awaiting it");
            assert!(!task.is_cancelled(), "cancelled() after completing");
        });
    });
}

/// Seed 001: done() before, cancel(), then done() and cancelled() are true.
#[test]
fn lifecycle_of_a_cancelled_task() {
    watchdog(LIMIT, || {
        rt(2, "ct-life-c").block_on(async {
            let started = Arc::new(Event::new());
            let mut task = spawn({
                let started = started.clone();
                async move {
                    started.set();
                    sleep(Duration::from_secs(3600)).await;
                    "Long result"
                }
            });
            started.wait().await;
            assert!(!task.is_finished());
            assert!(task.cancel());
            let err = (&mut task).await.unwrap_err();
            assert!(err.is_cancelled(), "{err}");
            assert!(task.is_finished(), "done() is true once cancelled");
            assert!(task.is_cancelled());
        });
    });
}

/// Seed 004: three cooking steps created as tasks, gathered in order; none
/// is done right after creation (they wait on a gate), all are done after.
#[test]
fn cooking_steps_gathered_in_order() {
    watchdog(LIMIT, || {
        rt(2, "ct-cook").block_on(async {
            let gate = Arc::new(Event::new());
            let steps = [
                ("Boiling water", 2),
                ("Chopping onions", 1),
                ("Heating pan", 3),
            ];
            let tasks: Vec<_> = steps
                .iter()
                .map(|&(name, ms)| {
                    let gate = gate.clone();
                    spawn(async move {
                        gate.wait().await;
                        sleep(Duration::from_millis(ms)).await;
                        format!("{name} done in {ms}ms")
                    })
                })
                .collect();
            let aborts: Vec<_> = tasks.iter().map(|t| t.abort_handle()).collect();
            assert!(aborts.iter().all(|a| !a.is_finished()));
            gate.set();
            let results = runtime::gather(tasks).await;
            let results: Vec<String> = results.into_iter().map(Result::unwrap).collect();
            assert_eq!(
                results,
                [
                    "Boiling water done in 2ms",
                    "Chopping onions done in 1ms",
                    "Heating pan done in 3ms"
                ]
            );
            assert!(aborts.iter().all(|a| a.is_finished()));
        });
    });
}

async fn process_item(item: String) -> String {
    sleep(Duration::from_millis(2)).await;
    format!("Processed {item}")
}

/// Seed 000 "Different ways to create tasks": `create_task`,
/// `loop.create_task` (via `get_running_loop`), `ensure_future` (a task is
/// already a future), and `gather` over plain futures.
#[test]
fn different_ways_to_create_tasks() {
    watchdog(LIMIT, || {
        rt(2, "ct-ways").block_on(async {
            let task1 = spawn(process_item("item1".into()));
            let running_loop = Handle::current();
            let task2 = running_loop.spawn(process_item("item2".into()));
            let task3 = task::Builder::new().spawn(process_item("item3".into()));
            // ensure_future(task) returns the task itself: a Task is a future.
            let task3 = ensure_future(task3);
            let r1 = task1.await.unwrap();
            let r2 = task2.await.unwrap();
            let r3 = task3.await.unwrap();
            assert_eq!(
                [r1, r2, r3],
                ["Processed item1", "Processed item2", "Processed item3"]
            );
            let items = ["item4", "item5", "item6"];
            let results = runtime::gather(items.iter().map(|i| process_item(i.to_string()))).await;
            assert_eq!(
                results,
                ["Processed item4", "Processed item5", "Processed item6"]
            );
        });
    });
}

fn ensure_future<F: std::future::Future>(f: F) -> F {
    f
}

/// Seed 000/002/003: `create_task(coro, name=...)`, `get_name`, `set_name`;
/// the name is what the task itself, `all_tasks()` and its `JoinError` see.
#[test]
fn task_names_get_set_and_seen_from_inside() {
    watchdog(LIMIT, || {
        rt(2, "ct-names").block_on(async {
            let gate = Arc::new(Event::new());
            let task = task::Builder::new().name("ImportantTask").spawn({
                let gate = gate.clone();
                async move {
                    let before = task::name();
                    gate.wait().await;
                    (before, task::name())
                }
            });
            assert_eq!(task.name().as_deref(), Some("ImportantTask"));
            let seen = runtime::all_tasks()
                .into_iter()
                .find(|info| info.id == task.id())
                .expect("all_tasks lists the task");
            assert_eq!(seen.name.as_deref(), Some("ImportantTask"));
            task.set_name("VeryImportantTask");
            assert_eq!(task.name().as_deref(), Some("VeryImportantTask"));
            assert!(runtime::all_tasks()
                .iter()
                .any(|info| info.name.as_deref() == Some("VeryImportantTask")));
            gate.set();
            let (before, after) = task.await.unwrap();
            // `before` ran either side of set_name: both names are legal.
            assert!(matches!(
                before.as_deref(),
                Some("ImportantTask") | Some("VeryImportantTask")
            ));
            assert_eq!(after.as_deref(), Some("VeryImportantTask"));

            // Seed 003: "Fast Task" / "Slow Task"; a cancelled task's error
            // names it.
            let fast = task::Builder::new().name("Fast Task").spawn(async { 10 });
            let slow = task::Builder::new()
                .name("Slow Task")
                .spawn(std::future::pending::<i32>());
            assert_eq!(fast.await.unwrap(), 10);
            slow.cancel();
            let err = slow.await.unwrap_err();
            assert_eq!(err.name(), Some("Slow Task"));
            assert!(err.to_string().contains("'Slow Task'"), "{err}");
            let unnamed = spawn(async { task::name() });
            assert_eq!(unnamed.name(), None);
            assert_eq!(unnamed.await.unwrap(), None);
        });
    });
}

/// Seed 002: `fetch(url)` named `fetch-{url}`, visible in `all_tasks()`
/// while it runs (where a stuck task would be found), with its state.
#[test]
fn named_tasks_are_found_in_all_tasks_while_stuck() {
    watchdog(LIMIT, || {
        rt(2, "ct-stuck").block_on(async {
            let urls = ["https://api.example.com/a", "https://api.example.com/b"];
            let stuck: Vec<_> = urls
                .iter()
                .map(|url| {
                    task::Builder::new()
                        .name(format!("fetch-{url}"))
                        .spawn(std::future::pending::<()>())
                })
                .collect();
            assert_eq!(
                stuck[0].name().as_deref(),
                Some("fetch-https://api.example.com/a")
            );
            // Wait until both have been polled once and are idle (waiting).
            loop {
                let infos = runtime::all_tasks();
                let idle = infos
                    .iter()
                    .filter(|i| {
                        i.name.as_deref().is_some_and(|n| n.starts_with("fetch-"))
                            && i.state == TaskState::Idle
                            && i.polls >= 1
                    })
                    .count();
                if idle == 2 {
                    break;
                }
                sleep(Duration::from_millis(1)).await;
            }
            for t in &stuck {
                t.cancel();
            }
            for t in stuck {
                assert!(t.await.unwrap_err().is_cancelled());
            }
        });
    });
}

/// Seed 002/003: "Tasks must be created from within a running event loop":
/// outside one, `spawn` panics with a message saying what to do, and
/// `Handle::try_current` reports `NoRuntime`.
#[test]
fn create_task_outside_a_runtime_is_refused() {
    watchdog(LIMIT, || {
        assert!(Handle::try_current().is_err());
        let panic = std::panic::catch_unwind(|| {
            drop(spawn(async {}));
        })
        .unwrap_err();
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            message.contains("called outside of a runtime") && message.contains("Handle::spawn"),
            "{message}"
        );
        // With a handle, a plain thread can create tasks on the runtime.
        let rt = rt(2, "ct-outside");
        let task = rt.handle().spawn(async { 7 });
        assert_eq!(rt.block_on(task).unwrap(), 7);
    });
}

/// Seed 000 "CPU-bound task blocks the event loop": in asyncio the I/O task
/// is delayed until the busy loop ends. Here tasks run in parallel on all
/// workers, so on a 2-worker runtime the I/O task runs while the CPU-bound
/// one spins; the CPU-bound task even waits for it. (Had the I/O task been
/// stuck behind the spinning one, the watchdog would fail the test.)
#[test]
fn a_cpu_bound_task_does_not_block_an_io_task_on_another_worker() {
    watchdog(LIMIT, || {
        rt(2, "ct-cpu").block_on(async {
            let io_done = Arc::new(AtomicBool::new(false));
            let cpu = spawn({
                let io_done = io_done.clone();
                async move {
                    let mut spins = 0u64;
                    while !io_done.load(SeqCst) {
                        std::hint::spin_loop();
                        spins += 1;
                    }
                    spins
                }
            });
            let io = spawn({
                let io_done = io_done.clone();
                async move {
                    sleep(Duration::from_millis(10)).await;
                    io_done.store(true, SeqCst);
                    "I/O-bound task complete"
                }
            });
            let (spins, io) = (cpu.await.unwrap(), io.await.unwrap());
            assert_eq!(io, "I/O-bound task complete");
            assert!(spins > 0);
        });
    });
}

/// asyncio's `to_thread`: blocking work goes to the blocking pool, never to a
/// worker, so even a 1-worker runtime keeps running tasks meanwhile.
#[test]
fn blocking_work_runs_off_the_workers() {
    watchdog(LIMIT, || {
        rt(1, "ct-block").block_on(async {
            let flag = Arc::new(AtomicBool::new(false));
            let blocking = runtime::spawn_blocking({
                let flag = flag.clone();
                move || {
                    while !flag.load(SeqCst) {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    "blocking work done"
                }
            });
            let setter = spawn({
                let flag = flag.clone();
                async move {
                    runtime::yield_now().await; // asyncio's sleep(0)
                    flag.store(true, SeqCst);
                }
            });
            setter.await.unwrap();
            assert_eq!(blocking.await.unwrap(), "blocking work done");
        });
    });
}

#[derive(Debug, PartialEq)]
struct ValueError(String);

/// Seed 001: an exception stays inside the task until it is awaited; the
/// other task's success is unaffected. Seed 000: a panic is reported as a
/// `JoinError` (the worker survives).
#[test]
fn errors_stay_in_the_task_until_awaited() {
    watchdog(LIMIT, || {
        rt(2, "ct-errors").block_on(async {
            async fn might_fail(should_fail: bool) -> Result<&'static str, ValueError> {
                sleep(Duration::from_millis(2)).await;
                if should_fail {
                    Err(ValueError("Task failed!".into()))
                } else {
                    Ok("Success")
                }
            }
            let failing = spawn(might_fail(true));
            let success = spawn(might_fail(false));
            sleep(Duration::from_millis(5)).await;
            assert_eq!(
                failing.await.unwrap(),
                Err(ValueError("Task failed!".into()))
            );
            assert_eq!(success.await.unwrap(), Ok("Success"));

            let panicking = task::Builder::new().name("problematic").spawn(async {
                sleep(Duration::from_millis(1)).await;
                if true {
                    panic!("Something went wrong!");
                }
            });
            let err = panicking.await.unwrap_err();
            assert!(err.is_panic() && !err.is_cancelled() && !err.is_failed());
            assert_eq!(
                err.panic_message().as_deref(),
                Some("Something went wrong!")
            );
            assert!(err.to_string().contains("'problematic'"), "{err}");
            // The workers survived the panic.
            let count = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let count = count.clone();
                    spawn(async move { count.fetch_add(1, SeqCst) })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(count.load(SeqCst), 4);
        });
    });
}
