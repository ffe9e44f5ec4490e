//! A guided tour of `runtime`: asyncio's task model on a multi-threaded,
//! work-stealing runtime, one printed section per idea.
//!
//! ```text
//! cargo run --release --example tour
//! ```
//!
//! 1. create_task and names     `spawn`, `task::Builder::name`, `Task::name` / `set_name`
//! 2. cancel                    `Task::cancel`; cleanup runs in a `Drop` guard
//! 3. gather                    `gather`, `gather!`: results in input order, run concurrently
//! 4. TaskGroup                 a failure cancels the siblings; `GroupError` lists every failure
//! 5. wait(FIRST_COMPLETED)     `wait(tasks, ReturnWhen::FirstCompleted)` -> (done, pending)
//! 6. timeout (wait_for)        `time::timeout` drops (cancels) the slow work
//! 7. shield                    the critical save finishes though its caller timed out
//! 8. Queue                     bounded producer/consumer with `task_done` / `join`
//! 9. Semaphore crawler         real TCP fetches against a local HTTP server, 3 at a time
//!
//! Everything runs on 127.0.0.1; the tour takes a few seconds. Each section
//! mirrors a program of the asyncio texts. The other files in `examples/`
//! translate those programs one by one, and each file's header names the
//! seed section it mirrors.

use runtime::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::{Promise, Queue, Semaphore};
use runtime::time::{sleep, timeout, Duration, Instant};
use runtime::{ReturnWhen, TaskGroup};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Seconds since `start`, two decimals.
fn secs(start: Instant) -> String {
    format!("{:.2} s", start.elapsed().as_secs_f64())
}

fn header(n: usize, title: &str) {
    println!("\n=== {n}. {title} ===");
}

/// Runs a closure when dropped: how cleanup runs when a task is cancelled
/// (asyncio's `except CancelledError:` / `finally:`).
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

// ------------------------------------------------------------------ 1 --

async fn create_task_and_names() {
    header(1, "create_task and names");
    let start = Instant::now();
    let fetch = |what: &'static str, delay: u64| async move {
        sleep(ms(delay)).await;
        // The current task's name, as its handle set it (current_task().get_name()).
        let me = runtime::task::name().unwrap_or_default();
        println!("  [{me}] fetched {what} after {}", secs(start));
        format!("{what}: ok")
    };
    // asyncio.create_task(coro, name="...")
    let users = runtime::task::Builder::new()
        .name("fetch-users")
        .spawn(fetch("users", 300));
    let orders = runtime::task::Builder::new()
        .name("fetch-orders")
        .spawn(fetch("orders", 200));
    println!(
        "  spawned {:?} and {:?}; both are already running",
        users.name().unwrap_or_default(),
        orders.name().unwrap_or_default()
    );
    orders.set_name("fetch-orders-v2");
    println!(
        "  renamed the second to {:?} (Task::set_name)",
        orders.name().unwrap_or_default()
    );
    let (a, b) = (users.await.unwrap(), orders.await.unwrap());
    println!("  results: {a:?}, {b:?}");
    println!(
        "  2 tasks of 0.30 s and 0.20 s took {}: they overlapped",
        secs(start)
    );
}

// ------------------------------------------------------------------ 2 --

async fn cancel() {
    header(2, "cancel");
    let start = Instant::now();
    let ticker = runtime::task::Builder::new()
        .name("ticker")
        .spawn(async move {
            let _cleanup = OnDrop(|| {
                println!(
                    "  [ticker] cleanup ran in its Drop guard at {}",
                    secs(start)
                );
            });
            for tick in 1.. {
                sleep(ms(100)).await;
                println!("  [ticker] tick {tick} at {}", secs(start));
            }
        });
    sleep(ms(350)).await;
    println!("  main: cancelling the ticker at {}", secs(start));
    ticker.cancel();
    match ticker.await {
        Err(e) if e.is_cancelled() => println!("  main: awaiting it gives: {e}"),
        other => println!("  main: unexpected: {other:?}"),
    }
}

// ------------------------------------------------------------------ 3 --

