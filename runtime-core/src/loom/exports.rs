//! What the loom models in `loom-tests/` need from inside runtime-core,
//! reachable as `runtime_core::__loom`.
//!
//! This module exists only under `cfg(runtime_loom)` and is not an API. It
//! gives the models the crate-private pieces of the real protocols, so that
//! each model runs the production code with as few threads and operations
//! as possible:
//!
//! - [`task`]: a minimal scheduler (a run queue and a one-shard live-task
//!   registry) to spawn real tasks on and run them by hand;
//! - [`park`]: the worker parker and `block_on_thread`;
//! - [`idle`]: the idle accounting and the watchdog's sleep;
//! - [`lifo`]: a worker's LIFO slot and the watchdog's rescue of it;
//! - [`time`]: the time driver with the manual clock it has under loom;
//! - [`cancel`]: the cancellation token's callback registration.

pub mod task {
    //! Real tasks (`task/raw.rs`, `harness.rs`, `state.rs`, `waker.rs`) on a
    //! test scheduler whose queue is a loom `Mutex<VecDeque<Notified>>`.

    use crate::loom::sync::{Arc, Mutex};
    use crate::task::raw::{Notified, RawTask, Schedule};
    use crate::task::registry::Registry;
    use crate::task::{Task, TaskId};
    use std::collections::VecDeque;
    use std::future::Future;
    use std::panic::Location;
    use std::task::Waker;
    // Plain counters the model reads after joining its threads; they take
    // no part in the protocol, so they are std's, invisible to loom.
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// A run queue plus a live-task registry, like a one-worker runtime
    /// without the worker: the model calls [`run_one`](Self::run_one) from
    /// whichever threads it likes.
    ///
    /// Every task allocation holds a clone of the scheduler's (loom) `Arc`,
    /// so a task that is never freed makes loom report "Arc leaked"; and the
    /// scheduler counts the allocations freed, so a task freed twice shows
    /// as a count above the number spawned.
    #[derive(Clone)]
    pub struct TestScheduler {
        shared: Arc<Shared>,
    }

    struct Shared {
        queue: Mutex<VecDeque<Notified>>,
        registry: Registry,
        spawned: AtomicUsize,
        freed: AtomicUsize,
        scheduled: AtomicUsize,
        /// Woken after every submission: the model's "worker" parks on it.
        notify: Option<Waker>,
    }

    /// The scheduler handle stored in each task cell; dropped exactly when
    /// the cell is freed.
    struct CellScheduler {
        shared: Arc<Shared>,
    }

    impl Drop for CellScheduler {
        fn drop(&mut self) {
            self.shared.freed.fetch_add(1, SeqCst);
        }
    }

    impl Schedule for CellScheduler {
        fn schedule(&self, task: Notified) {
            self.shared.scheduled.fetch_add(1, SeqCst);
            self.shared.queue.lock().push_back(task);
            if let Some(notify) = &self.shared.notify {
                notify.wake_by_ref();
            }
        }

        fn release(&self, task: RawTask) -> bool {
            self.shared.registry.remove(task)
        }
    }

    impl Default for TestScheduler {
        fn default() -> Self {
            Self::new()
        }
    }

    impl TestScheduler {
        /// An empty scheduler.
        pub fn new() -> TestScheduler {
            Self::build(None)
        }

        /// An empty scheduler that wakes `notify` after every wake or
        /// cancellation submits a task, so a thread running the queue can
        /// park while it is empty without missing work.
        pub fn with_notify(notify: Waker) -> TestScheduler {
            Self::build(Some(notify))
        }

        fn build(notify: Option<Waker>) -> TestScheduler {
            TestScheduler {
                shared: Arc::new(Shared {
                    queue: Mutex::new(VecDeque::new()),
                    registry: Registry::new(1),
                    spawned: AtomicUsize::new(0),
                    freed: AtomicUsize::new(0),
                    scheduled: AtomicUsize::new(0),
                    notify,
                }),
            }
        }

