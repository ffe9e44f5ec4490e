//! The task allocation, its vtable, and the only pointer casts of the task
//! system.
//!
//! A task is one heap allocation, a [`Cell`]: the [`Header`] first (so a
//! pointer to the cell is a pointer to the header; it also holds the join
//! waker), then the scheduler handle (for runtime tasks an uncounted
//! pointer to the runtime, `scheduler/shared_ref.rs`), then the stage (the
//! future, later its output; `stage.rs`). Every type-erased pointer in the
//! system is a `NonNull<Header>`; the [`Vtable`] stored in the header knows
//! the concrete `Cell<F, S>` and casts back.

use super::harness;
use super::id::TaskId;
use super::meta::MetaSlot;
use super::site::SpawnSite;
use super::stage::Stage;
use super::state::State;
use super::JoinError;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::AtomicU32;
use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::{Poll, Waker};

/// The type-independent part of a task, at offset 0 of its cell.
///
/// 64 bytes on 64-bit targets, every byte used: the fields are ordered so
/// that the four `u32`s share one 16-byte stretch. Rarely needed data (name,
/// done callbacks, sampled busy time) lives behind `meta`, allocated on
/// first use; see `docs/performance.md` for what each field costs.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    pub(crate) id: TaskId,
    /// The parent task's id (inline) and, once needed, the lazily allocated
    /// name / done callbacks / busy time (`meta.rs`).
    pub(crate) meta: MetaSlot,
    /// The join handle's waker; ownership follows the `JOIN_WAKER` bit. In
    /// the header (not after the future) so that waiting for completion
    /// without reading the output needs no knowledge of the future's type.
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
    /// Polls so far; written by the poller, read by `all_tasks` (Relaxed).
    pub(crate) polls: AtomicU32,
    /// The runtime's coarse clock at spawn (0: unknown), for the task's age.
    pub(crate) spawned_ms: u32,
    /// Where the task was spawned (an index into the spawn-site table).
    pub(crate) site: SpawnSite,
    /// Slot in the live-task registry; read and written only under the
    /// registry shard's lock.
    pub(crate) registry_key: UnsafeCell<u32>,
}

impl Header {
    /// Where the task was spawned.
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.site.location()
    }
}

/// The whole task allocation.
#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    pub(crate) header: Header,
    pub(crate) scheduler: S,
    /// The future, then the output; which one (if any) follows from the
    /// state word (`stage.rs`). Accessed only by the owner of `RUNNING`, or
    /// after `COMPLETE` by the join handle (while it holds `JOIN_INTEREST`)
    /// or by the completer (when it found no join interest), or by
    /// `dealloc`.
    pub(crate) stage: UnsafeCell<Stage<F>>,
}

// Every `NonNull<Header>` is also a pointer to its `Cell`: the header must
// stay the first field of the `repr(C)` cell.
const _: () = assert!(std::mem::offset_of!(Cell<std::future::Ready<()>, ()>, header) == 0);

/// Type-erased operations on a task.
pub(crate) struct Vtable {
    /// Poll (or cancel) the task; consumes the caller's `Notified` reference.
    poll: unsafe fn(NonNull<Header>),
    /// Hand a `Notified` (whose reference the caller transfers) to the
    /// task's scheduler.
    schedule: unsafe fn(NonNull<Header>),
    /// Free the allocation; the reference count is zero.
    dealloc: unsafe fn(NonNull<Header>),
    /// Join handle poll: writes `Poll<Result<T, JoinError>>` to `dst` if ready.
    try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Calls the closure with a pointer to the stored
    /// `Result<Output, JoinError>`, if the task is complete and the output
    /// has not been taken (the handle still holds `JOIN_INTEREST`).
    peek_output: unsafe fn(NonNull<Header>, &mut dyn FnMut(*const ())),
    /// The join handle is dropped; consumes its reference.
    drop_join_handle: unsafe fn(NonNull<Header>),
    /// Runtime shutdown: cancel the task if idle; consumes one reference.
    shutdown: unsafe fn(NonNull<Header>),
}

