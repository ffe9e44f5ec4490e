//! Every Rust snippet of `docs/asyncio.md`, compiled and run. The snippets
//! below are the doc's code blocks verbatim (the last test checks that each
//! ```` ```rust ```` block of the doc appears here, line for line), so the
//! doc cannot drift from the API.
mod common;
use common::{rt, watchdog, LIMIT};

// ---- asyncio.run / the event loop ----------------------------------------

fn asyncio_run() {
    let total = runtime::run(async {
        let a = runtime::spawn(async { 20 });
        let b = runtime::spawn(async { 22 });
        a.await.unwrap() + b.await.unwrap()
    });
    assert_eq!(total, 42);
}

mod app {
    #[runtime::main]
    async fn main() {
        let greeting = runtime::spawn(async { "Hello" }).await.unwrap();
        assert_eq!(greeting, "Hello");
    }

    #[test]
    fn runtime_main() {
        super::watchdog(super::LIMIT, main);
    }
}

fn event_loop_by_hand() -> std::io::Result<()> {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("app")
        .build()?;
    let out = rt.block_on(async { runtime::spawn(async { 1 }).await.unwrap() });
    assert_eq!(out, 1);
    Ok(())
}

async fn running_loop() {
    let handle = runtime::Handle::current(); // asyncio.get_running_loop()
    let task = handle.spawn(async { "from loop.create_task" });
    assert_eq!(task.await.unwrap(), "from loop.create_task");
    // A plain thread has no running loop; it spawns through a Handle.
    let from_thread = std::thread::spawn(move || {
        assert!(runtime::Handle::try_current().is_err()); // NoRuntime
        handle.spawn(async { 7 })
    })
    .join()
    .unwrap();
    assert_eq!(from_thread.await.unwrap(), 7);
}

// ---- tasks ------------------------------------------------------------------

async fn create_task_with_a_name() {
    use runtime::task;
    let t = task::Builder::new()
        .name("fetch-a") // create_task(coro, name="fetch-a")
        .spawn(async { task::name() }); // asyncio.current_task().get_name()
    assert_eq!(t.name().as_deref(), Some("fetch-a")); // t.get_name()
    t.set_name("fetch-a-retry"); // t.set_name(...)
    let seen_inside = t.await.unwrap();
    assert!(seen_inside.is_some());
    let unnamed = runtime::spawn(async { 1 }); // asyncio.create_task(coro)
    assert_eq!(unnamed.name(), None);
}

async fn done_cancelled_cancel() {
    let mut task = runtime::spawn(std::future::pending::<()>());
    assert!(!task.is_finished()); // task.done()
    assert!(task.cancel()); // task.cancel(): true, it was not done yet
    let err = (&mut task).await.unwrap_err(); // await task raises CancelledError
    assert!(err.is_cancelled());
    assert!(task.is_finished() && task.is_cancelled()); // done(), cancelled()
}

async fn results_and_exceptions() {
    let ok = runtime::spawn(async { Ok::<_, String>(1) });
    let failing = runtime::spawn(async { Err::<u32, _>("ValueError".to_string()) });
    let panicking = runtime::spawn(async { panic!("boom") as u32 });
    assert_eq!(ok.await.unwrap(), Ok(1));
    assert_eq!(failing.await.unwrap(), Err("ValueError".to_string()));
    let err = panicking.await.unwrap_err(); // JoinError: the task panicked
    assert!(err.is_panic());
    assert_eq!(err.panic_message().as_deref(), Some("boom"));
}

struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        // `except CancelledError:` / `finally:` cleanup goes here. It runs
        // when the task is cancelled (or ends). It cannot .await: for async
        // cleanup, start a task: runtime::spawn(async move { ... }).
        println!("cleaning up {}", self.0);
    }
}

async fn graceful_worker() {
    let _cleanup = Cleanup("worker");
    loop {
        runtime::time::sleep(runtime::time::Duration::from_millis(10)).await;
        println!("Working...");
    }
}

