//! `block_in_place`: run blocking code on a worker thread without stalling
//! the tasks queued on that worker.
//!
//! # The hand-off protocol
//!
//! A worker thread owns its `Core` (local queue, LIFO slot's owner side,
//! retired batch, parker) through its `WorkerContext`; the core is taken
//! out only between polls, never during one. A task that calls
//! `block_in_place(f)` is inside a poll on that thread, so the core sits
//! unborrowed in the context, and:
//!
//! 1. The calling thread takes the core out of its context and closes the
//!    poll's record in the worker's stats (`poll_ended`): from here on the
//!    worker index belongs to whoever holds the core, and the slow-poll
//!    watchdog must not time the blocking section as a poll.
//! 2. It counts one more driver user (`Shared::driver_users`) and starts a
//!    new thread that runs the ordinary worker loop (`worker::run`) with
//!    that core. Spawning a thread happens-before the thread's first step,
//!    so the new thread sees the core and the closed record. Its
//!    `JoinHandle` goes into `Handoffs`, which `Runtime::shutdown` joins
//!    after the original workers (pruning finished ones on each push).
//! 3. The calling thread runs `f` with its driving flag and worker context
//!    cleared (so `f` may call `Handle::block_on`, and a spawn from `f` goes
//!    through the injector), restores them, and returns into the task's
//!    poll. When that poll ends, `worker::run_task` finds the context's
//!    core gone: it records nothing, and the worker loop returns, so this
//!    thread exits (giving back its driver-user count) and never takes the
//!    core back.
//!
//! Nothing about the worker changes for the rest of the runtime: its index,
//! its `Remote` (stealer, unparker, LIFO slot) and its place in the idle
//! counts are the same, it was counted awake before the hand-off and stays
//! awake on the new thread. The watchdog's invariant, "a poll only starts on
//! a worker counted awake", holds because the new thread starts in the run
//! loop, not in a poll. If the thread cannot be spawned, the core goes back
//! into the context (it travels in a slot the closure empties, so a failed
//! spawn does not drop it), the poll's record is reopened, and `f` runs in
//! place: the worker's other tasks wait, as with any blocking poll, but none
//! is lost.
//!
//! When the core is already gone (a second `block_in_place` in the same
//! poll, or a nested one), or the runtime is shutting down, `f` just runs.
//!
//! The loom family `block_in_place` (`loom-tests/tests/block_in_place.rs`)
//! runs the hand-off on a real one-worker runtime: a task blocked in `f`
//! until a task spawned after it runs, then shutdown.

use super::context::{self, WorkerContext};
use super::worker::Core;
use super::{Flavor, Handle};
use crate::loom::sync::atomic::Ordering::Relaxed;
use crate::loom::sync::{Arc, Mutex};
use crate::loom::thread::JoinHandle;

/// Runs `f`, a blocking closure, on the current thread; when that thread
/// is a worker of a multi-thread runtime, the worker's queued tasks are
/// first handed to a new thread, so they keep running while `f` blocks.
///
/// This is for code that blocks briefly in the middle of an `async` task and
/// cannot easily be moved out: a synchronous library call, a lock held by
/// threads outside the runtime, `Handle::block_on` on a future from sync
/// code. Prefer [`spawn_blocking`](crate::scheduler::spawn_blocking) where
/// you can: it never blocks the task's own thread, and it can run while the
/// task goes on with something else. With `block_in_place` the calling task
/// waits for `f` (nothing else in the task runs meanwhile, also not the
/// other branches of a `select!` or `join!` it is in), but no other task
/// does.
///
/// Outside a runtime, on a blocking-pool thread, or on the thread that runs
/// a multi-thread runtime's `block_on` future, `f` simply runs. Inside `f`,
/// [`Handle::current`] is still this runtime, and [`Handle::block_on`]
/// works (the thread counts as not driving a runtime while `f` runs).
///
/// The slow-poll watchdog does not report the time spent in `f`: the
/// task's poll is closed when its worker is handed off. The thread that ran
/// `f` finishes the task's poll and then exits; the worker goes on on the
/// new thread under the same name and index.
///
/// ```
/// use runtime_core::scheduler::{block_in_place, Builder, Handle};
///
/// let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
/// rt.block_on(async {
///     let (tx, rx) = std::sync::mpsc::channel();
///     // One worker: without the hand-off this blocking receive would wait
///     // forever, since the sender is a task queued on the same worker.
///     let blocked = runtime_core::scheduler::spawn(async move {
///         block_in_place(|| rx.recv().unwrap())
///     });
///     runtime_core::scheduler::spawn(async move { tx.send(7).unwrap() });
///     assert_eq!(blocked.await.unwrap(), 7);
///
///     // Sync code that needs a future's result.
///     let n = block_in_place(|| Handle::current().block_on(async { 6 * 7 }));
///     assert_eq!(n, 42);
/// });
/// ```
///
/// # Panics
/// On a current-thread runtime's thread while it runs that runtime's tasks
/// (in its `block_on`): there is no other thread to hand them to. Use
/// `spawn_blocking(f).await` there, or a multi-thread runtime.
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    if let Some(worker) = context::current_worker() {
        let handle = context::current_handle().filter(|h| worker.belongs_to(&h.shared));
        if let Some(handle) = handle {
            if handle.shared.flavor == Flavor::CurrentThread {
                panic!(
                    "runtime: block_in_place called on a current-thread runtime: its one thread \
                     runs every task, so there is no other thread to hand them to while this one \
                     blocks. Use `runtime::spawn_blocking(f).await` instead, or a multi-thread \
                     runtime (Builder::new_multi_thread, or #[runtime::test(flavor = \
                     \"multi_thread\")] in a test)"
                );
            }
            hand_off(&worker, &handle);
        }
    }
    let _outside = context::step_out_of_driving();
    f()
}

