//! `Runtime`: owns the worker threads and the blocking pool; `block_on` is
//! the entry point from synchronous code (asyncio's `run`).

use super::context::{self, EnterGuard, WorkerContext};
use super::watchdog::Watchdog;
use super::{park, Builder, Flavor, Handle, Shared};
use crate::coop;
use crate::loom::sync::atomic::{fence, AtomicBool, Ordering::*};
use crate::loom::sync::Arc;
use crate::loom::thread::JoinHandle;
use crate::task::{LocalSet, Task};
use std::future::Future;
use std::io;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// A running runtime: worker threads (or the current thread), a blocking
/// pool, and the tasks spawned on them.
///
/// Dropping it shuts it down: every live task is cancelled (its future
/// dropped, exactly once, on a runtime thread), the workers are joined, and
/// the blocking pool is waited for.
///
/// ```
/// let rt = runtime_core::scheduler::Runtime::new().unwrap();
/// let task = rt.spawn(async { "hello" });
/// assert_eq!(rt.block_on(task).unwrap(), "hello");
/// ```
pub struct Runtime {
    handle: Handle,
    workers: Vec<JoinHandle<()>>,
    watchdog: Option<Watchdog>,
}

impl Runtime {
    /// A multi-thread runtime with default settings (one worker per core).
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    pub(crate) fn new_parts(
        handle: Handle,
        workers: Vec<JoinHandle<()>>,
        watchdog: Option<Watchdog>,
    ) -> Runtime {
        Runtime {
            handle,
            workers,
            watchdog,
        }
    }

    /// Runs `future` to completion, driving the runtime meanwhile.
    ///
    /// # Panics
    /// When called from a thread already driving a runtime (a worker thread,
    /// or inside another `block_on`): use `.await` there instead.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        block_on(&self.handle, future)
    }

    /// This runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns a task on this runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// Enters the runtime's context on this thread (see [`Handle::enter`]).
    pub fn enter(&self) -> EnterGuard {
        self.handle.enter()
    }

    /// Shuts down, waiting at most `timeout` for the workers and the
    /// blocking pool to stop. Blocking closures still running then are left
    /// to finish on their own threads.
    ///
    /// A worker still inside a poll at the deadline is left to finish that
    /// poll too: the task's timers and sockets keep working until it
    /// returns (the I/O and time drivers stop only when the last worker has
    /// left), then the task is cancelled and the worker exits.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Shuts down without waiting for blocking closures.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        let shared = self.handle.shared.clone();
        if shared.shutdown.swap(true, SeqCst) {
            return;
        }
        fence(SeqCst);
        for remote in shared.remotes.iter() {
            remote.unparker.unpark();
        }
        let on_own_worker = context::is_worker_of(&shared);
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        for worker in self.workers.drain(..) {
            if on_own_worker {
                // Dropped from one of its own tasks: the workers exit by
                // themselves; joining would wait for this very thread.
                continue;
            }
            join_until(worker, deadline);
        }
        if !on_own_worker {
            // Threads that took over a worker in `block_in_place`; each may
            // have handed off again before it left.
            loop {
                let threads = shared.handoffs.take();
                if threads.is_empty() {
                    break;
                }
                for thread in threads {
                    join_until(thread, deadline);
                }
            }
        }
        {
            // Whatever the workers did not reach (current-thread flavor: all
            // of it) is cancelled here, with the runtime entered so that
            // futures' Drop code can still use it.
            let _enter = context::enter(self.handle.clone());
            let core = shared.cores.lock().pop();
            if let Some(core) = core {
                let worker = Rc::new(WorkerContext::new(&shared, core));
                let _driving = DrivingOrNot::new(worker.clone());
                shared.shutdown_tasks();
                while let Some(task) = worker.with_core(|c| c.drain_one(&shared)) {
                    drop(task);
                }
            } else {
                shared.shutdown_tasks();
            }
        }
        // After the workers are joined: every poll has recorded its end, so
        // the watchdog's last pass can close any slow-poll report.
        if let Some(mut watchdog) = self.watchdog.take() {
            watchdog.stop();
        }
        let remaining = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
        shared.blocking.shutdown(remaining);
        // Last: tasks that were cancelled above have dropped their timers
        // and sockets already. The drivers stop here if every worker has
        // left; otherwise the last worker to leave stops them
        // (`Shared::release_drivers` says why).
        shared.release_drivers();
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}