async fn cancel_the_worker() {
    let worker = runtime::spawn(graceful_worker());
    runtime::time::sleep(runtime::time::Duration::from_millis(25)).await;
    worker.cancel(); // dropped at its next .await: Cleanup::drop runs there
    assert!(worker.await.unwrap_err().is_cancelled());
}

async fn shared_state_needs_arc() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let hits = Arc::new(AtomicU64::new(0)); // not a plain `let mut hits = 0`
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let hits = hits.clone(); // 'static: each task owns its handle
            runtime::spawn(async move {
                hits.fetch_add(1, Ordering::Relaxed); // tasks run in parallel
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(hits.load(Ordering::Relaxed), 8);
}

// ---- TaskGroup --------------------------------------------------------------

async fn task_group_results() {
    let tg = runtime::TaskGroup::<String>::new(); // async with TaskGroup() as tg:
    let tasks: Vec<_> = (0..5)
        .map(|i| tg.spawn(async move { Ok::<_, String>(i * 2) })) // tg.create_task
        .collect();
    tg.join().await.unwrap(); // the end of the `async with` block
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap().unwrap()); // t.result()
    }
    assert_eq!(results, [0, 2, 4, 6, 8]);
}

#[derive(Debug)]
enum AppError {
    Value(String),
    Os(std::io::Error),
}

async fn task_group() -> Result<(), runtime::GroupError<AppError>> {
    let tg = runtime::TaskGroup::<AppError>::new();
    tg.spawn_named("might_fail", async {
        Err::<(), _>(AppError::Value("bad input".into()))
    });
    tg.spawn_named("might_also_fail", async {
        Err::<(), _>(AppError::Os(std::io::Error::other("disk full")))
    });
    tg.spawn_named("slow", async {
        runtime::time::sleep(runtime::time::Duration::from_secs(60)).await; // cancelled
        Ok(())
    });
    tg.join().await // waits for every task; Err holds every failure
}

async fn except_star() {
    let Err(group) = task_group().await else {
        unreachable!("a task failed")
    };
    let mut handled = 0;
    for failure in &group {
        match failure.error() {
            Some(AppError::Value(msg)) => println!("ValueError occurred: {msg}"), // except* ValueError
            Some(AppError::Os(err)) => println!("OSError occurred: {err}"),       // except* OSError
            None => println!("{:?} panicked: {:?}", failure.name(), failure.kind()),
        }
        handled += 1;
    }
    assert!(handled >= 1);
}

async fn member_error_goes_to_the_group() {
    let tg = runtime::TaskGroup::<String>::new();
    let member = tg.spawn(async { Err::<u32, _>("bad".to_string()) });
    let group_error = tg.join().await.unwrap_err();
    assert_eq!(group_error.errors().next().map(String::as_str), Some("bad"));
    let join_error = member.await.unwrap_err(); // not Ok(Err("bad")): the group has it
    assert!(join_error.is_failed());
}

fn simultaneous_failures() {
    use runtime::time::{sleep_until, Duration, Instant};
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let (errors, finished) = rt.block_on(async {
        let deadline = Instant::now() + Duration::from_millis(100);
        let tg = runtime::TaskGroup::<String>::new();
        let members: Vec<_> = (0..5u64)
            .map(|i| {
                tg.spawn(async move {
                    sleep_until(deadline).await; // await asyncio.sleep(0.1): due together
                    if i == 1 || i == 3 {
                        return Err(format!("member {i} failed")); // raise ValueError(...)
                    }
                    Ok(i * 10)
                })
            })
            .collect();
        let group = tg.join().await.unwrap_err();
        let mut errors: Vec<String> = group.errors().cloned().collect();
        errors.sort();
        let mut finished = Vec::new();
        for member in members {
            if let Ok(value) = member.await {
                finished.push(value.unwrap()); // t.result() of the members that ran
            }
        }
        (errors, finished)
    });
    assert_eq!(errors, ["member 1 failed", "member 3 failed"]); // both, as in the ExceptionGroup
    assert_eq!(finished, [0, 20, 40]);
}

// ---- gather, wait, as_completed ------------------------------------------------

