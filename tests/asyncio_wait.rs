//! The seeds' `asyncio.wait(..., return_when=...)` and `as_completed`
//! examples. `runtime::wait` splits the tasks into `(done, pending)` and
//! cancels nothing: the pending ones keep running until you cancel them.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::sync::{Event, Semaphore};
use runtime::task::Task;
use runtime::time::{sleep, Duration, Instant};
use runtime::{as_completed, spawn, wait, wait_timeout, Failable, ReturnWhen};
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

struct DropSignal(Arc<Semaphore>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        self.0.add_permits(1);
    }
}

/// A task that waits for `gate`, then returns `value`; its Drop signals
/// `drops`.
fn gated<T: Send + 'static>(gate: &Arc<Event>, drops: &Arc<Semaphore>, value: T) -> Task<T> {
    let (gate, guard) = (gate.clone(), DropSignal(drops.clone()));
    spawn(async move {
        let _guard = guard;
        gate.wait().await;
        value
    })
}

/// Seed 002 / 004: `wait(tasks, return_when=FIRST_COMPLETED)` returns the
/// one done task and the rest pending; the pending ones keep running (they
/// make progress after `wait` returned) until they are cancelled.
#[test]
fn first_completed_returns_one_done_and_the_rest_keep_running() {
    watchdog(LIMIT, || {
        rt(2, "w-first").block_on(async {
            let progress = Arc::new(AtomicUsize::new(0));
            let drops = Arc::new(Semaphore::new(0));
            let step = Arc::new(Event::new());
            let slow = |name: &'static str| {
                let (progress, step, guard) =
                    (progress.clone(), step.clone(), DropSignal(drops.clone()));
                spawn(async move {
                    let _guard = guard;
                    step.wait().await;
                    progress.fetch_add(1, SeqCst);
                    std::future::pending::<()>().await;
                    name
                })
            };
            let tasks = vec![slow("a"), spawn(async { "fast" }), slow("c")];
            let ids: Vec<_> = tasks.iter().map(Task::id).collect();
            let (done, pending) = wait(tasks, ReturnWhen::FirstCompleted).await;
            assert_eq!(done.len(), 1);
            assert_eq!(pending.len(), 2);
            assert_eq!(done[0].id(), ids[1]);
            assert_eq!(
                pending.iter().map(Task::id).collect::<Vec<_>>(),
                [ids[0], ids[2]]
            );
            // The done task keeps its result.
            assert!(done[0].is_finished());
            for task in done {
                assert_eq!(task.await.unwrap(), "fast");
            }
            // The pending ones were not cancelled: they go on working.
            step.set();
            while progress.load(SeqCst) < 2 {
                sleep(Duration::from_millis(1)).await;
            }
            assert!(pending.iter().all(|t| !t.is_finished()));
            // "Cancel remaining tasks if you only needed the first result."
            for task in &pending {
                assert!(task.cancel());
            }
            for task in pending {
                assert!(task.await.unwrap_err().is_cancelled());
            }
            drops.acquire_many(2).await.unwrap().forget();
        });
    });
}

/// `FIRST_EXCEPTION` with tasks returning `Result`: an `Ok` finishing first
/// does not end the wait; the first `Err` does.
#[test]
fn first_exception_with_result_tasks() {
    watchdog(LIMIT, || {
        rt(2, "w-exc").block_on(async {
            let drops = Arc::new(Semaphore::new(0));
            let never = Arc::new(Event::new());
            let ok_done = Arc::new(Event::new());
            let ok = spawn(async { Ok::<u32, String>(1) });
            let gate = ok_done.clone();
            ok.add_done_callback(move |_| gate.set());
            let failing = spawn({
                let ok_done = ok_done.clone();
                async move {
                    ok_done.wait().await; // fails only after `ok` finished
                    Err::<u32, String>("ValueError".into())
                }
            });
            let slow = gated(&never, &drops, Ok::<u32, String>(3));
            let ids = [ok.id(), failing.id(), slow.id()];
            let (done, pending) = wait([ok, failing, slow], ReturnWhen::FirstException).await;
            assert_eq!(done.iter().map(Task::id).collect::<Vec<_>>(), ids[..2]);
            assert_eq!(pending.iter().map(Task::id).collect::<Vec<_>>(), ids[2..]);
            let mut done = done.into_iter();
            assert_eq!(done.next().unwrap().await.unwrap(), Ok(1));
            assert_eq!(
                done.next().unwrap().await.unwrap(),
                Err("ValueError".into())
            );
            for t in pending {
                t.cancel();
                assert!(t.await.unwrap_err().is_cancelled());
            }
            drops.acquire().await.unwrap().forget();
        });
    });
}