/// The scheduler side of a task: where it goes when woken.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Submit a task woken (or cancelled) while idle.
    fn schedule(&self, task: Notified);
    /// Resubmit a task that was woken during its own poll (a yield): it
    /// should run after the tasks already queued.
    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }
    /// The task completed: drop it from the live-task registry. Returns
    /// `true` if the registry held a reference, which the caller releases.
    fn release(&self, task: RawTask) -> bool;
    /// A task failed and nobody will retrieve its result: apply the
    /// runtime's unhandled-failure policy. `report` builds the message.
    /// Called by the task's completer, and by its handle's drop only if
    /// [`failure_reporter`](Self::failure_reporter) gave `None`.
    fn unhandled_failure(&self, report: &dyn Fn() -> crate::diagnostics::Report) {
        crate::diagnostics::emit(&report());
    }
    /// A task panicked and its handle may still read the result. Called by
    /// the completer; what it returns is kept with the task and applies the
    /// unhandled-failure policy if the handle is dropped without reading
    /// the result. That may happen on any thread, after the runtime is
    /// gone, so it must own what it needs. `None`: the handle's drop calls
    /// [`unhandled_failure`](Self::unhandled_failure) on the scheduler,
    /// which must then stay valid for as long as the task is allocated.
    fn failure_reporter(&self) -> Option<FailureReporter> {
        None
    }
}

/// See [`Schedule::failure_reporter`]: applies an unhandled-failure policy
/// to the report the closure is given.
pub(crate) type FailureReporter =
    Box<dyn FnOnce(&dyn Fn() -> crate::diagnostics::Report) + Send + 'static>;

/// An untyped, non-owning pointer to a task. Whoever copies it must hold a
/// reference for as long as it uses it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a task is shared between threads only through its atomic state
// protocol; the future and output inside are `Send`, enforced at
// construction (`RawTask::new` requires `F: Send, F::Output: Send` via the
// spawn functions' bounds), and the scheduler is `Send + Sync`. The one
// exception, local tasks (`RawTask::new_local`), keeps its future on the
// owning thread by the protocol of `task/local/mod.rs`: only the header
// crosses threads, and the future is polled and dropped where it was made.
unsafe impl Send for RawTask {}
// SAFETY: as above; `&RawTask` only gives access to the header, whose fields
// are atomics, a mutex, immutable data, or cells guarded by the protocol.
unsafe impl Sync for RawTask {}

