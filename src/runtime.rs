//! The facade's `Builder` and `Runtime`: runtime-core's scheduler with the
//! runtime-io reactor plugged in (I/O is on by default).

use runtime_core::scheduler as core;
use runtime_core::task::Task;
use std::future::Future;
use std::io;
use std::time::Duration;

/// Builds a [`Runtime`] (asyncio's event loop, Tokio's `runtime::Builder`).
///
/// ```
/// let rt = runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("server")
///     .max_blocking_threads(16)
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 40 + 2 }), 42);
/// ```
#[derive(Debug, Clone)]
#[must_use = "a Builder does nothing until you call build"]
pub struct Builder {
    inner: core::Builder,
    io: bool,
}

impl Builder {
    /// A multi-thread, work-stealing runtime (the default).
    pub fn new_multi_thread() -> Builder {
        Builder {
            inner: core::Builder::new_multi_thread(),
            io: true,
        }
    }

    /// Same as [`new_multi_thread`](Self::new_multi_thread).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Builder {
        Builder::new_multi_thread()
    }

    /// A runtime that runs every task on the thread calling `block_on`.
    pub fn new_current_thread() -> Builder {
        Builder {
            inner: core::Builder::new_current_thread(),
            io: true,
        }
    }

    /// Number of worker threads (default: available cores; at least 1).
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.inner.worker_threads(n);
        self
    }

    /// Prefix of the runtime's thread names (default `"runtime"`).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.inner.thread_name(name);
        self
    }

    /// Most threads the blocking pool may start (default 512; at least 1).
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.inner.max_blocking_threads(n);
        self
    }

    /// How long an idle blocking thread lingers (default 10 s).
    pub fn thread_keep_alive(&mut self, d: Duration) -> &mut Builder {
        self.inner.thread_keep_alive(d);
        self
    }

    /// Stack size of the runtime's threads, in bytes.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.inner.thread_stack_size(bytes);
        self
    }

    /// Tasks a worker runs between looks at the shared injector (default 61).
    pub fn event_interval(&mut self, n: u32) -> &mut Builder {
        self.inner.event_interval(n);
        self
    }

    /// Turns off the LIFO slot (a task woken by the running task runs next).
    pub fn disable_lifo_slot(&mut self) -> &mut Builder {
        self.inner.disable_lifo_slot();
        self
    }

    /// Reports polls that keep a worker busy longer than `threshold`
    /// (default 100 ms; `None` turns it off), naming the task and where it
    /// was spawned, while it still blocks and again when it ends.
    pub fn slow_poll_threshold(&mut self, threshold: Option<Duration>) -> &mut Builder {
        self.inner.slow_poll_threshold(threshold);
        self
    }

    /// What to do when a task panics and nobody will ever see its result
    /// (default [`Policy::Log`](crate::Policy::Log)).
    pub fn unhandled_failure(&mut self, policy: crate::Policy) -> &mut Builder {
        self.inner.unhandled_failure(policy);
        self
    }

    /// Starts the I/O reactor with the runtime (the default): workers park in
    /// its poll, busy workers poll it between tasks, and a reactor thread
    /// drives it only when no worker does. Whichever thread drives the poll
    /// also fires the due timers before each poll.
    pub fn enable_io(&mut self) -> &mut Builder {
        self.io = true;
        self
    }

    /// Runs without an I/O reactor: sockets then fail with an error saying
    /// so, and a plain timer thread drives the timers.
    pub fn disable_io(&mut self) -> &mut Builder {
        self.io = false;
        self
    }

    /// Enables every driver (I/O and time); for Tokio familiarity.
    pub fn enable_all(&mut self) -> &mut Builder {
        self.enable_io()
    }

    /// Starts the runtime. Out-of-range settings give an `InvalidInput`
    /// error naming the field.
    pub fn build(&mut self) -> io::Result<Runtime> {
        let io = self.io.then(runtime_io::reactor::io_driver_factory);
        let inner = self.inner.io_driver(io).build()?;
        Ok(Runtime { inner })
    }
}

/// A running runtime: worker threads (or the current thread), the I/O
/// reactor, timers, and a blocking pool.
///
/// Dropping it shuts it down: every live task is cancelled (its future
/// dropped exactly once, on a runtime thread), then the threads are joined.
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// let task = rt.spawn(async { "hello" });
/// assert_eq!(rt.block_on(task).unwrap(), "hello");
/// ```
#[derive(Debug)]
pub struct Runtime {
    inner: core::Runtime,
}

impl Runtime {
    /// A multi-thread runtime with default settings and I/O enabled.
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    /// Runs `future` to completion, driving the runtime meanwhile.
    ///
    /// # Panics
    /// When called from a thread already driving a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.inner.block_on(future)
    }

    /// This runtime's handle.
    pub fn handle(&self) -> &core::Handle {
        self.inner.handle()
    }

    /// Spawns a task on this runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f)
    }

    /// Makes this runtime current on this thread until the guard drops.
    pub fn enter(&self) -> core::EnterGuard {
        self.inner.enter()
    }

    /// Shuts down, waiting at most `timeout` for blocking work.
    pub fn shutdown_timeout(self, timeout: Duration) {
        self.inner.shutdown_timeout(timeout);
    }

    /// Shuts down without waiting for blocking work.
    pub fn shutdown_background(self) {
        self.inner.shutdown_background();
    }
}

/// Starts a multi-thread runtime (with I/O), runs `future` on it, and shuts
/// it down (asyncio's `asyncio.run`).
///
/// ```
/// assert_eq!(runtime::run(async { 6 * 7 }), 42);
/// ```
///
/// # Panics
/// If the runtime cannot start, or when called inside a runtime.
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let rt =
        Runtime::new().unwrap_or_else(|e| panic!("runtime::run: cannot start the runtime: {e}"));
    rt.block_on(future)
}
