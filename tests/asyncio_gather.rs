//! The seeds' `gather` examples: results in input order whatever the
//! completion order, `return_exceptions=True` (errors in place), and what
//! happens to the other awaitables when one fails, panics, or the gather
//! itself is dropped.
//!
//! | asyncio | here |
//! | --- | --- |
//! | `gather(*aws)` over plain values | `runtime::gather(futs) -> Vec<T>` |
//! | `gather(..., return_exceptions=True)` | `runtime::gather` over `Result` futures (errors in place), `runtime::gather_settled` (panics/cancellations in place) |
//! | `gather(...)` raising the first exception | `runtime::try_gather` (which also cancels the rest) |
//! | `gather(a, b, c)` of different types | `runtime::gather!(a, b, c)` |
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::sync::{Event, Semaphore};
use runtime::time::{sleep, timeout, Duration, Instant};
use runtime::{gather, gather_settled, spawn, try_gather};
use std::future::Future;
use std::pin::Pin;
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

/// Adds a permit to a semaphore when dropped: `drops.acquire_many(n)` then
/// waits until `n` futures holding one have been dropped.
struct DropSignal(Arc<Semaphore>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        self.0.add_permits(1);
    }
}

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A future that never finishes, holding a drop signal.
fn forever<T: Send + 'static>(drops: &Arc<Semaphore>) -> BoxFut<T> {
    let guard = DropSignal(drops.clone());
    Box::pin(async move {
        let _guard = guard;
        std::future::pending::<T>().await
    })
}

/// Seeds 003/004: `fetch_data("A", 3), ("B", 1), ("C", 2)`: B finishes first,
/// then C, then A, and the results are still `[A, B, C]`. The completion
/// order is forced with gates (each waits for the one before it).
#[test]
fn gather_keeps_input_order_when_later_inputs_finish_first() {
    watchdog(LIMIT, || {
        rt(2, "g-order").block_on(async {
            let log = Log::default();
            let b_done = Arc::new(Event::new());
            let c_done = Arc::new(Event::new());
            let fetch = |id: &'static str, after: Option<Arc<Event>>, then: Option<Arc<Event>>| {
                let log = log.clone();
                async move {
                    if let Some(after) = after {
                        after.wait().await;
                    }
                    sleep(Duration::from_millis(1)).await;
                    log.push(id);
                    if let Some(then) = then {
                        then.set();
                    }
                    format!("Data from {id}")
                }
            };
            let results = gather([
                Box::pin(fetch("A", Some(c_done.clone()), None)) as BoxFut<String>,
                Box::pin(fetch("B", None, Some(b_done.clone()))),
                Box::pin(fetch("C", Some(b_done.clone()), Some(c_done.clone()))),
            ])
            .await;
            assert_eq!(results, ["Data from A", "Data from B", "Data from C"]);
            assert_eq!(log.lines(), ["B", "C", "A"], "completion order");
        });
    });
}

/// Seed 001/002: `gather(task1, task2, task3)` over tasks already created,
/// and `gather(*(process_item(i) for i in items))` straight over coroutines.
#[test]
fn gather_over_tasks_and_over_plain_futures() {
    watchdog(LIMIT, || {
        rt(2, "g-forms").block_on(async {
            async fn fetch_data(id: u32) -> String {
                sleep(Duration::from_millis(2)).await;
                format!("Data {id}")
            }
            let tasks = (1..=3).map(|id| spawn(fetch_data(id)));
            let results: Vec<String> = gather(tasks)
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(results, ["Data 1", "Data 2", "Data 3"]);

            async fn process_item(item: &'static str) -> String {
                sleep(Duration::from_millis(1)).await;
                format!("Processed {item}")
            }
            let items = ["A", "B", "C", "D", "E"];
            let results = gather(items.into_iter().map(process_item)).await;
            assert_eq!(
                results,
                [
                    "Processed A",
                    "Processed B",
                    "Processed C",
                    "Processed D",
                    "Processed E"
                ]
            );
        });
    });
}

#[derive(Debug, Clone, PartialEq)]
enum FetchError {
    Runtime(String),
    Connection(String),
}

async fn fetch_data(id: &'static str, ms: u64, should_fail: bool) -> Result<String, FetchError> {
    sleep(Duration::from_millis(ms)).await;
    if should_fail {
        Err(FetchError::Runtime(format!("Failed to fetch data {id}!")))
    } else {
        Ok(format!("Data from {id}"))
    }
}