impl RawTask {
    /// Allocates a task in the `SCHEDULED` state with `refs` references.
    pub(crate) fn new<F, S>(
        future: F,
        scheduler: S,
        id: TaskId,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
        refs: usize,
    ) -> RawTask
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        RawTask::new_stamped(future, scheduler, id, name, location, refs, 0)
    }

    /// Allocates a local task (`spawn_local`): as [`new`](Self::new), for a
    /// future and output that need not be `Send`.
    ///
    /// # Safety
    /// The caller's scheduler must poll the task, and complete it (cancel it
    /// if it must), only on the thread calling this, and must complete it
    /// before that thread could stop owning it, so that the last reference,
    /// wherever it is released, never finds the future still in the stage
    /// (`dealloc` would drop it there). If `F::Output` is not `Send`, the
    /// output must be dropped or read on this thread too (the `Task<T>`
    /// handle is `!Send` then; a completer that finds no join interest
    /// drops it on the polling thread).
    pub(crate) unsafe fn new_local<F, S>(
        future: F,
        scheduler: S,
        id: TaskId,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
        refs: usize,
    ) -> RawTask
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        RawTask::alloc(future, scheduler, id, name, location, refs, 0)
    }

    /// [`new`](Self::new), recording the runtime's coarse clock at spawn.
    pub(crate) fn new_stamped<F, S>(
        future: F,
        scheduler: S,
        id: TaskId,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
        refs: usize,
        spawned_ms: u32,
    ) -> RawTask
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        RawTask::alloc(future, scheduler, id, name, location, refs, spawned_ms)
    }

    /// The allocation itself; the `Send` requirements (or the local-task
    /// contract) are the callers'.
    fn alloc<F, S>(
        future: F,
        scheduler: S,
        id: TaskId,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
        refs: usize,
        spawned_ms: u32,
    ) -> RawTask
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        let cell = Box::new(Cell {
            header: Header {
                state: State::new(refs),
                vtable: vtable::<F, S>(),
                id,
                meta: MetaSlot::new(super::current::try_id(), name),
                join_waker: UnsafeCell::new(None),
                polls: AtomicU32::new(0),
                spawned_ms,
                site: SpawnSite::of(location),
                registry_key: UnsafeCell::new(u32::MAX),
            },
            scheduler,
            stage: UnsafeCell::new(Stage::new(future)),
        });
        let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
        RawTask { ptr }
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: whoever holds a `RawTask` holds a reference on the task
        // (see the type's doc), so the allocation is live.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn id(&self) -> TaskId {
        self.header().id
    }

    /// The pointer handed to `RawWaker`.
    pub(crate) fn as_waker_data(&self) -> *const () {
        self.ptr.as_ptr() as *const ()
    }

    /// # Safety
    /// `data` must come from [`as_waker_data`](Self::as_waker_data) of a task
    /// that is still allocated.
    pub(crate) unsafe fn from_waker_data(data: *const ()) -> RawTask {
        // SAFETY: `data` is a non-null header pointer by the contract above.
        let ptr = unsafe { NonNull::new_unchecked(data as *mut Header) };
        RawTask { ptr }
    }

    /// Polls the task, consuming the caller's `Notified` reference.
    pub(crate) fn poll(self) {
        // SAFETY: the vtable belongs to this task's concrete type; the caller
        // transfers a reference, which keeps the task alive during the call.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// Transfers one reference to a new `Notified` given to the scheduler.
    pub(crate) fn schedule(self) {
        // SAFETY: as in `poll`.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// # Safety
    /// The reference count must have reached zero.
    pub(crate) unsafe fn dealloc(self) {
        let vtable = self.header().vtable;
        // SAFETY: by the caller's contract nobody else can access the task.
        unsafe { (vtable.dealloc)(self.ptr) }
    }

    /// The join handle's poll.
    ///
    /// # Safety
    /// `T` must be the task's output type, and the caller must hold
    /// `JOIN_INTEREST` (be the task's `Task<T>` handle).
    pub(crate) unsafe fn try_read_output<T>(self, waker: &Waker) -> Poll<Result<T, JoinError>> {
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        let dst = (&mut out as *mut Poll<Result<T, JoinError>>).cast::<()>();
        // SAFETY: `dst` points to a live `Poll<Result<T, JoinError>>` of the
        // task's output type, as the vtable function requires.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) };
        out
    }

    /// Runs `f` on the finished output without taking it, if the task is
    /// complete and the output has not been taken.
    ///
    /// # Safety
    /// `T` must be the task's output type, and the caller must be the
    /// task's handle (the only one that may take the output), borrowed for
    /// the call.
    pub(crate) unsafe fn peek_output<T, R>(
        self,
        f: impl FnOnce(&Result<T, JoinError>) -> R,
    ) -> Option<R> {
        let mut f = Some(f);
        let mut out = None;
        let mut visit = |ptr: *const ()| {
            // SAFETY: the vtable passes a pointer to the stored
            // `Result<T, JoinError>` (T is the output type, per the contract),
            // valid for the duration of this call.
            let output = unsafe { &*ptr.cast::<Result<T, JoinError>>() };
            if let Some(f) = f.take() {
                out = Some(f(output));
            }
        };
        // SAFETY: forwarded contract.
        unsafe { (self.header().vtable.peek_output)(self.ptr, &mut visit) };
        out
    }

    /// Registers `waker` to be woken when the task completes; `true` if it
    /// already has. The output is left in place.
    ///
    /// # Safety
    /// The caller must hold `JOIN_INTEREST` (be the task's handle).
    pub(crate) unsafe fn poll_complete(self, waker: &Waker) -> bool {
        super::harness::register_join_waker(self.header(), waker)
    }

    /// # Safety
    /// Called once, by the join handle, which gives up its reference.
    pub(crate) unsafe fn drop_join_handle(self) {
        // SAFETY: forwarded contract.
        unsafe { (self.header().vtable.drop_join_handle)(self.ptr) }
    }

    /// Cancels the task if idle (runtime shutdown); consumes one reference
    /// the caller holds.
    pub(crate) fn shutdown(self) {
        // SAFETY: as in `poll`.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    /// Releases `n` references held by the caller, freeing the task if they
    /// were the last.
    pub(crate) fn drop_refs(self, n: usize) {
        if n > 0 && self.header().state.ref_dec(n) {
            // SAFETY: the count just reached zero.
            unsafe { self.dealloc() }
        }
    }
}

/// A reference to a task that is due to be polled: what run queues hold.
/// Dropping it releases its reference without polling.
pub(crate) struct Notified(RawTask);

impl Notified {
    /// # Safety
    /// The caller transfers one reference on `raw` to the new `Notified`, and
    /// `SCHEDULED` was set on its behalf.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified {
        Notified(raw)
    }

    /// The task's id.
    pub(crate) fn id(&self) -> TaskId {
        self.0.id()
    }

    /// Moves this `Notified` (its reference and its claim on `SCHEDULED`)
    /// into a bare pointer, for a slot that holds it as one atomic word
    /// (the LIFO slot, `scheduler/lifo.rs`). Never null.
    pub(crate) fn into_ptr(self) -> *mut Header {
        let ptr = self.0.ptr.as_ptr();
        std::mem::forget(self);
        ptr
    }

    /// Takes back what [`into_ptr`](Self::into_ptr) gave; `None` for null.
    ///
    /// # Safety
    /// A non-null `ptr` must come from `into_ptr`, and each such pointer is
    /// taken back at most once (it owns the reference `into_ptr` moved).
    pub(crate) unsafe fn from_ptr(ptr: *mut Header) -> Option<Notified> {
        NonNull::new(ptr).map(|ptr| Notified(RawTask { ptr }))
    }

    /// Cancels the task without polling it (its queue is shutting down).
    pub(crate) fn shutdown(self) {
        let raw = self.0;
        std::mem::forget(self);
        raw.shutdown();
    }

    /// Polls the task (or cancels it, if so requested).
    pub(crate) fn run(self) {
        let raw = self.0;
        std::mem::forget(self);
        raw.poll();
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        self.0.drop_refs(1);
    }
}

impl std::fmt::Debug for Notified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Notified({})", self.0.id())
    }
}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    &Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        peek_output: peek_output::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
        shutdown: shutdown::<F, S>,
    }
}