async fn gather_forms() {
    use runtime::time::{sleep, Duration};
    async fn fetch(id: u64, fail: bool) -> Result<String, String> {
        sleep(Duration::from_millis(3 - id)).await; // later ones finish first
        if fail {
            Err(format!("{id} failed"))
        } else {
            Ok(format!("data {id}"))
        }
    }
    // gather(*aws): results in input order, whatever the completion order
    let all = runtime::gather((0..3).map(|id| fetch(id, false))).await;
    assert_eq!(
        all,
        [
            Ok("data 0".into()),
            Ok("data 1".into()),
            Ok("data 2".into())
        ]
    );
    // gather(..., return_exceptions=True): errors come back in place
    let mixed = runtime::gather([fetch(0, false), fetch(1, true), fetch(2, false)]).await;
    assert_eq!(mixed[1], Err("1 failed".to_string()));
    // gather(...) raising the first exception; unlike asyncio, the rest are cancelled
    let first = runtime::try_gather([fetch(0, false), fetch(1, true)]).await;
    assert_eq!(first, Err("1 failed".to_string()));
    // panics and cancellations come back in place too, as JoinError
    let settled = runtime::gather_settled([fetch(0, false)]).await;
    assert!(settled[0].is_ok());
    // gather(a, b) of different types
    let (n, s) = runtime::gather!(async { 1 }, async { "two" }).await;
    assert_eq!((n, s), (1, "two"));
}

#[derive(Debug)]
struct Report(u32);

impl runtime::Failable for Report {} // never a failure: now wait() accepts it

async fn wait_forms() {
    use runtime::{wait, wait_timeout, ReturnWhen};
    use std::future::pending;
    // FIRST_COMPLETED: one done, the rest pending and still running
    let fast = runtime::spawn(async { Ok::<u32, String>(1) });
    let slow = runtime::spawn(pending::<Result<u32, String>>());
    let (done, pending_tasks) = wait([fast, slow], ReturnWhen::FirstCompleted).await;
    assert_eq!((done.len(), pending_tasks.len()), (1, 1));
    for task in &pending_tasks {
        task.cancel(); // wait() cancels nothing itself
    }
    // FIRST_EXCEPTION: an Err (or a panic) ends the wait
    let failing = runtime::spawn(async { Err::<u32, String>("boom".into()) });
    let slow = runtime::spawn(pending::<Result<u32, String>>());
    let (done, pending_tasks) = wait([failing, slow], ReturnWhen::FirstException).await;
    assert_eq!((done.len(), pending_tasks.len()), (1, 1));
    pending_tasks[0].cancel();
    // ALL_COMPLETED, over a type of your own
    let reports: Vec<_> = (0..3)
        .map(|i| runtime::spawn(async move { Report(i) }))
        .collect();
    let (done, pending_tasks) = wait(reports, ReturnWhen::AllCompleted).await;
    assert_eq!((done.len(), pending_tasks.len()), (3, 0));
    let first = done.into_iter().next().unwrap().await.unwrap();
    assert_eq!(first.0, 0); // done and pending keep the input order
                            // wait(..., timeout=0.01)
    let stuck = runtime::spawn(pending::<u32>());
    let ten_ms = runtime::time::Duration::from_millis(10);
    let (done, pending_tasks) = wait_timeout([stuck], ReturnWhen::AllCompleted, ten_ms).await;
    assert_eq!((done.len(), pending_tasks.len()), (0, 1));
    pending_tasks[0].cancel();
}

async fn as_completed_loop() {
    let tasks = (1..=3u64).map(|i| {
        runtime::spawn(async move {
            let ms = 10 * (4 - i);
            runtime::time::sleep(runtime::time::Duration::from_millis(ms)).await;
            i
        })
    });
    let mut results = runtime::as_completed(tasks); // also a futures Stream
    let mut order = Vec::new();
    while let Some(result) = results.next().await {
        order.push(result.unwrap()); // in completion order: usually 3, 2, 1
    }
    assert_eq!(order.len(), 3);
}

// ---- timeouts and shield -----------------------------------------------------