/// Seed 003: `gather(D, E (fails), F, return_exceptions=True)`: every
/// awaitable runs to completion and E's error comes back in its place.
#[test]
fn return_exceptions_gives_errors_in_place() {
    watchdog(LIMIT, || {
        rt(2, "g-retexc").block_on(async {
            let results = gather([
                Box::pin(fetch_data("D", 1, false)) as BoxFut<_>,
                Box::pin(fetch_data("E", 0, true)),
                Box::pin(fetch_data("F", 3, false)),
            ])
            .await;
            assert_eq!(
                results,
                [
                    Ok("Data from D".to_string()),
                    Err(FetchError::Runtime("Failed to fetch data E!".into())),
                    Ok("Data from F".to_string()),
                ]
            );

            // Seed 002: good and bad URLs; the seeds' isinstance check is a match.
            let fetch = |url: &'static str| async move {
                if url.contains("bad") {
                    Err(FetchError::Connection(format!("cannot reach {url}")))
                } else {
                    Ok(format!("Data from {url}"))
                }
            };
            let results = gather([
                fetch("https://good.example.com"),
                fetch("https://bad.example.com"),
            ])
            .await;
            let report: Vec<String> = results
                .iter()
                .map(|r| match r {
                    Ok(v) => format!("Task succeeded: {v}"),
                    Err(e) => format!("Task failed: {e:?}"),
                })
                .collect();
            assert_eq!(
                report,
                [
                    "Task succeeded: Data from https://good.example.com",
                    "Task failed: Connection(\"cannot reach https://bad.example.com\")"
                ]
            );
        });
    });
}

/// Seed 004 `error_handling_patterns`: individual awaits, then
/// `gather(fail, succeed, fail, return_exceptions=True)`.
#[test]
fn error_handling_patterns() {
    watchdog(LIMIT, || {
        rt(2, "g-errpat").block_on(async {
            async fn operation_that_fails() -> Result<&'static str, String> {
                sleep(Duration::from_millis(1)).await;
                Err("Something went wrong!".into())
            }
            async fn operation_that_succeeds() -> Result<&'static str, String> {
                sleep(Duration::from_millis(2)).await;
                Ok("Success!")
            }
            let task1 = spawn(operation_that_fails());
            let task2 = spawn(operation_that_succeeds());
            assert_eq!(task1.await.unwrap(), Err("Something went wrong!".into()));
            assert_eq!(task2.await.unwrap(), Ok("Success!"));

            let tasks = vec![
                spawn(operation_that_fails()),
                spawn(operation_that_succeeds()),
                spawn(operation_that_fails()),
            ];
            let results: Vec<_> = gather(tasks)
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
            let failed: Vec<usize> = (0..3).filter(|&i| results[i].is_err()).collect();
            assert_eq!(failed, [0, 2]);
            assert_eq!(results[1], Ok("Success!"));
        });
    });
}

/// `gather_settled`: panics and cancellations come back in place as
/// `JoinError`s, never propagated.
#[test]
fn gather_settled_reports_panics_in_place() {
    watchdog(LIMIT, || {
        rt(2, "g-settled").block_on(async {
            let results = gather_settled([
                Box::pin(async { 1 }) as BoxFut<i32>,
                Box::pin(async {
                    sleep(Duration::from_millis(1)).await;
                    panic!("item 2 exploded")
                }),
                Box::pin(async { 3 }),
            ])
            .await;
            assert_eq!(*results[0].as_ref().unwrap(), 1);
            let err = results[1].as_ref().unwrap_err();
            assert!(err.is_panic());
            assert_eq!(err.panic_message().as_deref(), Some("item 2 exploded"));
            assert_eq!(*results[2].as_ref().unwrap(), 3);
        });
    });
}

/// `try_gather` returns the first `Err` and cancels the rest (their Drop
/// runs). asyncio's plain `gather` would leave them running.
#[test]
fn try_gather_returns_the_first_err_and_cancels_the_rest() {
    watchdog(LIMIT, || {
        rt(2, "g-try").block_on(async {
            let drops = Arc::new(Semaphore::new(0));
            let mut futures: Vec<BoxFut<Result<u32, String>>> =
                (0..5).map(|_| forever(&drops)).collect();
            futures.insert(
                2,
                Box::pin(async {
                    sleep(Duration::from_millis(2)).await;
                    Err("item 2 failed".to_string())
                }),
            );
            let err = try_gather(futures).await.unwrap_err();
            assert_eq!(err, "item 2 failed");
            drops.acquire_many(5).await.unwrap().forget();

            let ok = try_gather((1..=3u32).map(|i| async move { Ok::<_, String>(i * 10) })).await;
            assert_eq!(ok.unwrap(), [10, 20, 30]);
        });
    });
}

