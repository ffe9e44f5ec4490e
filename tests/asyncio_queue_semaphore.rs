//! The seeds' `asyncio.Queue` producer/consumer and `asyncio.Semaphore`
//! limited-concurrency examples, on a real 2-worker runtime. The crawler
//! fetches from a server on 127.0.0.1 (no other network).
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::{Event, LifoQueue, PriorityQueue, Queue, Semaphore};
use runtime::task::{self, Task};
use runtime::time::{sleep, Duration};
use runtime::{gather, spawn};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};

/// Counts the tasks inside a section and remembers the most at once.
#[derive(Clone, Default)]
struct InFlight {
    now: Arc<AtomicUsize>,
    high: Arc<AtomicUsize>,
}

/// Leaves the section when dropped (declare it after the permit, so it is
/// dropped first).
struct Inside(InFlight);

impl InFlight {
    fn enter(&self) -> Inside {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.high.fetch_max(now, SeqCst);
        Inside(self.clone())
    }
    fn now(&self) -> usize {
        self.now.load(SeqCst)
    }
    fn high(&self) -> usize {
        self.high.load(SeqCst)
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, SeqCst);
    }
}

async fn until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        sleep(Duration::from_millis(1)).await;
    }
}

/// Seed 004 `producer_consumer_pattern`: `Queue(maxsize=3)`, one producer
/// of five items then a `None` sentinel, two consumers calling
/// `task_done()`; main awaits the producer, then `queue.join()`, then
/// cancels the consumers and gathers them with `return_exceptions=True`.
#[test]
fn producer_consumer_with_task_done_and_join() {
    watchdog(LIMIT, || {
        rt(2, "q-seed").block_on(async {
            let queue = Queue::<Option<String>>::new(3);
            let processed = Arc::new(StdMutex::new(Vec::<String>::new()));
            let producer = spawn({
                let queue = queue.clone();
                async move {
                    for i in 0..5 {
                        sleep(Duration::from_millis(1)).await;
                        queue
                            .put(Some(format!("Producer-1-item-{i}")))
                            .await
                            .unwrap();
                        assert!(queue.len() <= 3, "maxsize 3");
                    }
                    queue.put(None).await.unwrap(); // signal completion
                }
            });
            let consumer = |name: &'static str| {
                let (queue, processed) = (queue.clone(), processed.clone());
                task::Builder::new().name(name).spawn(async move {
                    loop {
                        let item = queue.get().await.unwrap();
                        let Some(item) = item else {
                            queue.task_done().unwrap();
                            break;
                        };
                        sleep(Duration::from_millis(1)).await; // processing
                        processed.lock().unwrap().push(item);
                        queue.task_done().unwrap();
                    }
                    "saw the sentinel"
                })
            };
            let consumers = [consumer("Consumer-1"), consumer("Consumer-2")];
            producer.await.unwrap();
            queue.join().await;
            assert!(queue.is_empty());
            let mut items = processed.lock().unwrap().clone();
            items.sort();
            let expected: Vec<String> = (0..5).map(|i| format!("Producer-1-item-{i}")).collect();
            assert_eq!(items, expected, "each item processed exactly once");
            for c in &consumers {
                c.cancel();
            }
            let outcomes = runtime::gather_settled(consumers).await;
            let outcomes: Vec<_> = outcomes.into_iter().map(Result::unwrap).collect();
            // One consumer took the sentinel and returned; the other was
            // waiting in get() and was cancelled.
            let finished = outcomes.iter().filter(|o| o.is_ok()).count();
            let cancelled = outcomes
                .iter()
                .filter(|o| o.as_ref().is_err_and(|e| e.is_cancelled()))
                .count();
            assert_eq!((finished, cancelled), (1, 1), "{outcomes:?}");
            // The queue's accounting is exact: nothing is left unfinished.
            assert!(queue.task_done().is_err());
        });
    });
}