async fn wait_for_and_timeout() {
    use runtime::time::{sleep, timeout, Duration};
    // asyncio.wait_for(slow(), timeout=0.01): the slow future is dropped
    let slow = timeout(Duration::from_millis(10), sleep(Duration::from_secs(5)));
    assert!(slow.await.is_err()); // Err(Elapsed): "deadline has elapsed"
                                  // async with asyncio.timeout(1): one deadline for a whole block
    let block = timeout(Duration::from_secs(1), async {
        sleep(Duration::from_millis(1)).await;
        sleep(Duration::from_millis(1)).await;
        "both steps"
    });
    assert_eq!(block.await, Ok("both steps"));
    // on a task handle, only the waiting stops: the task keeps running
    let mut task = runtime::spawn(sleep(Duration::from_secs(5)));
    assert!(timeout(Duration::from_millis(10), &mut task).await.is_err());
    assert!(!task.is_finished());
    task.cancel(); // cancel it yourself (asyncio's wait_for would have)
}

fn timers_need_a_runtime() {
    use runtime::time::{sleep, Duration};
    let outside = std::panic::catch_unwind(|| sleep(Duration::from_millis(1)));
    assert!(outside.is_err()); // panics: "... called outside of a runtime ..."
    runtime::run(async {
        sleep(Duration::from_millis(1)).await; // created inside: fine
    });
}

async fn shield_a_save() {
    use runtime::time::{sleep, timeout, Duration};
    let mut save = runtime::shield(async {
        sleep(Duration::from_millis(20)).await; // await db.commit(data)
        "saved"
    });
    // The caller gives up (a timeout, or its task is cancelled)...
    assert!(timeout(Duration::from_millis(1), &mut save).await.is_err());
    // ...the save goes on, and the handle still has its result.
    assert_eq!(save.await.unwrap(), "saved");
}

// ---- futures and callbacks ---------------------------------------------------

async fn promise_as_future() {
    use runtime::sync::Promise;
    let future = Promise::new(); // loop.create_future()
    let waiter = runtime::spawn({
        let future = future.clone();
        async move { future.wait().await } // await future (any number of awaiters)
    });
    future.add_done_callback(|outcome| println!("done: {outcome:?}"));
    future.set_result("Hello from the future!").unwrap();
    assert!(future.set_result("again").is_err()); // set once: InvalidStateError
    assert_eq!(waiter.await.unwrap(), Ok("Hello from the future!"));
    // set_exception: make it a Promise<Result<T, E>>
    let failed = Promise::<Result<u32, String>>::new();
    failed.set_result(Err("ValueError".into())).unwrap();
    assert_eq!(failed.wait().await, Ok(Err("ValueError".into())));
    // cancel(): awaiters get PromiseCancelled
    let cancelled = Promise::<u32>::new();
    assert!(cancelled.cancel());
    assert!(cancelled.wait().await.is_err());
}

async fn done_callback() {
    use runtime::task::TaskOutcome;
    let task = runtime::spawn(async { panic!("Something went wrong!") as u32 });
    task.add_done_callback(|outcome| match outcome {
        TaskOutcome::Completed => println!("Task completed successfully"),
        TaskOutcome::Panicked => println!("Task completed with error"),
        TaskOutcome::Cancelled | TaskOutcome::Failed => println!("Task ended: {outcome:?}"),
    });
    let err = task.await.unwrap_err(); // the value or the panic: from awaiting
    assert_eq!(
        err.panic_message().as_deref(),
        Some("Something went wrong!")
    );
}

// ---- queues and locks -----------------------------------------------------------

async fn producer_consumer() {
    use runtime::sync::Queue;
    let queue = Queue::new(3); // asyncio.Queue(maxsize=3)
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let queue = queue.clone();
            runtime::spawn(async move {
                while let Ok(item) = queue.get().await {
                    println!("processed {item}");
                    queue.task_done().unwrap();
                }
            })
        })
        .collect();
    for i in 0..5 {
        queue.put(format!("item-{i}")).await.unwrap(); // waits while 3 are queued
    }
    queue.join().await; // every item has been marked task_done()
    for consumer in consumers {
        consumer.cancel(); // or queue.close(): get() fails once drained
    }
}

