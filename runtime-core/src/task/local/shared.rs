//! The part of a `LocalSet` that other threads may touch: the remote run
//! queue with the set's waker, the registry of its live tasks, and the
//! scheduler handle stored in each local task's cell.
//!
//! Everything here is `Send + Sync` and holds no future: a task's future
//! stays in its cell, and only pointers to the cell (`Notified`) pass
//! through the remote queue. The protocol is in `mod.rs`'s docs.

use super::context;
use crate::diagnostics::Report;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use crate::loom::sync::{Arc, Mutex};
use crate::task::raw::{Notified, RawTask, Schedule};
use crate::task::registry::Registry;
use std::collections::VecDeque;
use std::sync::OnceLock;
use std::task::Waker;

/// How a local task's unseen failure reaches the policy of the runtime
/// current on the thread (`Builder::unhandled_failure`): set by the
/// scheduler when it builds a runtime (this floor cannot name it). The
/// function returns `false` when no runtime is current; the report then
/// goes to `tracing` / stderr, the default policy's way.
static RUNTIME_POLICY: OnceLock<PolicyHook> = OnceLock::new();

/// Applies a policy to the report the closure builds; `false`: no runtime.
pub(crate) type PolicyHook = fn(&dyn Fn() -> Report) -> bool;

/// Installs the scheduler's policy hook (idempotent).
pub(crate) fn set_runtime_policy_hook(hook: PolicyHook) {
    let _ = RUNTIME_POLICY.set(hook);
}

/// Shared by a `LocalSet`, its tasks' cells and their wakers.
pub(super) struct Shared {
    /// Wakes from other threads (or from this thread outside the set's
    /// context), and the waker of whoever polls the set.
    remote: Mutex<Remote>,
    /// The set's live tasks, one reference each: a task is listed from its
    /// spawn until it completes, so while a task is not complete its last
    /// reference cannot be released anywhere but here, by the owning
    /// thread's drop of the set.
    pub(super) owned: Registry,
    /// Live (spawned and not complete) tasks. Written and read on the
    /// owning thread only (spawn and completion happen there); an atomic
    /// only because this struct is shared.
    live: AtomicUsize,
}

struct Remote {
    queue: VecDeque<Notified>,
    waker: Option<Waker>,
    /// Set by the set's drop before it cancels the tasks: later wakes drop
    /// their `Notified` at once.
    closed: bool,
}

impl Shared {
    pub(super) fn new() -> Shared {
        Shared {
            remote: Mutex::new(Remote {
                queue: VecDeque::new(),
                waker: None,
                closed: false,
            }),
            owned: Registry::new(1),
            live: AtomicUsize::new(0),
        }
    }

    /// Queues a woken task from anywhere and wakes the set's poller. After
    /// the set closed, the `Notified` is dropped here: the task is complete
    /// then or about to be completed by the closing thread, which still
    /// holds a reference to it (the drained registry's), so this drop never
    /// frees a task whose future is still in its cell.
    pub(super) fn schedule_remote(&self, task: Notified) {
        let mut remote = self.remote.lock();
        if remote.closed {
            drop(remote);
            drop(task);
            return;
        }
        remote.queue.push_back(task);
        let waker = remote.waker.take();
        drop(remote);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Registers `waker` as the set's poller and moves every remotely
    /// woken task to the back of `local`. Both under one lock, so a remote
    /// wake either is moved now or finds the new waker and wakes it.
    pub(super) fn register_and_take(&self, waker: &Waker, local: &mut VecDeque<Notified>) {
        let mut remote = self.remote.lock();
        match &remote.waker {
            Some(current) if current.will_wake(waker) => {}
            _ => remote.waker = Some(waker.clone()),
        }
        local.append(&mut remote.queue);
    }

    /// Whether remote wakes are waiting.
    pub(super) fn has_remote(&self) -> bool {
        !self.remote.lock().queue.is_empty()
    }

    /// Closes the remote queue and hands back what it held and the waker.
    pub(super) fn close(&self) -> (VecDeque<Notified>, Option<Waker>) {
        let mut remote = self.remote.lock();
        remote.closed = true;
        (std::mem::take(&mut remote.queue), remote.waker.take())
    }

    pub(super) fn live(&self) -> usize {
        self.live.load(Relaxed)
    }

    pub(super) fn spawned(&self) {
        self.live.store(self.live.load(Relaxed) + 1, Relaxed);
    }
}

/// The scheduler handle in each local task's cell.
pub(super) struct LocalScheduler {
    pub(super) shared: Arc<Shared>,
}

impl Schedule for LocalScheduler {
    fn schedule(&self, task: Notified) {
        // On the owning thread, inside this set's context: the local queue.
        // Anywhere else: the remote queue, which wakes the set's poller.
        if let Err(task) = context::push_if_current(&self.shared, task) {
            self.shared.schedule_remote(task);
        }
    }

    fn unhandled_failure(&self, report: &dyn Fn() -> Report) {
        // The completer is the set's thread, inside the set's poll, so the
        // runtime current there is the one hosting the set (a handle
        // dropped elsewhere later uses the runtime current there, if any).
        let applied = RUNTIME_POLICY.get().is_some_and(|hook| hook(report));
        if !applied {
            crate::diagnostics::emit(&report());
        }
    }

    fn release(&self, task: RawTask) -> bool {
        // Completion happens on the owning thread only (polls and the
        // set's drop), so `live` needs no read-modify-write.
        let removed = self.shared.owned.remove(task);
        if removed {
            let live = self.shared.live.load(Relaxed);
            self.shared.live.store(live.saturating_sub(1), Relaxed);
        }
        removed
    }
}