/// Seed 004 `batch_processing_pattern`: ten items, `Semaphore(3)`: never
/// more than three in flight, and (held at the gate until three are
/// inside) exactly three at the high-water mark.
#[test]
fn semaphore_limits_the_batch_to_three_in_flight() {
    watchdog(LIMIT, || {
        rt(2, "sem-seed").block_on(async {
            let semaphore = Arc::new(Semaphore::new(3));
            let inflight = InFlight::default();
            let gate = Arc::new(Event::new());
            let tasks: Vec<Task<String>> = (0..10)
                .map(|i| {
                    let (semaphore, inflight, gate) =
                        (semaphore.clone(), inflight.clone(), gate.clone());
                    spawn(async move {
                        let _permit = semaphore.acquire().await.unwrap();
                        let _inside = inflight.enter();
                        gate.wait().await;
                        sleep(Duration::from_millis(1)).await; // simulate work
                        format!("Result for item-{i}")
                    })
                })
                .collect();
            until(|| inflight.now() == 3).await;
            sleep(Duration::from_millis(5)).await;
            assert_eq!(inflight.now(), 3, "the other seven wait for a permit");
            assert_eq!(semaphore.available_permits(), 0);
            gate.set();
            let results = gather(tasks).await;
            assert_eq!(results.len(), 10);
            assert_eq!(results[9].as_deref().unwrap(), "Result for item-9");
            assert_eq!(inflight.high(), 3, "high-water mark");
            assert_eq!(inflight.now(), 0);
            assert_eq!(semaphore.available_permits(), 3);
        });
    });
}

/// A tiny HTTP-ish server on 127.0.0.1: reads one request line, waits for
/// `reply` to open, answers with a page, or closes without an answer for
/// URLs containing "bad".
async fn serve(listener: TcpListener, reply: Arc<Event>, connections: InFlight) {
    loop {
        let (mut stream, _) = listener.accept().await.unwrap();
        let (reply, connections) = (reply.clone(), connections.clone());
        spawn(async move {
            let open = connections.enter();
            let mut line = Vec::new();
            let mut byte = [0u8; 1];
            while stream.read(&mut byte).await.unwrap_or(0) == 1 && byte[0] != b'\n' {
                line.push(byte[0]);
            }
            reply.wait().await;
            // Left before the client can see the answer (and free its permit
            // for the next connection).
            drop(open);
            let url = String::from_utf8(line).unwrap();
            if !url.contains("bad") {
                let body = format!("<html>{url}</html>");
                let _ = stream.write_all(body.as_bytes()).await;
            }
            let _ = stream.close().await;
        });
    }
}