/// # Safety
/// `ptr` points to a live `Cell<F, S>` (its vtable was made for `F, S`),
/// and the returned reference is not used after the task may have been
/// freed. In particular no reference the task holds may be released while
/// the `&Cell` is an argument of a call that has not returned: a reference
/// argument must stay valid (dereferenceable) until its function returns,
/// so freeing the cell under it is undefined behaviour even if it is never
/// read again. The `harness` functions therefore return the number of
/// references to release, and the vtable functions below release them after
/// the call, when `cell` is dead.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: the header is the first field of the `repr(C)` cell, so the
    // pointers coincide; liveness is the caller's contract.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // The harness does not release the caller's reference: it returns it
    // (and any other it gave up), and we release them only after
    // `harness::poll` returned and `cell` is no longer used.
    // SAFETY: called through this task's own vtable, with a reference held
    // for the whole life of `cell` (the `cell` contract).
    let cell = unsafe { cell::<F, S>(ptr) };
    let release = harness::poll(cell, RawTask { ptr });
    RawTask { ptr }.drop_refs(release);
}

unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: as in `poll`.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the caller transferred a reference and set SCHEDULED.
    let notified = unsafe { Notified::from_raw(RawTask { ptr }) };
    cell.scheduler.schedule(notified);
}

unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the reference count is zero, so this is the last access; the
    // allocation came from `Box::new(Cell<F, S>)` in `RawTask::new`.
    let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    if !cell.header.state.load().is_complete() {
        // Its last reference went away before it was run to completion or
        // cancelled (say, a `Notified` dropped by a queue): the stage still
        // holds the future. A panic in its `Drop` unwinds from here, and
        // `cell` is still freed on the way.
        cell.stage.with_mut(|stage| {
            // SAFETY: not COMPLETE, so the stage holds the future
            // (`stage.rs`); the count is zero, so nobody owns RUNNING (a
            // poller holds a reference) and nobody else can touch the stage.
            unsafe { (*stage).drop_future() }
        });
    }
    drop(cell);
}

