//! What the current thread knows about runtimes: the handle it is inside
//! (`Handle::current`), whether it is driving a runtime (where `block_on`
//! would deadlock), and, on a worker, that worker's core for local
//! scheduling.

use super::worker::Core;
use super::{Handle, Shared};
use crate::loom::thread_local_const;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::rc::Rc;

thread_local_const! {
    static CONTEXT: Context = Context {
        handle: RefCell::new(None),
        driving: Cell::new(false),
        worker: RefCell::new(None),
    };
}

struct Context {
    handle: RefCell<Option<Handle>>,
    driving: Cell<bool>,
    worker: RefCell<Option<Rc<WorkerContext>>>,
}

/// The worker (or current-thread `block_on`) running on this thread.
pub(crate) struct WorkerContext {
    /// Identity of the runtime this worker belongs to.
    shared: *const Shared,
    /// Taken out while the worker is between tasks; never borrowed across a
    /// task poll, so a task may schedule into it.
    pub(crate) core: RefCell<Option<Box<Core>>>,
}

impl WorkerContext {
    pub(crate) fn new(shared: &Shared, core: Box<Core>) -> WorkerContext {
        WorkerContext {
            shared,
            core: RefCell::new(Some(core)),
        }
    }

    /// Whether this worker belongs to the runtime `shared`.
    pub(crate) fn belongs_to(&self, shared: &Shared) -> bool {
        std::ptr::eq(self.shared, shared)
    }

    /// Whether this thread still holds the worker's core: `false` once
    /// `block_in_place` has handed it to another thread.
    pub(crate) fn has_core(&self) -> bool {
        self.core.try_borrow().map_or(true, |core| core.is_some())
    }

    /// Runs `f` on this worker's core. Must not be called re-entrantly.
    pub(crate) fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        let mut core = self.core.borrow_mut();
        f(core.as_mut().expect("worker core missing"))
    }
}

/// Restores the previous context on drop. `!Send`: it must be dropped on
/// the thread that created it.
pub struct EnterGuard {
    prev_handle: Option<Handle>,
    _time: crate::time::EnterGuard,
    _io: Option<Box<dyn std::any::Any>>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev_handle.take();
        let _ = CONTEXT.try_with(|c| *c.handle.borrow_mut() = prev);
    }
}

impl std::fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnterGuard")
    }
}

/// Makes `handle` the current runtime of this thread until the guard drops,
/// together with its time driver and I/O driver.
pub(crate) fn enter(handle: Handle) -> EnterGuard {
    let drivers = &handle.shared.drivers;
    let time = crate::time::enter(drivers.time.clone());
    let io = drivers.io.as_ref().map(|io| io.enter());
    let prev_handle = CONTEXT.with(|c| c.handle.borrow_mut().replace(handle));
    EnterGuard {
        prev_handle,
        _time: time,
        _io: io,
        _not_send: PhantomData,
    }
}

/// Clears the driving flag (and the worker) when dropped.
pub(crate) struct DrivingGuard {
    prev_worker: Option<Rc<WorkerContext>>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        let prev = self.prev_worker.take();
        let _ = CONTEXT.try_with(|c| {
            c.driving.set(false);
            *c.worker.borrow_mut() = prev;
        });
    }
}

/// Marks this thread as driving a runtime (a worker, or inside `block_on`),
/// optionally installing a worker context for local scheduling.
///
/// # Panics
/// If the thread already drives a runtime: nested `block_on`.
pub(crate) fn enter_driving(worker: Option<Rc<WorkerContext>>) -> DrivingGuard {
    CONTEXT.with(|c| {
        if c.driving.replace(true) {
            panic!(
                "runtime: block_on called from within a runtime: this thread is already driving \
                 one (a worker thread or an enclosing block_on), and blocking it would stall the \
                 tasks queued on it. Use `.await` instead, or spawn the work with runtime::spawn \
                 (or spawn_blocking for blocking code)"
            );
        }
        let prev_worker = std::mem::replace(&mut *c.worker.borrow_mut(), worker);
        DrivingGuard {
            prev_worker,
            _not_send: PhantomData,
        }
    })
}

/// The worker context installed on this thread, if any.
pub(crate) fn current_worker() -> Option<Rc<WorkerContext>> {
    CONTEXT
        .try_with(|c| c.worker.borrow().clone())
        .ok()
        .flatten()
}

/// Puts the driving flag and the worker context back when dropped.
pub(crate) struct SteppedOut {
    driving: bool,
    worker: Option<Rc<WorkerContext>>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for SteppedOut {
    fn drop(&mut self) {
        let worker = self.worker.take();
        let driving = self.driving;
        let _ = CONTEXT.try_with(|c| {
            c.driving.set(driving);
            *c.worker.borrow_mut() = worker;
        });
    }
}

/// Clears the driving flag and the worker context until the guard drops
/// (`block_in_place`'s closure: it may `block_on`, and its spawns go through
/// the injector). The current handle stays.
pub(crate) fn step_out_of_driving() -> SteppedOut {
    let (driving, worker) = CONTEXT
        .try_with(|c| (c.driving.replace(false), c.worker.borrow_mut().take()))
        .unwrap_or((false, None));
    SteppedOut {
        driving,
        worker,
        _not_send: PhantomData,
    }
}

/// Whether this thread is driving a runtime (blocking here would deadlock).
pub(crate) fn is_driving() -> bool {
    CONTEXT.try_with(|c| c.driving.get()).unwrap_or(false)
}

/// Runs `f` with a borrow of the current runtime's handle (no clone). `f`
/// must not run user code that could enter a runtime on this thread.
pub(crate) fn with_current_handle<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let mut f = Some(f);
    match CONTEXT.try_with(|c| {
        let handle = c.handle.borrow();
        (f.take().expect("called once"))(handle.as_ref())
    }) {
        Ok(out) => out,
        Err(_) => (f.take().expect("called once"))(None),
    }
}

/// The current runtime's handle, if any.
pub(crate) fn current_handle() -> Option<Handle> {
    CONTEXT
        .try_with(|c| c.handle.borrow().clone())
        .ok()
        .flatten()
}

/// Runs `f` with this thread's core if this thread is a worker of `shared`
/// and its core is not in use; otherwise with `None`.
pub(crate) fn with_local_core<R>(shared: &Shared, f: impl FnOnce(Option<&mut Core>) -> R) -> R {
    let mut f = Some(f);
    let done = CONTEXT.try_with(|c| {
        let worker = c.worker.borrow();
        if let Some(worker) = worker.as_ref().filter(|w| std::ptr::eq(w.shared, shared)) {
            if let Ok(mut core) = worker.core.try_borrow_mut() {
                if let Some(core) = core.as_mut() {
                    let f = f.take().expect("called once");
                    return Some(f(Some(core)));
                }
            }
        }
        None
    });
    match done {
        Ok(Some(out)) => out,
        _ => (f.take().expect("called once"))(None),
    }
}

/// Whether this thread is one of `shared`'s workers.
pub(crate) fn is_worker_of(shared: &Shared) -> bool {
    CONTEXT
        .try_with(|c| {
            c.worker
                .borrow()
                .as_ref()
                .is_some_and(|w| std::ptr::eq(w.shared, shared))
        })
        .unwrap_or(false)
}