/// A panic in one of the gathered futures cancels the others (their Drop
/// runs) and is re-raised in the caller, with its message, for `gather`,
/// `try_gather` and `gather!`.
#[test]
fn gather_propagates_a_panic_after_cancelling_the_rest() {
    watchdog(LIMIT, || {
        rt(2, "g-panic").block_on(async {
            let boom = || -> BoxFut<Result<u32, String>> {
                Box::pin(async {
                    sleep(Duration::from_millis(2)).await;
                    panic!("boom")
                })
            };
            // gather
            let drops = Arc::new(Semaphore::new(0));
            let mut futs: Vec<_> = (0..4).map(|_| forever(&drops)).collect();
            futs.push(boom());
            let err = spawn(gather(futs)).await.unwrap_err();
            assert!(err.is_panic());
            assert_eq!(err.panic_message().as_deref(), Some("boom"));
            drops.acquire_many(4).await.unwrap().forget();

            // try_gather
            let drops = Arc::new(Semaphore::new(0));
            let mut futs: Vec<_> = (0..4).map(|_| forever(&drops)).collect();
            futs.insert(0, boom());
            let err = spawn(try_gather(futs)).await.unwrap_err();
            assert_eq!(err.panic_message().as_deref(), Some("boom"));
            drops.acquire_many(4).await.unwrap().forget();

            // gather!
            let drops = Arc::new(Semaphore::new(0));
            let a = forever::<u8>(&drops);
            let b = forever::<String>(&drops);
            let err = spawn(async move { runtime::gather!(a, boom(), b).await })
                .await
                .unwrap_err();
            assert_eq!(err.panic_message().as_deref(), Some("boom"));
            drops.acquire_many(2).await.unwrap().forget();
        });
    });
}

/// Dropping a gather future (here: a timeout gives up on it) cancels the
/// children still running, for all four forms.
#[test]
fn dropping_a_gather_future_cancels_its_children() {
    watchdog(LIMIT, || {
        rt(2, "g-drop").block_on(async {
            let tiny = Duration::from_millis(5);
            let drops = Arc::new(Semaphore::new(0));

            let futs: Vec<BoxFut<u32>> = (0..3).map(|_| forever(&drops)).collect();
            assert!(timeout(tiny, gather(futs)).await.is_err());
            drops.acquire_many(3).await.unwrap().forget();

            let futs: Vec<BoxFut<Result<u32, ()>>> = (0..3).map(|_| forever(&drops)).collect();
            assert!(timeout(tiny, try_gather(futs)).await.is_err());
            drops.acquire_many(3).await.unwrap().forget();

            let futs: Vec<BoxFut<u32>> = (0..3).map(|_| forever(&drops)).collect();
            assert!(timeout(tiny, gather_settled(futs)).await.is_err());
            drops.acquire_many(3).await.unwrap().forget();

            let (a, b) = (forever::<u8>(&drops), forever::<u16>(&drops));
            assert!(timeout(tiny, runtime::gather!(a, b)).await.is_err());
            drops.acquire_many(2).await.unwrap().forget();

            // And cancelling the task that awaits the gather does the same.
            let futs: Vec<BoxFut<u32>> = (0..3).map(|_| forever(&drops)).collect();
            let outer = spawn(gather(futs));
            sleep(Duration::from_millis(1)).await;
            outer.cancel();
            assert!(outer.await.unwrap_err().is_cancelled());
            drops.acquire_many(3).await.unwrap().forget();
        });
    });
}

/// `gather!(a, b, c)`: different output types, a tuple in input order.
#[test]
fn gather_macro_collects_different_types_in_order() {
    watchdog(LIMIT, || {
        rt(2, "g-macro").block_on(async {
            let (n, s, v) = runtime::gather!(
                async {
                    sleep(Duration::from_millis(3)).await;
                    1u8
                },
                async { "two" },
                async {
                    sleep(Duration::from_millis(1)).await;
                    vec![3]
                },
            )
            .await;
            assert_eq!((n, s, v), (1, "two", vec![3]));
        });
    });
}

