//! `Builder`: configures and starts a runtime (asyncio's event loop policy,
//! Tokio's `runtime::Builder`).

use super::block_in_place::Handoffs;
use super::blocking::BlockingPool;
use super::driver::{Drivers, IoDriverFactory};
use super::failure::Policy;
use super::idle::{Idle, MAX_WORKERS};
use super::lifo::LifoSlot;
use super::park::Parker;
use super::queue::{Injector, Worker};
use super::shared::{Remote, Shared};
use super::watchdog::{CoarseClock, Watchdog};
use super::worker::Core;
use super::{Config, Flavor, Handle, Runtime};
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use crate::loom::sync::{Arc, Mutex};
use crate::task::registry::Registry;
use crossbeam_utils::CachePadded;
use std::io;
use std::time::Duration;

/// Builds a [`Runtime`].
///
/// ```
/// use runtime_core::scheduler::Builder;
///
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-server")
///     .max_blocking_threads(16)
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
#[derive(Clone)]
pub struct Builder {
    flavor: Flavor,
    worker_threads: Option<usize>,
    thread_name: String,
    max_blocking_threads: usize,
    keep_alive: Duration,
    stack_size: Option<usize>,
    event_interval: u32,
    lifo_slot: bool,
    io_driver: Option<IoDriverFactory>,
    slow_poll_threshold: Option<Duration>,
    unhandled_failure: Policy,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("thread_name", &self.thread_name)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("io", &self.io_driver.is_some())
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// A multi-thread, work-stealing runtime (the default).
    pub fn new_multi_thread() -> Builder {
        Builder {
            flavor: Flavor::MultiThread,
            worker_threads: None,
            thread_name: "runtime".to_owned(),
            max_blocking_threads: 512,
            keep_alive: Duration::from_secs(10),
            stack_size: None,
            event_interval: 61,
            lifo_slot: true,
            io_driver: None,
            slow_poll_threshold: Some(Duration::from_millis(100)),
            unhandled_failure: Policy::Log,
        }
    }