        /// Spawns `future` exactly as `Handle::spawn` does: three
        /// references (handle, registry, first `Notified`), queued.
        #[track_caller]
        pub fn spawn<F>(&self, future: F) -> Task<F::Output>
        where
            F: Future + Send + 'static,
            F::Output: Send + 'static,
        {
            self.shared.spawned.fetch_add(1, SeqCst);
            let scheduler = CellScheduler {
                shared: self.shared.clone(),
            };
            let location = Location::caller();
            let raw = RawTask::new(future, scheduler, TaskId::next(), None, location, 3);
            // SAFETY: the handle's reference and JOIN_INTEREST go to `Task`;
            // its output type is `F::Output`.
            let task = unsafe { Task::from_raw(raw) };
            // SAFETY: the first Notified takes its reference and SCHEDULED.
            let notified = unsafe { Notified::from_raw(raw) };
            match self.shared.registry.insert(raw) {
                Ok(()) => self.shared.queue.lock().push_back(notified),
                Err(raw) => {
                    raw.shutdown();
                    drop(notified);
                }
            }
            task
        }

        /// Pops one queued task and runs it (poll, or cancel if requested).
        /// Returns `false` when the queue was empty.
        pub fn run_one(&self) -> bool {
            let next = self.shared.queue.lock().pop_front();
            match next {
                Some(task) => {
                    task.run();
                    true
                }
                None => false,
            }
        }

        /// Runs queued tasks until the queue is empty; returns how many ran.
        pub fn run_all(&self) -> usize {
            let mut n = 0;
            while self.run_one() {
                n += 1;
            }
            n
        }

        /// Runtime shutdown: closes the registry, cancels every live task
        /// (`transition_to_shutdown`), and drops whatever is queued.
        pub fn shutdown(&self) {
            for task in self.shared.registry.close_and_drain(0) {
                task.shutdown();
            }
            loop {
                let next = self.shared.queue.lock().pop_front();
                match next {
                    Some(task) => drop(task),
                    None => break,
                }
            }
        }

        /// Tasks spawned so far.
        pub fn spawned(&self) -> usize {
            self.shared.spawned.load(SeqCst)
        }

        /// Task allocations freed so far.
        pub fn freed(&self) -> usize {
            self.shared.freed.load(SeqCst)
        }

        /// `Notified`s submitted by wakes and cancellations (not spawns).
        pub fn scheduled(&self) -> usize {
            self.shared.scheduled.load(SeqCst)
        }

        /// Tasks in the live-task registry.
        pub fn live(&self) -> usize {
            self.shared.registry.len()
        }

        /// Tasks in the run queue.
        pub fn queued(&self) -> usize {
            self.shared.queue.lock().len()
        }

        /// Takes the first queued `Notified` out of the run queue, to move
        /// it through a LIFO slot by hand ([`super::lifo`]).
        pub fn take_queued(&self) -> Option<super::lifo::Queued> {
            let next = self.shared.queue.lock().pop_front();
            next.map(super::lifo::Queued)
        }
    }
}

pub mod lifo {
    //! A worker's LIFO slot (`scheduler/lifo.rs`) holding real `Notified`s
    //! taken from a [`TestScheduler`](super::task::TestScheduler), and the
    //! watchdog's rescue on a real runtime.

    use crate::scheduler::Handle;
    use crate::task::raw::Notified;

    /// A queued task (one `Notified`: a reference and `SCHEDULED`). Dropping
    /// it releases the reference without running the task.
    pub struct Queued(pub(crate) Notified);

    impl Queued {
        /// The task's id.
        pub fn id(&self) -> u64 {
            self.0.id().as_u64()
        }

        /// Polls the task once (or cancels it, if so requested).
        pub fn run(self) {
            self.0.run();
        }
    }