async fn limited_concurrency() {
    use runtime::sync::Semaphore;
    use std::sync::Arc;
    let semaphore = Arc::new(Semaphore::new(3)); // asyncio.Semaphore(3)
    let jobs = (0..10).map(|i| {
        let semaphore = semaphore.clone();
        async move {
            let _permit = semaphore.acquire().await.unwrap(); // async with semaphore:
            runtime::time::sleep(runtime::time::Duration::from_millis(1)).await;
            format!("Result for item-{i}")
        } // the permit is released here
    });
    let results = runtime::gather(jobs).await;
    assert_eq!(results.len(), 10);
    let bounded = runtime::sync::BoundedSemaphore::new(1);
    assert!(bounded.release().is_err()); // ValueError: released too many times
}

async fn lock_event_condition() {
    use runtime::sync::{Condition, Event, Mutex};
    use std::sync::Arc;
    // Lock: the Mutex holds the data it protects; the guard is `async with lock:`
    let counter = Arc::new(Mutex::new(0));
    *counter.lock().await += 1;
    // Event
    let ready = Arc::new(Event::new());
    let waiter = runtime::spawn({
        let ready = ready.clone();
        async move { ready.wait().await }
    });
    ready.set();
    waiter.await.unwrap();
    // Condition, used with a Mutex
    let jobs = Arc::new((Mutex::new(Vec::<u32>::new()), Condition::new()));
    let consumer = runtime::spawn({
        let jobs = jobs.clone();
        async move {
            let (lock, cond) = &*jobs;
            let queue = lock.lock().await; // async with cond:
            let mut queue = cond.wait_for(queue, |q| !q.is_empty()).await;
            queue.pop().unwrap()
        }
    });
    jobs.0.lock().await.push(7);
    jobs.1.notify(1);
    assert_eq!(consumer.await.unwrap(), 7);
}

// ---- introspection, threads, yielding, debug mode ------------------------------

async fn list_tasks() {
    let t = runtime::task::Builder::new()
        .name("worker-1")
        .spawn(std::future::pending::<()>());
    for info in runtime::all_tasks() {
        println!("{info}"); // id, name, state, polls, where it was spawned
    }
    let names: Vec<_> = runtime::all_tasks()
        .into_iter()
        .filter_map(|i| i.name)
        .collect();
    assert!(names.contains(&"worker-1".to_string()));
    println!("current task: {:?}", runtime::task::try_id()); // current_task()
    t.cancel();
}

async fn to_thread() {
    let result = runtime::spawn_blocking(|| {
        std::thread::sleep(std::time::Duration::from_millis(5)); // blocking I/O or CPU work
        "done off the workers"
    });
    assert_eq!(result.await.unwrap(), "done off the workers");
}

async fn in_place() {
    let data = vec![3, 1, 2];
    // Borrows `data`: no 'static closure needed, unlike spawn_blocking.
    let sorted = runtime::task::block_in_place(|| {
        let mut copy = data.clone();
        copy.sort(); // stands for a blocking library call
        copy
    });
    assert_eq!(sorted, [1, 2, 3]);
}

async fn cooperative_yield() {
    for _ in 0..3 {
        runtime::yield_now().await; // await asyncio.sleep(0)
    }
    runtime::time::sleep(runtime::time::Duration::from_millis(1)).await; // asyncio.sleep(0.001)
}

fn debug_mode() -> std::io::Result<()> {
    let rt = runtime::Builder::new_multi_thread()
        .slow_poll_threshold(Some(std::time::Duration::from_millis(100))) // the default
        .unhandled_failure(runtime::Policy::Log) // the default
        .build()?;
    rt.block_on(async {
        let handle = runtime::Handle::current();
        assert!(handle.metrics().workers >= 1);
        println!("{}", handle.dump()); // every live task, as a tree
    });
    Ok(())
}

// ---- subprocesses and files ------------------------------------------------