/// Steps 1 and 2 of the protocol: gives this worker's core to a new thread.
/// Does nothing if the core is gone already or the runtime is shutting down.
fn hand_off(worker: &WorkerContext, handle: &Handle) {
    let shared = &handle.shared;
    if shared.is_shutdown() {
        return;
    }
    let Ok(mut place) = worker.core.try_borrow_mut() else {
        // Borrowed: not inside a task's poll (the worker's own code).
        return;
    };
    let Some(core) = place.take() else {
        return;
    };
    let index = core.index;
    let stats = &shared.remotes[index].stats;
    let task = stats.current_task.load(Relaxed);
    stats.poll_ended(false);
    // The new thread's count, taken before it can start (and so before it
    // can leave); the caller's own count keeps the total above zero.
    shared.driver_users.fetch_add(1, Relaxed);
    let slot = Arc::new(Mutex::new(Some(core)));
    match shared.handoffs.spawn(handle.clone(), index, slot.clone()) {
        Ok(thread) => shared.handoffs.push(thread),
        Err(_) => {
            // The closure never ran (or found nothing): take the core back
            // and run `f` in place.
            shared.driver_users.fetch_sub(1, Relaxed);
            let core = slot.lock().take().expect("a failed spawn leaves the core");
            stats.poll_started(task);
            *place = Some(core);
        }
    }
}

/// The threads started by hand-offs, and how to start one.
pub(crate) struct Handoffs {
    threads: Mutex<Vec<JoinHandle<()>>>,
    thread_name: String,
    stack_size: Option<usize>,
}

/// A core in transit to its new thread (see `hand_off`).
type CoreSlot = Arc<Mutex<Option<Box<Core>>>>;

impl Handoffs {
    pub(crate) fn new(thread_name: String, stack_size: Option<usize>) -> Handoffs {
        Handoffs {
            threads: Mutex::new(Vec::new()),
            thread_name,
            stack_size,
        }
    }

    fn spawn(
        &self,
        handle: Handle,
        index: usize,
        slot: CoreSlot,
    ) -> std::io::Result<JoinHandle<()>> {
        let mut builder = crate::loom::thread::Builder::new()
            .name(format!("{}-worker-{}", self.thread_name, index));
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        builder.spawn(move || {
            let core = slot.lock().take();
            if let Some(core) = core {
                super::worker::run(handle, core);
            }
        })
    }

    fn push(&self, thread: JoinHandle<()>) {
        let mut threads = self.threads.lock();
        // A finished thread's handle is dropped (detached) here, so a
        // runtime that hands off often keeps no dead threads around.
        #[cfg(not(runtime_loom))]
        threads.retain(|t| !t.is_finished());
        threads.push(thread);
    }

    /// The threads started so far (and not pruned), for shutdown to join.
    /// A joined thread may have started another: call until empty.
    pub(crate) fn take(&self) -> Vec<JoinHandle<()>> {
        std::mem::take(&mut *self.threads.lock())
    }
}