/// `FIRST_EXCEPTION` with plain-value tasks: values never count as
/// failures, so with no panic it waits for all (like `ALL_COMPLETED`); a
/// panic (asyncio: an exception) ends the wait with the rest pending.
#[test]
fn first_exception_with_plain_value_tasks() {
    watchdog(LIMIT, || {
        rt(2, "w-exc-plain").block_on(async {
            let tasks: Vec<Task<u32>> = (0..4)
                .map(|i| {
                    spawn(async move {
                        sleep(Duration::from_millis(i)).await;
                        i as u32
                    })
                })
                .collect();
            let (done, pending) = wait(tasks, ReturnWhen::FirstException).await;
            assert_eq!(done.len(), 4);
            assert!(pending.is_empty());

            let drops = Arc::new(Semaphore::new(0));
            let never = Arc::new(Event::new());
            let panicking: Task<u32> = spawn(async {
                sleep(Duration::from_millis(1)).await;
                panic!("plain task failed")
            });
            let slow = gated(&never, &drops, 7u32);
            let (done, pending) = wait([slow, panicking], ReturnWhen::FirstException).await;
            assert_eq!(done.len(), 1);
            assert_eq!(pending.len(), 1);
            let err = done.into_iter().next().unwrap().await.unwrap_err();
            assert_eq!(err.panic_message().as_deref(), Some("plain task failed"));
            for t in pending {
                t.cancel();
                let _ = t.await;
            }
            drops.acquire().await.unwrap().forget();

            // Your own output type: an empty `impl Failable` makes it usable
            // with `wait` (it never counts as a failure).
            #[derive(Debug, PartialEq)]
            struct Report(u32);
            impl Failable for Report {}
            let reports: Vec<_> = (0..3).map(|i| spawn(async move { Report(i) })).collect();
            let (done, pending) = wait(reports, ReturnWhen::FirstException).await;
            assert_eq!((done.len(), pending.len()), (3, 0));
        });
    });
}

/// `ALL_COMPLETED`: every task done, nothing pending; results kept in the
/// handles (awaiting them returns at once).
#[test]
fn all_completed_waits_for_everything() {
    watchdog(LIMIT, || {
        rt(2, "w-all").block_on(async {
            let tasks: Vec<_> = (0..5u64)
                .map(|i| {
                    spawn(async move {
                        sleep(Duration::from_millis(5 - i)).await;
                        i * 10
                    })
                })
                .collect();
            let (done, pending) = wait(tasks, ReturnWhen::AllCompleted).await;
            assert!(pending.is_empty());
            assert!(done.iter().all(Task::is_finished));
            let mut values = Vec::new();
            for t in done {
                values.push(t.await.unwrap());
            }
            assert_eq!(values, [0, 10, 20, 30, 40], "done keeps input order");
        });
    });
}

/// `wait(..., timeout=)`: returns when time is up, with the unfinished
/// tasks pending (not cancelled).
#[test]
fn wait_timeout_returns_the_split_when_time_is_up() {
    watchdog(LIMIT, || {
        rt(2, "w-timeout").block_on(async {
            let drops = Arc::new(Semaphore::new(0));
            let never = Arc::new(Event::new());
            let quick = spawn(async { 1u32 });
            let stuck = gated(&never, &drops, 2u32);
            let t0 = Instant::now();
            let (done, pending) = wait_timeout(
                [quick, stuck],
                ReturnWhen::AllCompleted,
                Duration::from_millis(10),
            )
            .await;
            assert!(t0.elapsed() >= Duration::from_millis(10));
            assert_eq!((done.len(), pending.len()), (1, 1));
            // The pending task was not cancelled: it can still finish.
            never.set();
            for t in pending {
                assert_eq!(t.await.unwrap(), 2);
            }
            drops.acquire().await.unwrap().forget();
        });
    });
}