async fn subprocesses() -> std::io::Result<()> {
    use runtime::io::AsyncWriteExt;
    use runtime::process::{Command, Stdio};
    // proc = await asyncio.create_subprocess_exec("cat", stdin=PIPE, stdout=PIPE)
    let mut proc = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    // out, _ = await proc.communicate(b"ping")
    let mut stdin = proc.stdin.take().unwrap();
    stdin.write_all(b"ping").await?;
    drop(stdin); // end of input
    let out = proc.wait_with_output().await?;
    assert_eq!(out.stdout, b"ping");
    assert!(out.status.success()); // proc.returncode == 0

    // proc = await asyncio.create_subprocess_shell("exit 3"); await proc.wait()
    let status = Command::new("sh").args(["-c", "exit 3"]).status().await?;
    assert_eq!(status.code(), Some(3));
    Ok(())
}

async fn files() -> std::io::Result<()> {
    use runtime::io::{AsyncReadExt, AsyncWriteExt};
    let dir = std::env::temp_dir().join(format!("runtime-asyncio-doc-{}", std::process::id()));
    runtime::fs::create_dir_all(&dir).await?;
    let path = dir.join("notes.txt");
    // await asyncio.to_thread(path.write_text, "hello")
    runtime::fs::write(&path, "hello").await?;
    // async with aiofiles.open(path, "a") as f: await f.write(" world")
    let mut f = runtime::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .await?;
    f.write_all(b" world").await?;
    f.flush().await?; // written in the background until flushed
    let mut text = String::new();
    runtime::fs::File::open(&path)
        .await?
        .read_to_string(&mut text)
        .await?;
    assert_eq!(text, "hello world");
    runtime::fs::remove_dir_all(&dir).await?;
    Ok(())
}

#[test]
fn subprocess_and_file_snippets() {
    watchdog(LIMIT, || {
        rt(2, "docs-io").block_on(async {
            subprocesses().await.unwrap();
            files().await.unwrap();
        });
    });
}

// ---- select!, JoinSet, CancellationToken --------------------------------------

async fn first_completed() {
    use runtime::time::{sleep, Duration};
    let (tx, mut rx) = runtime::sync::mpsc::channel::<&str>(1);
    runtime::spawn(async move { tx.send("message").await.unwrap() });
    // done, pending = await asyncio.wait({recv, timer}, return_when=FIRST_COMPLETED)
    let first = runtime::select! {
        Some(msg) = rx.recv() => msg,
        _ = sleep(Duration::from_secs(10)) => "timed out", // dropped if it loses
    };
    assert_eq!(first, "message");
}

async fn join_set_as_completed() {
    let mut set = runtime::JoinSet::new();
    for i in 0..3u64 {
        set.spawn(async move { i * 10 }); // tasks can be added at any time
    }
    let mut total = 0;
    while let Some(result) = set.join_next().await {
        total += result.unwrap(); // in completion order, like as_completed
    }
    assert_eq!(total, 30);
}

async fn group_with_token() {
    let shutdown = runtime::CancellationToken::new();
    let tg = runtime::TaskGroup::<String>::new().with_token(shutdown.child_token());
    tg.spawn(async {
        std::future::pending::<()>().await; // serves until cancelled
        Ok(())
    });
    shutdown.cancel(); // like cancelling the task around `async with TaskGroup()`
    assert!(tg.join().await.is_ok()); // cancellation is not a failure
}

// ---- contextvars -----------------------------------------------------------------

runtime::task_local! {
    static REQUEST_ID: u64; // request_id = contextvars.ContextVar("request_id")
}

async fn context_vars() {
    // token = request_id.set(7); ...; request_id.reset(token)
    REQUEST_ID
        .scope(7, async {
            assert_eq!(REQUEST_ID.get(), 7); // request_id.get()
                                             // create_task(child()) would copy the context; spawn does not:
            let bare = runtime::spawn(async { REQUEST_ID.try_get().ok() });
            assert_eq!(bare.await.unwrap(), None);
            // the explicit copy: capture the value, scope the child again
            let id = REQUEST_ID.get();
            let child = runtime::spawn(REQUEST_ID.scope(id, async {
                REQUEST_ID.scope(8, async { REQUEST_ID.get() }).await // the child's own set()
            }));
            assert_eq!(child.await.unwrap(), 8);
            assert_eq!(REQUEST_ID.get(), 7); // the parent's value is unchanged
        })
        .await;
    assert_eq!(REQUEST_ID.try_get().unwrap_or(0), 0); // request_id.get(0) outside
}