/// Joins a worker, waiting at most until `deadline`. A worker still stuck
/// in a poll then is left to finish on its own: it holds its own handle to
/// the runtime, and cancels the task when the poll returns.
fn join_until(worker: JoinHandle<()>, deadline: Option<std::time::Instant>) {
    #[cfg(not(runtime_loom))]
    if let Some(deadline) = deadline {
        while !worker.is_finished() {
            if std::time::Instant::now() >= deadline {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    #[cfg(runtime_loom)]
    let _ = deadline;
    let _ = worker.join();
}

/// Installs a worker context for shutdown work if this thread is not already
/// driving a runtime (dropping a runtime inside another's `block_on` is
/// allowed; the cancellation then runs without the local core).
struct DrivingOrNot {
    _guard: Option<context::DrivingGuard>,
}

impl DrivingOrNot {
    fn new(worker: Rc<WorkerContext>) -> DrivingOrNot {
        if context::is_driving() {
            DrivingOrNot { _guard: None }
        } else {
            DrivingOrNot {
                _guard: Some(context::enter_driving(Some(worker))),
            }
        }
    }
}

/// `block_on` for both flavors.
#[track_caller]
pub(crate) fn block_on<F: Future>(handle: &Handle, future: F) -> F::Output {
    if context::is_driving() {
        // Same message as enter_driving, raised before entering anything.
        drop(context::enter_driving(None));
    }
    let _enter = context::enter(handle.clone());
    match handle.shared.flavor {
        Flavor::MultiThread => {
            let _driving = context::enter_driving(None);
            block_on_multi_thread(&handle.shared, future)
        }
        Flavor::CurrentThread => block_on_current_thread(handle, future),
    }
}

/// The multi-thread flavor: the workers run the tasks; this thread polls
/// `future` and sleeps in between. It is registered with the runtime so
/// that the `ShutdownRuntime` failure policy can wake it.
fn block_on_multi_thread<F: Future>(shared: &Shared, future: F) -> F::Output {
    static NEXT_WAITER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = NEXT_WAITER.fetch_add(1, Relaxed);
    struct Deregister<'a>(&'a Shared, u64);
    impl Drop for Deregister<'_> {
        fn drop(&mut self) {
            self.0
                .block_on_waiters
                .lock()
                .retain(|(id, _)| *id != self.1);
        }
    }
    let _deregister = Deregister(shared, id);
    let mut future = pin!(future);
    let mut registered = false;
    park::block_on_thread(std::future::poll_fn(|cx| {
        if !registered {
            // The thread's waker never changes: register it once.
            registered = true;
            shared
                .block_on_waiters
                .lock()
                .push((id, cx.waker().clone()));
        }
        shared.check_fatal();
        future.as_mut().poll(cx)
    }))
}

/// The current-thread flavor: this thread runs the runtime's tasks while it
/// waits for `future`. If another thread is already doing so, this one just
/// waits for its future (and takes over the core if it is released).
///
/// The call also runs an implicit `LocalSet`, current on this thread for
/// the whole call, so `spawn_local` works in the future and in the tasks
/// this thread runs; its local tasks still pending at return are cancelled
/// here when `local` drops, after the future (`task/local/mod.rs`).
fn block_on_current_thread<F: Future>(handle: &Handle, future: F) -> F::Output {
    let shared = &handle.shared;
    let local = LocalSet::new();
    let _local = local.enter();
    let mut future = pin!(local.run_until(future));
    let main = std::sync::Arc::new(MainWaker {
        woken: AtomicBool::new(true),
        unparker: shared.remotes[0].unparker.clone(),
    });
    let waker = Waker::from(main.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        let core = shared.cores.lock().pop();
        let Some(core) = core else {
            // Someone else drives the tasks; poll our future meanwhile.
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            let parker = park::Parker::new();
            parker.park_timeout(Duration::from_millis(1));
            continue;
        };
        let worker = Rc::new(WorkerContext::new(shared, core));
        let _driving = context::enter_driving(Some(worker.clone()));
        // Counted running while this thread holds the core and is not
        // parked: the watchdog sleeps otherwise (`idle.rs`).
        shared.idle.core_running();
        let _return_core = ReturnCore(&worker, shared);
        let parker = worker.with_core(|c| c.parker.clone());
        loop {
            shared.check_fatal();
            if main.woken.swap(false, AcqRel) {
                let (poll, _) = coop::with_budget(|| future.as_mut().poll(&mut cx));
                if let Poll::Ready(out) = poll {
                    return out;
                }
            }
            let mut ran = 0;
            while ran < shared.config.event_interval {
                match worker.with_core(|c| c.next_local_task(shared)) {
                    Some(task) => {
                        super::worker::run_task(&worker, shared, task);
                        ran += 1;
                    }
                    None => break,
                }
            }
            if ran == shared.config.event_interval {
                // Busy: check for I/O events between batches (when idle, the
                // parker parks in the I/O driver instead).
                shared.poll_io();
            } else if ran == 0 && !main.woken.load(Acquire) {
                shared.idle.core_stopped();
                park_or_advance_time(shared, &parker);
                shared.idle.core_running();
            }
        }
    }
}

/// The current-thread runtime has nothing to run: it parks, unless the
/// test clock is paused (`time::pause`). Then, with no blocking job in
/// flight, it jumps the clock to the next timer and fires it instead
/// (auto-advance; none pending: it parks as usual, for I/O or a wake from
/// another thread). With a blocking job in flight it parks briefly and
/// looks again, since the job may be what the tasks wait for.
fn park_or_advance_time(shared: &super::Shared, parker: &park::Parker) {
    let time = &shared.drivers.time;
    if !time.is_paused() {
        parker.park();
    } else if shared.blocking.is_busy() {
        parker.park_timeout(Duration::from_millis(1));
    } else if !time.auto_advance() {
        parker.park();
    }
}

/// Puts the current-thread core back when `block_on` returns or unwinds,
/// and stops counting it running.
struct ReturnCore<'a>(&'a Rc<WorkerContext>, &'a Arc<super::Shared>);

impl Drop for ReturnCore<'_> {
    fn drop(&mut self) {
        // Balances the `core_running` made right before this guard.
        self.1.idle.core_stopped();
        if let Some(core) = self.0.core.borrow_mut().take() {
            self.1.cores.lock().push(core);
        }
    }
}

/// The waker of a current-thread `block_on` future: flags it and unparks the
/// thread.
struct MainWaker {
    woken: AtomicBool,
    unparker: park::Unparker,
}

impl Wake for MainWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Release);
        self.unparker.unpark();
    }
}