    /// See `scheduler/lifo.rs`.
    pub struct LifoSlot(crate::scheduler::lifo::LifoSlot);

    impl Default for LifoSlot {
        fn default() -> Self {
            Self::new()
        }
    }

    impl LifoSlot {
        /// An empty slot.
        pub fn new() -> LifoSlot {
            LifoSlot(crate::scheduler::lifo::LifoSlot::new())
        }

        /// The owner's push: returns the displaced task, if any.
        pub fn push(&self, task: Queued) -> Option<Queued> {
            self.0.push(task.0).map(Queued)
        }

        /// The owner's pop.
        pub fn pop(&self) -> Option<Queued> {
            self.0.pop().map(Queued)
        }

        /// A take from any thread (the rescuer's).
        pub fn take(&self) -> Option<Queued> {
            self.0.take().map(Queued)
        }

        /// Whether the slot is empty.
        pub fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    /// One watchdog rescue of worker `worker`'s LIFO slot (`lifo::rescue`):
    /// moves its task, if any, to the injector and wakes a parked worker.
    /// Under loom no watchdog thread runs; a model calls this instead.
    pub fn rescue(handle: &Handle, worker: usize) -> bool {
        crate::scheduler::lifo::rescue(&handle.shared, worker)
    }
}

pub mod park {
    //! The worker parker (`scheduler/park.rs`).

    use std::future::Future;

    /// The parking side; see `scheduler/park.rs`.
    #[derive(Clone, Debug)]
    pub struct Parker(crate::scheduler::park::Parker);

    /// The waking side.
    #[derive(Clone, Debug)]
    pub struct Unparker(crate::scheduler::park::Unparker);

    /// An I/O driver shared by parkers (see [`Parker::with_driver`]).
    #[derive(Clone)]
    pub struct Driver(crate::loom::sync::Arc<dyn crate::scheduler::IoDriver>);

    impl Driver {
        /// Wraps a driver; `driver` must not be shared yet.
        pub fn new(driver: std::sync::Arc<dyn crate::scheduler::IoDriver>) -> Driver {
            Driver(crate::loom::sync::Arc::from_std(driver))
        }

        /// The shared driver, as a runtime builder's I/O driver factory
        /// returns it.
        pub fn into_inner(self) -> crate::loom::sync::Arc<dyn crate::scheduler::IoDriver> {
            self.0
        }
    }

    impl Default for Parker {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Parker {
        /// A parker in the `EMPTY` state.
        pub fn new() -> Parker {
            Parker(crate::scheduler::park::Parker::new())
        }

        /// A parker whose owner parks in `driver` when its poll is free
        /// (the workers' parker when the runtime has an I/O reactor).
        pub fn with_driver(driver: &Driver) -> Parker {
            Parker(crate::scheduler::park::Parker::with_driver(Some(
                driver.0.clone(),
            )))
        }

        /// Blocks until notified, then consumes the notification (with a
        /// driver it may also return spuriously).
        pub fn park(&self) {
            self.0.park();
        }

        /// A handle that unparks this parker.
        pub fn unparker(&self) -> Unparker {
            Unparker(self.0.unparker())
        }
    }

    impl Unparker {
        /// Notifies the parker (sticky, not counted).
        pub fn unpark(&self) {
            self.0.unpark();
        }
    }

    /// `block_on_thread`: polls `fut` on this thread, parking in between.
    pub fn block_on<F: Future>(fut: F) -> F::Output {
        crate::scheduler::park::block_on_thread(fut)
    }
}

pub mod idle {
    //! The workers' idle accounting and the watchdog's sleep
    //! (`scheduler/idle.rs`).

    /// See `scheduler/idle.rs`.
    pub struct Idle(crate::scheduler::idle::Idle);

    impl Idle {
        /// `workers` workers, all unparked.
        pub fn new(workers: usize) -> Idle {
            Idle(crate::scheduler::idle::Idle::new(workers))
        }