/// Seed 004 `scrape_websites`: five simulated page fetches created as
/// tasks, gathered; each result describes its URL, in order.
#[test]
fn scrape_websites() {
    watchdog(LIMIT, || {
        rt(2, "g-scrape").block_on(async {
            #[derive(Debug, PartialEq)]
            struct Page {
                url: String,
                content_length: usize,
                status: &'static str,
            }
            async fn fetch_page(url: String, delay: Duration) -> Page {
                sleep(delay).await;
                Page {
                    content_length: url.len() * 100,
                    url,
                    status: "success",
                }
            }
            let urls: Vec<String> = (1..=5)
                .map(|i| format!("https://example.com/page{i}"))
                .collect();
            let start = Instant::now();
            let tasks: Vec<_> = urls
                .iter()
                .map(|url| spawn(fetch_page(url.clone(), Duration::from_millis(10))))
                .collect();
            let results = gather(tasks).await;
            assert!(start.elapsed() >= Duration::from_millis(10));
            for (page, url) in results.into_iter().zip(&urls) {
                let page = page.unwrap();
                assert_eq!(&page.url, url);
                assert_eq!(page.content_length, url.len() * 100);
                assert_eq!(page.status, "success");
            }
        });
    });
}

/// Seed 001 `ProgressTask`: a wrapper that spawns the work, reports progress
/// while `!task.is_finished()`, and records when it started and completed;
/// two of them gathered.
#[test]
fn progress_tracking_wrapper() {
    watchdog(LIMIT, || {
        rt(2, "g-progress").block_on(async {
            struct ProgressTask {
                name: &'static str,
                progress: u32,
                reports: Vec<u32>,
                started_at: Option<Instant>,
                completed_at: Option<Instant>,
            }
            impl ProgressTask {
                fn new(name: &'static str) -> ProgressTask {
                    ProgressTask {
                        name,
                        progress: 0,
                        reports: Vec::new(),
                        started_at: None,
                        completed_at: None,
                    }
                }
                async fn run<F>(mut self, work: F) -> (ProgressTask, F::Output)
                where
                    F: Future + Send + 'static,
                    F::Output: Send + 'static,
                {
                    self.started_at = Some(Instant::now());
                    let mut task = spawn(work);
                    while !task.is_finished() {
                        self.progress = (self.progress + 10).min(100);
                        self.reports.push(self.progress);
                        sleep(Duration::from_millis(2)).await;
                    }
                    self.completed_at = Some(Instant::now());
                    self.progress = 100;
                    let out = (&mut task).await.unwrap();
                    (self, out)
                }
            }
            async fn worker(name: &'static str, duration: Duration) -> String {
                for _ in 0..10 {
                    sleep(duration / 10).await;
                }
                format!("Result from {name}")
            }
            let ((a, ra), (b, rb)) = runtime::gather!(
                ProgressTask::new("Task A").run(worker("A", Duration::from_millis(15))),
                ProgressTask::new("Task B").run(worker("B", Duration::from_millis(25))),
            )
            .await;
            assert_eq!(
                (ra.as_str(), rb.as_str()),
                ("Result from A", "Result from B")
            );
            for t in [&a, &b] {
                assert_eq!(t.progress, 100, "{}", t.name);
                assert!(!t.reports.is_empty(), "the work took at least one report");
                assert!(t.reports.windows(2).all(|w| w[0] <= w[1]));
                assert!(t.completed_at.unwrap() >= t.started_at.unwrap());
            }
            assert!(b.completed_at.unwrap() - b.started_at.unwrap() >= Duration::from_millis(25));
        });
    });
}

/// Seed 004 performance comparison: five "1 s" requests as tasks all run at
/// once. Proved by ordering: every request has started before the first one
/// is allowed to finish.
#[test]
fn five_requests_as_tasks_are_all_in_flight_together() {
    watchdog(LIMIT, || {
        rt(2, "g-perf").block_on(async {
            let started = Arc::new(Semaphore::new(0));
            let in_flight = Arc::new(AtomicUsize::new(0));
            let reply = Arc::new(Event::new());
            let tasks: Vec<_> = (0..5)
                .map(|i| {
                    let (started, in_flight, reply) =
                        (started.clone(), in_flight.clone(), reply.clone());
                    spawn(async move {
                        in_flight.fetch_add(1, SeqCst);
                        started.add_permits(1);
                        reply.wait().await;
                        sleep(Duration::from_millis(5)).await;
                        format!("Async result from https://api{i}.example.com")
                    })
                })
                .collect();
            started.acquire_many(5).await.unwrap().forget();
            assert_eq!(in_flight.load(SeqCst), 5);
            reply.set();
            let results = gather(tasks).await;
            assert_eq!(results.len(), 5);
            assert_eq!(
                results[4].as_deref().unwrap(),
                "Async result from https://api4.example.com"
            );
        });
    });
}