/// Seed 000's crawler: `fetch_url` under `async with semaphore`, each task
/// named `Fetch {url}`, `gather(*tasks, return_exceptions=True)`, then the
/// count of successes. Pages come from a local server that holds its
/// replies until three fetches are in flight, so the high-water mark is
/// exactly `max_concurrent`.
#[test]
fn semaphore_limited_crawler_over_local_tcp() {
    watchdog(LIMIT, || {
        rt(2, "crawler").block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let reply = Arc::new(Event::new());
            let connections = InFlight::default();
            let server = spawn(serve(listener, reply.clone(), connections.clone()));

            let urls: Vec<String> = [
                "python.org",
                "github.com",
                "bad.example",
                "stackoverflow.com",
                "wikipedia.org",
                "reddit.com",
                "bbc.com",
                "bad.invalid",
                "nytimes.com",
                "theguardian.com",
            ]
            .iter()
            .map(|h| format!("https://www.{h}"))
            .collect();
            let max_concurrent = 3;
            let semaphore = Arc::new(Semaphore::new(max_concurrent));
            let fetching = InFlight::default();
            async fn fetch_url(
                addr: std::net::SocketAddr,
                url: String,
                semaphore: Arc<Semaphore>,
                fetching: InFlight,
            ) -> Result<String, String> {
                let _permit = semaphore.acquire().await.unwrap();
                let _inside = fetching.enter();
                let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
                stream
                    .write_all(format!("{url}\n").as_bytes())
                    .await
                    .map_err(|e| e.to_string())?;
                let mut content = String::new();
                stream
                    .read_to_string(&mut content)
                    .await
                    .map_err(|e| e.to_string())?;
                if content.is_empty() {
                    return Err(format!("Error fetching {url}: empty reply"));
                }
                Ok(content)
            }
            let tasks: Vec<_> = urls
                .iter()
                .map(|url| {
                    task::Builder::new()
                        .name(format!("Fetch {url}"))
                        .spawn(fetch_url(
                            addr,
                            url.clone(),
                            semaphore.clone(),
                            fetching.clone(),
                        ))
                })
                .collect();
            assert_eq!(
                tasks[0].name().as_deref(),
                Some("Fetch https://www.python.org")
            );
            // Three fetches reach the server; the rest wait for a permit.
            until(|| connections.now() == 3).await;
            sleep(Duration::from_millis(5)).await;
            assert_eq!(fetching.now(), 3);
            assert_eq!(connections.now(), 3);
            reply.set();
            let results = gather(tasks).await; // return_exceptions=True
            let results: Vec<Result<String, String>> =
                results.into_iter().map(Result::unwrap).collect();
            let successful = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(successful, 8, "Crawled 8 URLs successfully out of 10");
            for (url, result) in urls.iter().zip(&results) {
                match result {
                    Ok(page) => assert_eq!(page, &format!("<html>{url}</html>")),
                    Err(e) => assert!(url.contains("bad") && e.contains("empty reply"), "{e}"),
                }
            }
            assert_eq!(
                fetching.high(),
                max_concurrent,
                "never more than 3 in flight"
            );
            assert_eq!(connections.high(), max_concurrent);
            server.cancel();
            let _ = server.await;
        });
    });
}

/// The other queue orders asyncio has: `LifoQueue` and `PriorityQueue`
/// (smallest first; put `(priority, item)` tuples).
#[test]
fn lifo_and_priority_queues() {
    watchdog(LIMIT, || {
        rt(2, "q-orders").block_on(async {
            let stack = LifoQueue::new(0);
            for i in 1..=3 {
                stack.put(i).await.unwrap();
            }
            let mut popped = Vec::new();
            while let Ok(i) = stack.try_get() {
                popped.push(i);
            }
            assert_eq!(popped, [3, 2, 1]);

            let jobs = PriorityQueue::new(0);
            for job in [(2, "later"), (1, "first"), (3, "last")] {
                jobs.put(job).await.unwrap();
            }
            assert_eq!(jobs.get().await.unwrap(), (1, "first"));
            assert_eq!(jobs.get().await.unwrap(), (2, "later"));
            assert_eq!(jobs.get().await.unwrap(), (3, "last"));
        });
    });
}

/// `Queue.close()` (not in asyncio before 3.13's `shutdown`): ends the
/// consumers without a sentinel per consumer; they drain what is left first.
#[test]
fn closing_the_queue_ends_the_consumers_after_draining() {
    watchdog(LIMIT, || {
        rt(2, "q-close").block_on(async {
            let queue = Queue::new(3);
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let queue = queue.clone();
                    spawn(async move {
                        let mut got = Vec::new();
                        while let Ok(item) = queue.get().await {
                            got.push(item);
                            queue.task_done().unwrap();
                        }
                        got
                    })
                })
                .collect();
            for i in 0..20 {
                queue.put(i).await.unwrap();
            }
            queue.close();
            assert!(queue.put(99).await.is_err(), "puts fail once closed");
            let mut all: Vec<i32> = Vec::new();
            for c in consumers {
                all.extend(c.await.unwrap());
            }
            all.sort();
            assert_eq!(all, (0..20).collect::<Vec<_>>());
            queue.join().await;
        });
    });
}