/// Seed 004 `advanced_task_management`: five unreliable operations (here
/// the odd ones fail, and they finish one after another, 0 first), wait for
/// the first, handle it, cancel the rest and wait for the cancellations.
#[test]
fn advanced_task_management() {
    watchdog(LIMIT, || {
        rt(2, "w-adv").block_on(async {
            let log = Log::default();
            let gates: Vec<Arc<Event>> = (0..5).map(|_| Arc::new(Event::new())).collect();
            let tasks: Vec<Task<Result<String, String>>> = (0..5)
                .map(|i| {
                    let gate = gates[i].clone();
                    spawn(async move {
                        gate.wait().await;
                        if i % 2 == 1 {
                            Err(format!("Operation Task-{i} failed!"))
                        } else {
                            Ok(format!("Success: Task-{i}"))
                        }
                    })
                })
                .collect();
            gates[0].set();
            let (done, pending) = wait(tasks, ReturnWhen::FirstCompleted).await;
            assert_eq!((done.len(), pending.len()), (1, 4));
            for task in done {
                match task.await.unwrap() {
                    Ok(result) => log.push(format!("First result: {result}")),
                    Err(e) => log.push(format!("First task failed: {e}")),
                }
            }
            for task in &pending {
                task.cancel();
            }
            let settled = runtime::gather_settled(pending).await;
            for outcome in settled {
                let join = outcome.expect("the awaiting tasks themselves ran");
                assert!(join.unwrap_err().is_cancelled());
            }
            log.push("All remaining tasks cancelled");
            assert_eq!(
                log.lines(),
                [
                    "First result: Success: Task-0",
                    "All remaining tasks cancelled"
                ]
            );
        });
    });
}

/// Seed 002 "racing strategies": two endpoints, use whichever answers
/// first, cancel the other.
#[test]
fn racing_two_endpoints() {
    watchdog(LIMIT, || {
        rt(2, "w-race").block_on(async {
            let drops = Arc::new(Semaphore::new(0));
            let never = Arc::new(Event::new());
            let primary = gated(&never, &drops, "primary");
            let mirror = spawn(async {
                sleep(Duration::from_millis(2)).await;
                "mirror"
            });
            let (done, pending) = wait([primary, mirror], ReturnWhen::FirstCompleted).await;
            let winner = done.into_iter().next().unwrap().await.unwrap();
            assert_eq!(winner, "mirror");
            for t in pending {
                t.cancel();
            }
            drops.acquire().await.unwrap().forget();
        });
    });
}

/// `as_completed` yields each result as soon as its task finishes, while
/// the others are still running: here they finish in the reverse of the
/// input order (the test releases one at a time, and releases the next only
/// after the stream yielded the previous). Also usable as a `Stream`.
#[test]
fn as_completed_yields_in_completion_order() {
    watchdog(LIMIT, || {
        rt(2, "w-ascomp").block_on(async {
            let make = || {
                let gates: Vec<Arc<Event>> = (0..4).map(|_| Arc::new(Event::new())).collect();
                let tasks: Vec<Task<usize>> = (0..4)
                    .map(|i| {
                        let gate = gates[i].clone();
                        spawn(async move {
                            gate.wait().await;
                            i
                        })
                    })
                    .collect();
                (gates, tasks)
            };

            let (gates, tasks) = make();
            let mut results = as_completed(tasks);
            assert_eq!(results.len(), 4);
            let mut order = Vec::new();
            for i in (0..4).rev() {
                gates[i].set();
                order.push(results.next().await.unwrap().unwrap());
                assert_eq!(results.len(), i);
            }
            assert_eq!(order, [3, 2, 1, 0]);
            assert!(results.next().await.is_none());
            assert!(results.is_empty());

            // The same through futures' StreamExt.
            use futures_util::StreamExt;
            let (gates, tasks) = make();
            let mut stream = as_completed(tasks);
            let mut order = Vec::new();
            for i in (0..4).rev() {
                gates[i].set();
                order.push(StreamExt::next(&mut stream).await.unwrap().unwrap());
            }
            assert_eq!(order, [3, 2, 1, 0]);
            assert!(StreamExt::next(&mut stream).await.is_none());

            // All at once: every result arrives exactly once.
            let (gates, tasks) = make();
            for g in &gates {
                g.set();
            }
            let mut all: Vec<usize> = as_completed(tasks).map(Result::unwrap).collect().await;
            all.sort();
            assert_eq!(all, [0, 1, 2, 3]);
        });
    });
}

/// `as_completed` reports a failed task in its place in the stream, and
/// dropping the stream early leaves the remaining tasks running (detached).
#[test]
fn as_completed_reports_failures_and_detaches_on_drop() {
    watchdog(LIMIT, || {
        rt(2, "w-ascomp2").block_on(async {
            let gate = Arc::new(Event::new());
            let finished = Arc::new(Event::new());
            let later = spawn({
                let (gate, finished) = (gate.clone(), finished.clone());
                async move {
                    gate.wait().await;
                    finished.set();
                    1
                }
            });
            let bad: Task<i32> = spawn(async { panic!("bad item") });
            let mut stream = as_completed([later, bad]);
            let first = stream.next().await.unwrap().unwrap_err();
            assert_eq!(first.panic_message().as_deref(), Some("bad item"));
            drop(stream);
            gate.set();
            finished.wait().await; // still ran to the end
        });
    });
}
