//! Building the three runtimes with the same number of worker threads.
//!
//! - `runtime`: `runtime::Builder::new_multi_thread().worker_threads(n)`;
//! - Tokio: the multi-thread runtime with `enable_all()` (what
//!   `#[tokio::main]` gives), `n` workers;
//! - smol: one `async_executor::Executor` run by `n` threads, each in
//!   `smol::block_on(ex.run(..))` (`async_io::block_on`: an idle worker
//!   drives the async-io reactor itself, as smol's docs set up a
//!   multi-threaded executor; the `async-io` thread drives it otherwise).
//!
//! [`in_runtime`], [`in_tokio`] and [`SmolPool::run`] run a future as a
//! task on the pool and block the calling (bench) thread until it is done,
//! returning its output: a workload's root task always runs on a worker,
//! never on the bench thread.

use async_executor::Executor;
use smol::channel::{bounded, Sender};
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Which runtime a measurement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// This project's runtime.
    Runtime,
    /// Tokio's multi-thread runtime.
    Tokio,
    /// smol: `async_executor::Executor` on a pool of threads.
    Smol,
}

impl Which {
    /// All three, in table order.
    pub const ALL: [Which; 3] = [Which::Runtime, Which::Tokio, Which::Smol];

    /// The name used in bench ids and tables.
    pub fn name(self) -> &'static str {
        match self {
            Which::Runtime => "runtime",
            Which::Tokio => "tokio",
            Which::Smol => "smol",
        }
    }
}

/// `n` threads running one shared `async_executor::Executor`. Dropping the
/// pool stops and joins the threads.
#[derive(Debug)]
pub struct SmolPool {
    executor: Arc<Executor<'static>>,
    stop: Option<Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl SmolPool {
    /// Starts `workers` threads driving a fresh executor.
    pub fn new(workers: usize) -> io::Result<SmolPool> {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = bounded::<()>(1);
        let threads = (0..workers)
            .map(|i| {
                let ex = executor.clone();
                let stopped = stopped.clone();
                std::thread::Builder::new()
                    .name(format!("smol-{i}"))
                    .spawn(move || {
                        // `recv` fails once the pool drops the sender.
                        smol::block_on(ex.run(async move {
                            let _ = stopped.recv().await;
                        }));
                    })
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(SmolPool {
            executor,
            stop: Some(stop),
            threads,
        })
    }

    /// The shared executor; clone the `Arc` to spawn from inside a task.
    pub fn executor(&self) -> &Arc<Executor<'static>> {
        &self.executor
    }

    /// Spawns `fut` on the pool and blocks until it finishes.
    pub fn run<F>(&self, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        smol::future::block_on(self.executor.spawn(fut))
    }
}

/// Spawns `fut` on `rt`'s workers and blocks until it finishes; panics if
/// the task failed (a workload's assertion fired).
pub fn in_runtime<F>(rt: &runtime::Runtime, fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(fut))
        .unwrap_or_else(|e| panic!("runtime: workload task failed: {e}"))
}

/// Spawns `fut` on Tokio's workers and blocks until it finishes; panics if
/// the task failed.
pub fn in_tokio<F>(rt: &tokio::runtime::Runtime, fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(fut))
        .unwrap_or_else(|e| panic!("tokio: workload task failed: {e}"))
}

impl Drop for SmolPool {
    fn drop(&mut self) {
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The three runtimes, each with the same worker count, built once and
/// reused for every repetition of a workload.
#[derive(Debug)]
pub struct Runtimes {
    /// This project's runtime.
    pub runtime: runtime::Runtime,
    /// Tokio multi-thread.
    pub tokio: tokio::runtime::Runtime,
    /// smol executor pool.
    pub smol: SmolPool,
    workers: usize,
}

impl Runtimes {
    /// Builds all three with `workers` worker threads each. `runtime`'s
    /// slow-poll watchdog is on (its default) unless `RUNTIME_SLOW_POLL=off`,
    /// which measures what the watchdog costs. `RUNTIME_EVENT_INTERVAL=n`
    /// sets `runtime`'s `Builder::event_interval` (default 61: a busy
    /// worker takes a reactor and timer turn every `n` polls), and
    /// `RUNTIME_LIFO=off` calls `Builder::disable_lifo_slot`, for
    /// experiments such as the tail-latency section of
    /// `docs/performance.md`.
    pub fn new(workers: usize) -> io::Result<Runtimes> {
        let mut builder = runtime::Builder::new_multi_thread();
        builder
            .worker_threads(workers)
            .thread_name("bench-runtime")
            .slow_poll_threshold(slow_poll_threshold());
        if let Some(n) = std::env::var("RUNTIME_EVENT_INTERVAL")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
        {
            builder.event_interval(n);
        }
        if std::env::var("RUNTIME_LIFO").as_deref() == Ok("off") {
            builder.disable_lifo_slot();
        }
        Ok(Runtimes {
            runtime: builder.build()?,
            tokio: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .thread_name("bench-tokio")
                .enable_all()
                .build()?,
            smol: SmolPool::new(workers)?,
            workers,
        })
    }

    /// Worker threads per runtime.
    pub fn workers(&self) -> usize {
        self.workers
    }
}

/// `runtime`'s slow-poll threshold: the default (100 ms), or none when the
/// environment says `RUNTIME_SLOW_POLL=off`. The `idle` binary builds its
/// runtimes with it too.
pub fn slow_poll_threshold() -> Option<std::time::Duration> {
    match std::env::var("RUNTIME_SLOW_POLL").as_deref() {
        Ok("off") => None,
        _ => Some(std::time::Duration::from_millis(100)),
    }
}