        /// The current-thread flavor's counts (no thread holds the core).
        pub fn new_current_thread() -> Idle {
            Idle(crate::scheduler::idle::Idle::new_current_thread())
        }

        /// Current-thread: a thread takes the core or wakes with it.
        pub fn core_running(&self) {
            self.0.core_running();
        }

        /// Current-thread: the thread holding the core parks or leaves.
        pub fn core_stopped(&self) {
            self.0.core_stopped();
        }

        /// A worker that was not searching parks (`transition_worker_to_parked`).
        pub fn park(&self, worker: usize) {
            self.0.transition_worker_to_parked(worker, false);
        }

        /// A producer wakes a parked worker (`worker_to_notify`).
        pub fn notify(&self) -> Option<usize> {
            self.0.worker_to_notify()
        }

        /// A parked worker found work of its own (`unpark_self`).
        pub fn unpark_self(&self, worker: usize) -> bool {
            self.0.unpark_self(worker)
        }

        /// The watchdog's untimed sleep (`watchdog_sleep`): `None` if some
        /// worker was unparked, else whether it was stopped.
        pub fn watchdog_sleep(&self) -> Option<bool> {
            self.0.watchdog_sleep(|| ())
        }

        /// Whether the watchdog's asleep bit is set.
        pub fn watchdog_asleep(&self) -> bool {
            self.0.watchdog_asleep()
        }

        /// `stop_watchdog`.
        pub fn stop_watchdog(&self) {
            self.0.stop_watchdog();
        }
    }
}

pub mod time {
    //! The time driver (`time/time_driver.rs`) with its manual loom clock.

    use crate::loom::sync::Arc;
    pub use crate::time::{Sleep, TimeDriver};
    use std::time::Instant;

    /// A new driver at tick 0 whose manual clock reads 0 ms.
    pub fn driver() -> Arc<TimeDriver> {
        TimeDriver::starting_at(0)
    }

    /// Sets the driver's clock to `ms` after its creation.
    pub fn set_clock(driver: &TimeDriver, ms: u64) {
        driver.set_manual_clock(ms);
    }

    /// The instant `ms` after the driver's creation (its tick `ms`).
    pub fn instant(driver: &TimeDriver, ms: u64) -> Instant {
        driver.instant_at(ms)
    }

    /// A `Sleep` on `driver` until `ms` after its creation.
    pub fn sleep_until(driver: &Arc<TimeDriver>, ms: u64) -> Sleep {
        Sleep::new_in(driver, driver.instant_at(ms))
    }

    /// Installs `f` as the callback that interrupts whoever drives time.
    pub fn set_unpark(driver: &TimeDriver, f: impl Fn() + Send + Sync + 'static) {
        // loom's `Arc` cannot coerce to a trait object; go through std's.
        let f: std::sync::Arc<dyn Fn() + Send + Sync> = std::sync::Arc::new(f);
        driver.set_unpark(Arc::from_std(f));
    }

    /// Timers in the wheel.
    pub fn pending(driver: &TimeDriver) -> usize {
        driver.pending()
    }

    /// The tick the driver waits for (`u64::MAX`: none).
    pub fn waiting_for(driver: &TimeDriver) -> u64 {
        driver.waiting_for()
    }
}

pub mod cancel {
    //! The callback registration of `group/cancel.rs`, which `TaskGroup`
    //! uses to link a group to a token.

    use crate::group::CancellationToken;

    /// A registered callback; dropping it unregisters the callback.
    pub struct OnCancel(#[allow(dead_code)] crate::group::cancel::OnCancel);

    /// Runs `f` when `token` is cancelled (at once if it already is:
    /// then `None`), until the registration is dropped.
    pub fn on_cancel(
        token: &CancellationToken,
        f: impl FnOnce() + Send + 'static,
    ) -> Option<OnCancel> {
        token.on_cancel(f).map(OnCancel)
    }
}