// ---- loop.time() and the test clock ----------------------------------------------

#[runtime::test(start_paused = true)]
async fn retries_back_off_without_waiting() {
    use runtime::time::{self, sleep, Duration};
    let start = time::now(); // loop.time(), on the paused clock
    for attempt in 0..5u32 {
        sleep(Duration::from_secs(60 << attempt)).await; // 1, 2, 4, 8, 16 minutes
    }
    assert_eq!(time::now() - start, Duration::from_secs(31 * 60)); // and no real wait
}

// ---- the tests --------------------------------------------------------------------

#[test]
fn plain_functions() {
    watchdog(LIMIT, || {
        asyncio_run();
        event_loop_by_hand().unwrap();
        timers_need_a_runtime();
        debug_mode().unwrap();
        simultaneous_failures();
    });
}

#[test]
fn async_snippets() {
    watchdog(LIMIT, || {
        rt(2, "docs").block_on(async {
            running_loop().await;
            create_task_with_a_name().await;
            done_cancelled_cancel().await;
            results_and_exceptions().await;
            cancel_the_worker().await;
            shared_state_needs_arc().await;
            task_group_results().await;
            except_star().await;
            member_error_goes_to_the_group().await;
            gather_forms().await;
            wait_forms().await;
            as_completed_loop().await;
            wait_for_and_timeout().await;
            shield_a_save().await;
            promise_as_future().await;
            done_callback().await;
            producer_consumer().await;
            limited_concurrency().await;
            lock_event_condition().await;
            list_tasks().await;
            to_thread().await;
            runtime::spawn(in_place()).await.unwrap();
            cooperative_yield().await;
            first_completed().await;
            join_set_as_completed().await;
            group_with_token().await;
            context_vars().await;
        });
    });
}

// ---- local tasks: the single-threaded loop ------------------------------

fn single_threaded_loop() {
    use runtime::task::{spawn_local, LocalSet};
    use std::{cell::RefCell, rc::Rc};
    // asyncio's loop is one thread, so its tasks share plain objects.
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let hits = rt.block_on(async {
        let hits = Rc::new(RefCell::new(0)); // not Send: runtime::spawn refuses it
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let hits = hits.clone();
                spawn_local(async move { *hits.borrow_mut() += 1 }) // create_task(coro)
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let n = *hits.borrow();
        n
    });
    assert_eq!(hits, 3);
    // On a multi-thread runtime a LocalSet is that one-thread loop.
    let rt = runtime::Runtime::new().unwrap();
    let local = LocalSet::new();
    let n = rt.block_on(local.run_until(async {
        let rc = Rc::new(41);
        spawn_local(async move { *rc + 1 }).await.unwrap()
    }));
    assert_eq!(n, 42);
}

#[test]
fn single_threaded_loop_runs() {
    watchdog(LIMIT, single_threaded_loop);
}

/// Lines of `text` with surrounding whitespace removed, blank lines dropped.
fn normalized(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Every ```` ```rust ```` block of docs/asyncio.md is in this file, line
/// for line (indentation aside), so every snippet of the doc is compiled
/// and run above.
#[test]
fn every_doc_snippet_is_mirrored_here() {
    let doc = include_str!("../docs/asyncio.md");
    let this = normalized(include_str!("asyncio_docs.rs"));
    let mut blocks = 0;
    let mut rest = doc;
    while let Some(start) = rest.find("```rust\n") {
        let body = &rest[start + "```rust\n".len()..];
        let end = body.find("```").expect("unterminated code block");
        let snippet = normalized(&body[..end]);
        assert!(!snippet.is_empty());
        assert!(
            this.windows(snippet.len()).any(|w| w == snippet.as_slice()),
            "docs/asyncio.md snippet not mirrored in tests/asyncio_docs.rs:\n{}",
            snippet.join("\n")
        );
        blocks += 1;
        rest = &body[end + 3..];
    }
    assert!(blocks >= 25, "found only {blocks} rust blocks");
}
