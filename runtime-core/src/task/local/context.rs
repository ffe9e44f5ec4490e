//! The `LocalSet` this thread is running, if any: where `spawn_local` puts
//! new tasks and where a wake from this thread queues a local task.

use super::shared::Shared;
use crate::loom::sync::Arc;
use crate::loom::thread_local_const;
use crate::task::raw::Notified;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::Waker;

thread_local_const! {
    static CURRENT: RefCell<Option<Rc<Core>>> = RefCell::new(None);
}

/// The owning thread's part of a `LocalSet` (`!Send`, in an `Rc`).
pub(super) struct Core {
    /// Made at the first spawn: a set that never gets a task (the implicit
    /// one of most current-thread `block_on` calls) allocates nothing more
    /// than this core.
    shared: OnceCell<Arc<Shared>>,
    /// Set by the set's drop; a `Shared` made after it (a spawn through a
    /// `LocalEnterGuard` that outlived the set) starts closed.
    closed: Cell<bool>,
    /// Tasks to poll, in order: spawned on this thread or woken from it
    /// inside the set's context, plus the remote wakes moved over at each
    /// tick. Never borrowed across a poll.
    pub(super) queue: RefCell<VecDeque<Notified>>,
    /// Set while the set's poll (`run_until` or awaiting the set) runs: a
    /// task queued meanwhile is polled by that poll, so nobody needs waking.
    pub(super) running: Cell<bool>,
    /// The waker of the set's last poll, for spawns and wakes on this
    /// thread while the set is not running (no lock; remote wakes use the
    /// one in `Shared`).
    waker: RefCell<Option<Waker>>,
}

impl Core {
    pub(super) fn new() -> Core {
        Core {
            shared: OnceCell::new(),
            closed: Cell::new(false),
            queue: RefCell::new(VecDeque::new()),
            running: Cell::new(false),
            waker: RefCell::new(None),
        }
    }

    /// Queues a task on the owning thread; wakes the set's poller unless a
    /// poll of the set is under way (it will reach the task).
    pub(super) fn push(&self, task: Notified) {
        self.queue.borrow_mut().push_back(task);
        if !self.running.get() {
            // Cloned out: the wake runs foreign code, which may use the set.
            let waker = self.waker.borrow().clone();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Records the waker of the set's poll under way.
    pub(super) fn set_waker(&self, waker: &Waker) {
        let mut slot = self.waker.borrow_mut();
        match &*slot {
            Some(current) if current.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// The shared part, if a task was ever spawned.
    pub(super) fn shared(&self) -> Option<&Arc<Shared>> {
        self.shared.get()
    }

    /// The shared part, made now if need be.
    pub(super) fn shared_or_init(&self) -> &Arc<Shared> {
        self.shared.get_or_init(|| {
            let shared = Arc::new(Shared::new());
            if self.closed.get() {
                // The set is gone: refuse every spawn (step 5).
                drop(shared.close());
                drop(shared.owned.close_and_drain(0));
            }
            shared
        })
    }

    /// The set's live tasks.
    pub(super) fn live(&self) -> usize {
        self.shared().map_or(0, |shared| shared.live())
    }

    /// The set is being dropped.
    pub(super) fn close(&self) {
        self.closed.set(true);
    }

    pub(super) fn pop(&self) -> Option<Notified> {
        self.queue.borrow_mut().pop_front()
    }
}

/// Makes a set current on this thread until dropped (restoring the one
/// before: sets nest).
pub(super) struct Enter {
    prev: Option<Rc<Core>>,
}

impl Drop for Enter {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

pub(super) fn enter(core: &Rc<Core>) -> Enter {
    let prev = CURRENT.with(|c| c.borrow_mut().replace(core.clone()));
    Enter { prev }
}

/// The set current on this thread.
pub(super) fn current() -> Option<Rc<Core>> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// Queues `task` on `shared`'s set if that set is current on this thread;
/// otherwise hands it back.
pub(super) fn push_if_current(shared: &Shared, task: Notified) -> Result<(), Notified> {
    match current() {
        Some(core) if core.shared().is_some_and(|s| std::ptr::eq(&**s, shared)) => {
            core.push(task);
            Ok(())
        }
        _ => Err(task),
    }
}