async fn gather() {
    header(3, "gather");
    let start = Instant::now();
    let fetch = |name: &'static str, delay: u64| async move {
        sleep(ms(delay)).await;
        println!("  {name} finished at {}", secs(start));
        format!("{name} data")
    };
    // Finishes in the order b, c, a; the results come back in input order.
    let results = runtime::gather([fetch("a", 400), fetch("b", 200), fetch("c", 300)]).await;
    println!("  results (input order): {results:?}");
    println!("  3 fetches of up to 0.40 s took {}", secs(start));

    // gather! takes futures of different types and gives a tuple.
    let start = Instant::now();
    let (count, name, ok) = runtime::gather!(
        async {
            sleep(ms(300)).await;
            42
        },
        async {
            sleep(ms(300)).await;
            "runtime"
        },
        async {
            sleep(ms(300)).await;
            true
        },
    )
    .await;
    println!(
        "  gather!: ({count}, {name:?}, {ok}); 3 sleeps of 0.30 s took {}",
        secs(start)
    );
}

// ------------------------------------------------------------------ 4 --

async fn task_group() {
    header(4, "TaskGroup with a failure");
    let start = Instant::now();
    let group = TaskGroup::<String>::new();
    let parsed = group.spawn_named("parse-a", async move {
        sleep(ms(100)).await;
        println!("  [parse-a] done at {}", secs(start));
        Ok(7)
    });
    group.spawn_named("parse-b", async move {
        sleep(ms(150)).await;
        println!("  [parse-b] fails at {}", secs(start));
        Err::<i32, _>("bad record on line 3".to_string())
    });
    for name in ["slow-c", "slow-d"] {
        group.spawn_named(name, async move {
            let _guard = OnDrop(|| {
                println!("  [{name}] cancelled by the group at {}", secs(start));
            });
            sleep(ms(2000)).await;
            Ok(0)
        });
    }
    match group.join().await {
        Ok(()) => println!("  unexpected: no failure"),
        Err(errors) => {
            println!(
                "  join() after {} (did not wait for the slow tasks):",
                secs(start)
            );
            for line in errors.to_string().lines() {
                println!("    {line}");
            }
        }
    }
    println!(
        "  parse-a's own handle still has its value: {:?}",
        parsed.await.unwrap()
    );
}

// ------------------------------------------------------------------ 5 --

async fn wait_first_completed() {
    header(5, "wait(FIRST_COMPLETED)");
    let start = Instant::now();
    let tasks: Vec<_> = [("mirror-eu", 300), ("mirror-us", 100), ("mirror-ap", 500)]
        .into_iter()
        .map(|(name, delay)| {
            runtime::task::Builder::new().name(name).spawn(async move {
                sleep(ms(delay)).await;
                format!("payload from {name}")
            })
        })
        .collect();
    let (done, pending) = runtime::wait(tasks, ReturnWhen::FirstCompleted).await;
    println!(
        "  after {}: {} done, {} pending",
        secs(start),
        done.len(),
        pending.len()
    );
    for task in done {
        let name = task.name().unwrap_or_default();
        println!("  done: {name} -> {:?}", task.await.unwrap());
    }
    for task in &pending {
        task.cancel();
    }
    for task in pending {
        let name = task.name().unwrap_or_default();
        let cancelled = task.await.is_err_and(|e| e.is_cancelled());
        println!("  pending: {name} -> cancelled: {cancelled}");
    }
}

// ------------------------------------------------------------------ 6 --

async fn timeouts() {
    header(6, "timeout (wait_for)");
    let start = Instant::now();
    let slow_work = async {
        let _guard = OnDrop(|| println!("  slow work dropped at its .await: cancelled"));
        sleep(ms(5000)).await;
        "slow result"
    };
    match timeout(ms(200), slow_work).await {
        Ok(v) => println!("  got {v:?}"),
        Err(e) => println!("  timed out after {}: {e}", secs(start)),
    }
    let quick = timeout(ms(200), async {
        sleep(ms(50)).await;
        "quick result"
    })
    .await;
    println!("  a 0.05 s job under the same limit: {quick:?}");
}

// ------------------------------------------------------------------ 7 --

async fn critical_save(start: Instant, saved: Promise<String>) {
    sleep(ms(300)).await;
    let _ = saved.set_result(format!("saved at {}", secs(start)));
}

async fn shield() {
    header(7, "shield");
    let start = Instant::now();

    // Without shield, a caller that times out cancels the save with it.
    let saved = Promise::new();
    if timeout(ms(100), critical_save(start, saved.clone()))
        .await
        .is_err()
    {
        println!("  no shield: the caller timed out after {}", secs(start));
    }
    sleep(ms(300)).await; // give the save every chance
    println!(
        "  no shield: 0.40 s later, saved: {} (the save was cancelled with its caller)",
        saved.is_done()
    );

    // With shield, the save runs as its own task and outlives its caller.
    let start = Instant::now();
    let saved = Promise::new();
    let request = {
        let saved = saved.clone();
        async move { runtime::shield(critical_save(start, saved)).await }
    };
    if timeout(ms(100), request).await.is_err() {
        println!("  shield: the caller timed out after {}", secs(start));
    }
    let when = saved.wait().await.expect("the save is never cancelled");
    println!("  shield: the critical save completed anyway, {when}");
}

