//! The blocking pool: `spawn_blocking` closures run here, never on workers.
//!
//! # Protocol
//!
//! One mutex guards the pool state: the FIFO of queued jobs, the number of
//! threads, how many of them are idle, how many idle threads have been
//! handed a wake-up token but not yet consumed it, and the shutdown flag.
//!
//! - **Submit**: push the job; if an idle thread exists that has not already
//!   been given a token, give one (`idle -= 1; notified += 1`) and signal the
//!   condvar; else, below `max_threads`, start a thread; else the job waits
//!   for a busy thread to come back.
//! - **Thread loop**: pop and run jobs until the queue is empty, then wait
//!   as idle. On waking it consumes a token if there is one (then looks for
//!   work), exits on shutdown, or exits when its keep-alive elapsed with no
//!   token. Tokens are checked before the timeout, so a job submitted at the
//!   moment a thread's keep-alive expires is not stranded.
//! - **Shutdown**: set the flag, take the queued jobs (they are cancelled:
//!   their `Task` resolves to a cancelled `JoinError`), wake everybody, and
//!   wait up to the timeout for the thread count to reach zero. Jobs already
//!   running cannot be interrupted; a thread stuck in one is left detached
//!   (it holds its own reference to the pool state).
//!
//! A blocking job is an ordinary task (so it has a `Task<T>` handle, a name,
//! a `JoinError` on panic) whose scheduler is this pool. Its future runs the
//! closure in one poll and never returns `Pending`.

use super::context;
use super::Handle;
use crate::loom::sync::{Arc, Condvar, Mutex};
use crate::task::raw::{Notified, RawTask, Schedule};
use crate::task::{Task, TaskId};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    work: Condvar,
    exited: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    thread_name: String,
    stack_size: Option<usize>,
}

struct State {
    queue: VecDeque<Notified>,
    threads: usize,
    idle: usize,
    notified: usize,
    shutdown: bool,
    spawned_total: usize,
}

/// The scheduler of a blocking task: the pool's queue.
struct BlockingSchedule {
    inner: Arc<Inner>,
}

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified) {
        // Only reachable if a blocking task is woken while idle, which its
        // future (one poll, always Ready) never is; queue it anyway.
        self.inner.state.lock().queue.push_back(task);
        self.inner.work.notify_one();
    }

    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

/// Runs the closure on its first poll.
struct BlockingTask<F>(Option<F>);

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self
            .0
            .take()
            .expect("blocking task polled after completion");
        Poll::Ready(f())
    }
}

impl BlockingPool {
    pub(crate) fn new(
        max_threads: usize,
        keep_alive: Duration,
        thread_name: String,
        stack_size: Option<usize>,
    ) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    notified: 0,
                    shutdown: false,
                    spawned_total: 0,
                }),
                work: Condvar::new(),
                exited: Condvar::new(),
                max_threads,
                keep_alive,
                thread_name,
                stack_size,
            }),
        }
    }

    /// Queues `f` to run on a pool thread; `handle` is entered on the thread
    /// so the closure can reach the runtime (`Handle::current`).
    pub(crate) fn spawn<F, R>(
        &self,
        f: F,
        handle: &Handle,
        location: &'static Location<'static>,
    ) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let scheduler = BlockingSchedule {
            inner: self.inner.clone(),
        };
        let raw = RawTask::new(
            BlockingTask(Some(f)),
            scheduler,
            TaskId::next(),
            None,
            location,
            2,
        );
        // SAFETY: the task was created with two references: one for the
        // handle (with JOIN_INTEREST) and one for the first Notified (with
        // SCHEDULED); the output type is `R`.
        let (task, notified) = unsafe { (Task::from_raw(raw), Notified::from_raw(raw)) };
        if let Err(e) = self.submit(notified, handle) {
            // Could not start a thread and none is running: report and let
            // the task resolve as cancelled rather than hang.
            eprintln!("runtime: spawn_blocking could not start a thread: {e}");
        }
        task
    }

    fn submit(&self, task: Notified, handle: &Handle) -> io::Result<()> {
        let mut state = self.inner.state.lock();
        if state.shutdown {
            drop(state);
            task.shutdown();
            return Ok(());
        }
        state.queue.push_back(task);
        if state.idle > 0 {
            state.idle -= 1;
            state.notified += 1;
            self.inner.work.notify_one();
            return Ok(());
        }
        if state.threads >= self.inner.max_threads {
            return Ok(());
        }
        state.threads += 1;
        state.spawned_total += 1;
        let id = state.spawned_total;
        drop(state);
        let inner = self.inner.clone();
        let handle = handle.clone();
        let mut builder = crate::loom::thread::Builder::new()
            .name(format!("{}-blocking-{id}", self.inner.thread_name));
        if let Some(size) = self.inner.stack_size {
            builder = builder.stack_size(size);
        }
        match builder.spawn(move || run(inner, handle)) {
            Ok(_detached) => Ok(()),
            Err(e) => {
                let mut state = self.inner.state.lock();
                state.threads -= 1;
                if state.threads == 0 {
                    // Nobody will run the queue: cancel what is in it.
                    let queued: Vec<_> = state.queue.drain(..).collect();
                    drop(state);
                    queued.into_iter().for_each(Notified::shutdown);
                }
                Err(e)
            }
        }
    }

    /// Stops the pool: queued jobs are cancelled, running ones finish. Waits
    /// up to `timeout` (`None`: indefinitely) for the threads to exit and
    /// returns whether they all did.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        let mut state = self.inner.state.lock();
        state.shutdown = true;
        let queued: Vec<_> = state.queue.drain(..).collect();
        self.inner.work.notify_all();
        drop(state);
        queued.into_iter().for_each(Notified::shutdown);

        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.inner.state.lock();
        while state.threads > 0 {
            match deadline {
                None => self.inner.exited.wait(&mut state),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    self.inner.exited.wait_timeout(&mut state, deadline - now);
                }
            }
        }
        true
    }

    /// Whether a job is queued or running (the test clock does not
    /// auto-advance then).
    pub(crate) fn is_busy(&self) -> bool {
        let state = self.inner.state.lock();
        !state.queue.is_empty() || state.threads > state.idle
    }

    /// Threads currently in the pool (busy or idle).
    pub(crate) fn num_threads(&self) -> usize {
        self.inner.state.lock().threads
    }
}

fn run(inner: Arc<Inner>, handle: Handle) {
    let _enter = context::enter(handle);
    let mut state = inner.state.lock();
    'outer: loop {
        while let Some(task) = state.queue.pop_front() {
            drop(state);
            task.run();
            state = inner.state.lock();
        }
        if state.shutdown {
            break;
        }
        state.idle += 1;
        loop {
            let timed_out = inner.work.wait_timeout(&mut state, inner.keep_alive);
            if state.notified > 0 {
                state.notified -= 1;
                continue 'outer;
            }
            if state.shutdown {
                state.idle -= 1;
                break 'outer;
            }
            if timed_out {
                state.idle -= 1;
                break 'outer;
            }
        }
    }
    state.threads -= 1;
    inner.exited.notify_all();
}