    /// Same as [`new_multi_thread`](Self::new_multi_thread).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Builder {
        Builder::new_multi_thread()
    }

    /// A runtime that runs every task on the thread calling `block_on`
    /// (asyncio's single event loop). Blocking work still goes to the
    /// blocking pool.
    pub fn new_current_thread() -> Builder {
        Builder {
            flavor: Flavor::CurrentThread,
            ..Builder::new_multi_thread()
        }
    }

    /// Number of worker threads (multi-thread only). Default: the number of
    /// available cores. Must be at least 1.
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.worker_threads = Some(n);
        self
    }

    /// Prefix of the runtime's thread names (default `"runtime"`); workers
    /// are named `<prefix>-worker-<i>`, blocking threads
    /// `<prefix>-blocking-<i>`.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.thread_name = name.into();
        self
    }

    /// Most threads the blocking pool may start (default 512). Must be at
    /// least 1.
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before exiting
    /// (default 10 s).
    pub fn thread_keep_alive(&mut self, d: Duration) -> &mut Builder {
        self.keep_alive = d;
        self
    }

    /// Stack size of the runtime's threads, in bytes.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// How many tasks a worker runs between two looks at the shared
    /// injector queue (default 61). Must be at least 1.
    pub fn event_interval(&mut self, n: u32) -> &mut Builder {
        self.event_interval = n;
        self
    }

    /// Turns off the LIFO slot optimisation (a task woken by the running task
    /// runs next on the same worker). With the slot on, a task left in it
    /// while its worker is stuck in a long poll is handed to the other
    /// workers by the watchdog thread within two of its ticks (under 50 ms
    /// by default), also when slow-poll reports are off.
    pub fn disable_lifo_slot(&mut self) -> &mut Builder {
        self.lifo_slot = false;
        self
    }

    /// Reports any poll that keeps a worker busy longer than `threshold`
    /// (default 100 ms; `None` turns it off): while it still blocks, with
    /// the task's name, id and spawn location, and again with its duration
    /// when it ends. Cheap enough to leave on: workers do no clock reads for
    /// it; a watchdog thread samples them, and sleeps while every worker is
    /// parked (an idle runtime does not wake up for it).
    ///
    /// The same thread rescues the task in the LIFO slot of a worker stuck
    /// in a poll (see [`disable_lifo_slot`](Self::disable_lifo_slot)); it
    /// samples every quarter of the threshold, at most every 25 ms, while
    /// it does. With `None` it keeps running for that alone (no reports, a
    /// 25 ms tick), unless the runtime has one worker, is current-thread,
    /// or has the LIFO slot disabled.
    pub fn slow_poll_threshold(&mut self, threshold: Option<Duration>) -> &mut Builder {
        self.slow_poll_threshold = threshold;
        self
    }

    /// What to do when a task panics and nobody will ever see its result
    /// (default [`Policy::Log`]).
    pub fn unhandled_failure(&mut self, policy: Policy) -> &mut Builder {
        self.unhandled_failure = policy;
        self
    }

    /// Plugs in the I/O driver (the facade's reactor), which then also
    /// drives the timers. Without one, a timer thread drives them.
    #[doc(hidden)]
    pub fn io_driver(&mut self, factory: Option<IoDriverFactory>) -> &mut Builder {
        self.io_driver = factory;
        self
    }

    fn validate(&self) -> io::Result<usize> {
        let invalid = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
        if self.max_blocking_threads == 0 {
            return invalid(
                "runtime Builder: max_blocking_threads must be at least 1, got 0".into(),
            );
        }
        if self.event_interval == 0 {
            return invalid("runtime Builder: event_interval must be at least 1, got 0".into());
        }
        if self.flavor == Flavor::CurrentThread {
            return Ok(1);
        }
        let n = match self.worker_threads {
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if n == 0 {
            return invalid("runtime Builder: worker_threads must be at least 1, got 0".into());
        }
        if n > MAX_WORKERS {
            return invalid(format!(
                "runtime Builder: worker_threads must be at most {MAX_WORKERS}, got {n}"
            ));
        }
        Ok(n)
    }

    /// Starts the runtime: its worker threads (multi-thread) and its
    /// blocking pool. Returns an `InvalidInput` error naming the field when a
    /// setting is out of range, or the OS error if a thread cannot start.
    pub fn build(&mut self) -> io::Result<Runtime> {
        let num_workers = self.validate()?;
        // Local tasks' unseen failures follow the policy of the runtime
        // polling their set (`task/local/shared.rs`).
        crate::task::set_runtime_policy_hook(apply_current_policy);
        let (drivers, driver_thread) = Drivers::start(self.io_driver.as_ref(), &self.thread_name)?;
        if self.flavor == Flavor::CurrentThread {
            // The test clock (`time::pause`) works on this flavour only.
            drivers.time.set_pausable();
        }
        let mut remotes = Vec::with_capacity(num_workers);
        let mut cores = Vec::with_capacity(num_workers);
        for index in 0..num_workers {
            let local = Worker::new_fifo();
            // With the I/O reactor, an idle worker parks in its poll (see
            // park.rs and runtime-io's reactor README).
            let parker = Parker::with_driver(drivers.io.clone());
            remotes.push(Remote {
                stealer: local.stealer(),
                unparker: parker.unparker(),
                lifo: CachePadded::new(LifoSlot::new()),
                stats: Default::default(),
            });
            cores.push(Box::new(Core::new(index, local, parker)));
        }
        let shared = Arc::new(Shared {
            flavor: self.flavor,
            config: Config {
                event_interval: self.event_interval,
                lifo_slot: self.lifo_slot,
                unhandled_failure: self.unhandled_failure,
            },
            injector: Injector::new(),
            remotes: remotes.into_boxed_slice(),
            idle: match self.flavor {
                Flavor::MultiThread => Idle::new(num_workers),
                Flavor::CurrentThread => Idle::new_current_thread(),
            },
            // One shard under loom: shards are picked by task id, which is
            // process-global and would differ between the model's executions.
            registry: Registry::new(crate::loom::loom_or(1, 4 * num_workers)),
            shutdown: AtomicBool::new(false),
            cores: Mutex::new(Vec::new()),
            blocking: BlockingPool::new(
                self.max_blocking_threads,
                self.keep_alive,
                self.thread_name.clone(),
                self.stack_size,
            ),
            drivers,
            // The `Runtime`'s own count; each worker adds one before it
            // starts.
            driver_users: AtomicUsize::new(1),
            driver_thread: Mutex::new(Some(driver_thread)),
            clock: CoarseClock::new(),
            fatal: Mutex::new(None),
            block_on_waiters: Mutex::new(Vec::new()),
            handoffs: Handoffs::new(self.thread_name.clone(), self.stack_size),
        });
        // The watchdog also rescues LIFO slots of workers stuck in a poll
        // (`watchdog.rs`, "Rescuing the LIFO slot"), so it runs without
        // slow-poll reports too wherever there is another worker to hand
        // the task to.
        let rescue = self.flavor == Flavor::MultiThread && num_workers >= 2 && self.lifo_slot;
        let watchdog = match (self.slow_poll_threshold, rescue) {
            (None, false) => None,
            _ if cfg!(runtime_loom) => None,
            (threshold, rescue) => Some(Watchdog::start(
                shared.clone(),
                threshold,
                rescue,
                format!("{}-watchdog", self.thread_name),
            )?),
        };
        let handle = Handle { shared };
        match self.flavor {
            Flavor::CurrentThread => {
                *handle.shared.cores.lock() = cores;
                Ok(Runtime::new_parts(handle, Vec::new(), watchdog))
            }
            Flavor::MultiThread => {
                let mut threads = Vec::with_capacity(num_workers);
                for core in cores {
                    let h = handle.clone();
                    let mut builder = crate::loom::thread::Builder::new()
                        .name(format!("{}-worker-{}", self.thread_name, core.index));
                    if let Some(size) = self.stack_size {
                        builder = builder.stack_size(size);
                    }
                    handle.shared.driver_users.fetch_add(1, Relaxed);
                    match builder.spawn(move || super::worker::run(h, core)) {
                        Ok(t) => threads.push(t),
                        Err(e) => {
                            // This worker never started: it will not leave.
                            handle.shared.driver_users.fetch_sub(1, Relaxed);
                            // Stop the workers already started.
                            drop(Runtime::new_parts(handle, threads, watchdog));
                            return Err(e);
                        }
                    }
                }
                Ok(Runtime::new_parts(handle, threads, watchdog))
            }
        }
    }
}

/// Applies the unhandled-failure policy of the runtime current on this
/// thread; `false` if there is none.
fn apply_current_policy(report: &dyn Fn() -> crate::diagnostics::Report) -> bool {
    super::context::with_current_handle(|handle| match handle {
        Some(handle) => {
            handle.shared.unhandled_failure(report);
            true
        }
        None => false,
    })
}