unsafe fn try_read_output<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: as in `poll`.
    let cell = unsafe { cell::<F, S>(ptr) };
    let dst = dst.cast::<Poll<Result<F::Output, JoinError>>>();
    if let Some(output) = harness::try_read_output(cell, waker) {
        // SAFETY: the caller passes a valid, initialised destination of this
        // exact type (`Task<T>::poll`).
        unsafe { *dst = Poll::Ready(output) };
    }
}

unsafe fn peek_output<F: Future, S>(ptr: NonNull<Header>, f: &mut dyn FnMut(*const ())) {
    // SAFETY: as in `poll`.
    let cell = unsafe { cell::<F, S>(ptr) };
    let snapshot = cell.header.state.load();
    if !snapshot.is_complete() || !snapshot.is_join_interested() {
        // Not finished, or the handle has taken the output already.
        return;
    }
    cell.stage.with(|stage| {
        // SAFETY: COMPLETE with JOIN_INTEREST, which the caller (the handle)
        // holds: the stage holds the output, and only the handle, borrowed
        // by the caller, may take it.
        let output = unsafe { (*stage).output() };
        f((output as *const Result<F::Output, JoinError>).cast::<()>());
    });
}

unsafe fn drop_join_handle<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // The common case (a detached task, or one whose output was taken) is
    // one CAS on the state word. No `&Cell` exists during it: once it has
    // released the handle's reference, another thread may free the task.
    if (RawTask { ptr }).header().state.drop_join_handle_fast() {
        return;
    }
    // SAFETY: as in `poll`: the handle's reference is released after the
    // harness call, once `cell` is dead.
    let cell = unsafe { cell::<F, S>(ptr) };
    let release = harness::drop_join_handle(cell);
    RawTask { ptr }.drop_refs(release);
}

unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: as in `poll`: the references are released after the harness
    // call, once `cell` is dead.
    let cell = unsafe { cell::<F, S>(ptr) };
    let release = harness::shutdown(cell, RawTask { ptr });
    RawTask { ptr }.drop_refs(release);
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::mem::size_of;

    #[test]
    fn a_join_error_is_one_pointer() {
        assert_eq!(size_of::<JoinError>(), size_of::<usize>());
        assert_eq!(size_of::<Result<(), JoinError>>(), size_of::<usize>());
    }

    /// Idle memory per task is a benchmark target (`idle_memory`): every
    /// header byte is accounted for (`docs/performance.md`), and a task with
    /// a zero-sized future is the header, the scheduler pointer and the
    /// output slot (a `Result<(), JoinError>`: one pointer).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn the_header_is_64_bytes_and_a_small_task_80() {
        assert_eq!(size_of::<Header>(), 64);
        type Task = Cell<std::future::Pending<()>, crate::scheduler::shared_ref::SharedRef>;
        let size = size_of::<Task>();
        assert!(size <= 80, "task cell grew to {size} bytes");
    }
}