// ------------------------------------------------------------------ 8 --

async fn queue() {
    header(8, "Queue: producer / consumers");
    let start = Instant::now();
    let queue: Queue<String> = Queue::new(3);

    let consumers: Vec<_> = ["consumer-1", "consumer-2"]
        .into_iter()
        .map(|name| {
            let queue = queue.clone();
            runtime::task::Builder::new().name(name).spawn(async move {
                while let Ok(job) = queue.get().await {
                    sleep(ms(100)).await; // process it
                    println!("  [{name}] processed {job} at {}", secs(start));
                    let _ = queue.task_done();
                }
            })
        })
        .collect();

    for i in 0..6 {
        // put() waits while 3 items are queued: backpressure.
        queue.put(format!("job-{i}")).await.unwrap();
    }
    println!(
        "  producer: all 6 jobs queued at {}: put() waited while {} were queued",
        secs(start),
        queue.maxsize()
    );
    queue.join().await;
    println!("  queue.join() returned at {}: every job done", secs(start));
    for c in &consumers {
        c.cancel();
    }
    for c in consumers {
        println!("  {}", c.await.unwrap_err());
    }
}

// ------------------------------------------------------------------ 9 --

/// A tiny HTTP/1.1 server: every request is answered after `delay`.
async fn serve(listener: TcpListener, delay: Duration) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        runtime::spawn(async move {
            let mut reader = BufReader::new(&stream);
            let mut request_line = String::new();
            let mut line = String::new();
            reader.read_line(&mut request_line).await?;
            while reader.read_line(&mut line).await? > 2 {
                line.clear(); // skip headers up to the blank line
            }
            let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
            sleep(delay).await;
            let body = format!("<h1>{path}</h1>\n");
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            (&stream).write_all(response.as_bytes()).await?;
            Ok::<_, io::Error>(())
        });
    }
}

/// GET `path` from `addr` over a new connection; returns the body length.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> io::Result<usize> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    match response.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.1 200") => Ok(body.len()),
        _ => Err(io::Error::other("bad response")),
    }
}

async fn crawler() -> io::Result<()> {
    header(9, "Semaphore-limited crawler over TCP");
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = runtime::spawn(serve(listener, ms(200)));
    println!("  local HTTP server on {addr}, 0.20 s per request");

    let start = Instant::now();
    let semaphore = Arc::new(Semaphore::new(3));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let high_water = Arc::new(AtomicUsize::new(0));
    let fetches: Vec<_> = (1..=9)
        .map(|i| {
            let (semaphore, in_flight, high_water) =
                (semaphore.clone(), in_flight.clone(), high_water.clone());
            let path = format!("/page-{i}");
            async move {
                let _permit = semaphore.acquire().await.expect("never closed");
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                high_water.fetch_max(now, Ordering::SeqCst);
                let result = http_get(addr, &path).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                if let Ok(n) = &result {
                    println!("  fetched {path} ({n} bytes) at {}", secs(start));
                }
                result
            }
        })
        .collect();
    let pages = runtime::try_gather(fetches).await?;
    server.cancel();

    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "  {} pages, {} bytes; at most {} fetches at once (Semaphore(3))",
        pages.len(),
        pages.iter().sum::<usize>(),
        high_water.load(Ordering::SeqCst)
    );
    println!(
        "  9 fetches of 0.20 s took {elapsed:.2} s: 3 at a time (1 at a time: 1.80 s, all at once: 0.20 s)"
    );
    Ok(())
}

#[runtime::main]
async fn main() -> io::Result<()> {
    let start = Instant::now();
    println!(
        "runtime tour: asyncio's task model on {} worker threads",
        runtime::Handle::current().num_workers()
    );
    create_task_and_names().await;
    cancel().await;
    gather().await;
    task_group().await;
    wait_first_completed().await;
    timeouts().await;
    shield().await;
    queue().await;
    crawler().await?;
    println!("\ntour finished: 9 sections in {}", secs(start));
    Ok(())
}
