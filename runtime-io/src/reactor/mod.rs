//! The I/O reactor: one `mio::Poll`, driven by whichever thread holds its
//! lock, and a reactor thread that starts and stops with it.
//!
//! Sockets register with the reactor of the thread they are created on
//! (see [`enter`] / [`try_current`]); the reactor waits for OS events and
//! wakes the tasks waiting on the sources that became ready. Started with
//! [`Reactor::start`], its thread drives the poll alone; started with
//! [`Reactor::start_shared`] (as the runtime does), idle worker threads park
//! in the poll and busy ones check it between tasks, and the thread steps in
//! only when nobody else drives. The protocol (registration, readiness tick,
//! clearing, wake batching, who drives the poll, shutdown) is described in
//! `README.md` beside this file.
//!
//! ```
//! use runtime_io::reactor::{self, Reactor};
//!
//! let reactor = Reactor::start("io-reactor".into(), None)?;
//! let _guard = reactor::enter(reactor.handle());
//! assert!(reactor::try_current().is_some());
//! reactor.shutdown();
//! # Ok::<(), std::io::Error>(())
//! ```

mod context;
mod io_driver;
mod poll_evented;
mod poll_turn;
mod registration;
mod scheduled_io;
mod source_table;
mod thread;

use std::fmt;
use std::io;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

pub(crate) use context::current_handle;
pub use context::{enter, try_current, EnterGuard};
pub use io_driver::io_driver_factory;
pub(crate) use poll_evented::PollEvented;
pub(crate) use registration::Registration;
pub(crate) use scheduled_io::Direction;

use poll_turn::PollState;
use runtime_core::task::wake_contained;
use scheduled_io::ScheduledIo;
use source_table::{SourceTable, WAKER_TOKEN};

/// Called before every poll, by whichever thread drives it: fires due timers
/// and returns how long the poll may block (`None`: until an event arrives;
/// zero when it fired timers, so that their tasks run first).
pub type TimerHook = Box<dyn Fn() -> Option<Duration> + Send + Sync>;

/// Who wakes the sources' wakers, for the report of a waker that panicked
/// (`runtime_core::task::wake_contained`).
const WAKER_BY: &str = "the I/O reactor";

const SHUTDOWN_MESSAGE: &str = "runtime::net: the runtime's I/O reactor has shut down";
const NO_REACTOR_MESSAGE: &str = "runtime::net: no I/O reactor: call this from within \
     #[runtime::main], Runtime::block_on or a spawned task";

/// The error every I/O operation returns once its reactor has shut down.
pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(SHUTDOWN_MESSAGE)
}

/// The error a socket constructor returns outside a runtime.
pub(crate) fn no_reactor_error() -> io::Error {
    io::Error::other(NO_REACTOR_MESSAGE)
}

/// State shared by the reactor thread and every handle.
struct Inner {
    /// The poll: whoever holds this lock drives it (see `poll_turn.rs`).
    poll: Mutex<PollState>,
    timer_hook: Option<TimerHook>,
    /// A clone of the poll's registry, for registering from any thread.
    registry: mio::Registry,
    /// Interrupts the poll; registered under [`WAKER_TOKEN`].
    waker: mio::Waker,
    table: Mutex<SourceTable>,
    /// Asked to stop: the thread leaves its loop at the next wake-up.
    stop: AtomicBool,
    /// The thread has shut every source down; nothing registers any more.
    shut_down: AtomicBool,
    /// Poll turns taken by anyone: in shared mode, how the reactor thread
    /// tells whether somebody else drove the poll during its last tick.
    turns: AtomicU64,
    /// Registered sources (a hint, mirrored from the table under its lock):
    /// a busy worker's non-blocking turn skips the `epoll_wait` when it is 0.
    sources: AtomicUsize,
    /// A thread is parked in the poll (shared mode).
    in_driver: AtomicBool,
    /// A thread wanted to park in the poll and found it taken (shared mode):
    /// the reactor thread must drive.
    missed: AtomicBool,
    /// The reactor thread sleeps without a timeout (shared mode).
    thread_sleeping: AtomicBool,
    /// The reactor thread, to unpark it.
    thread: OnceLock<std::thread::Thread>,
}

impl Inner {
    /// Unparks the reactor thread (a no-op before it has started).
    fn wake_thread(&self) {
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }

    fn table(&self) -> MutexGuard<'_, SourceTable> {
        // Nothing panics while holding this lock (wakers are woken outside
        // it), so the table is consistent even if poisoned.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reactor thread, on the way out (also when it panics): every source
    /// becomes shut down and every waiting task is woken to see it.
    fn finish_shutdown(&self) {
        let mut wakers = Vec::new();
        {
            let mut table = self.table();
            table.shutdown(&mut wakers);
            self.sources.store(0, Relaxed);
            self.shut_down.store(true, Release);
        }
        for waker in wakers {
            wake_contained(waker, WAKER_BY);
        }
    }
}

/// The reactor: owns the poll and the reactor thread, which drives the
/// poll alone ([`start`](Reactor::start)) or as the backstop for the
/// runtime's workers ([`start_shared`](Reactor::start_shared)).
///
/// Dropping it, or calling [`shutdown`](Reactor::shutdown), stops and joins
/// the thread; afterwards every socket of this reactor fails with an
/// [`io::Error`] saying the reactor has shut down.
pub struct Reactor {
    handle: ReactorHandle,
    thread: Option<JoinHandle<()>>,
}

impl Reactor {
    /// Starts the reactor thread, named `thread_name`, as the only driver of
    /// the poll.
    ///
    /// `timer_hook`, when given, is called before every poll; it fires due
    /// timers and returns how long poll may block (`None` = indefinitely).
    /// [`ReactorHandle::unpark`] makes the driver call it again.
    pub fn start(thread_name: String, timer_hook: Option<TimerHook>) -> io::Result<Reactor> {
        Self::start_mode(thread_name, timer_hook, false)
    }

    /// Starts the reactor thread as the *backstop* driver: the caller's
    /// threads drive the poll through [`ReactorHandle::park`] (when idle) and
    /// [`ReactorHandle::poll_now`] (between tasks), and the thread drives it
    /// only while nobody else does. This is how the runtime runs it: a
    /// readiness event then wakes its task straight into the queue of the
    /// worker that polled, with no hand-off between threads.
    pub fn start_shared(thread_name: String, timer_hook: Option<TimerHook>) -> io::Result<Reactor> {
        Self::start_mode(thread_name, timer_hook, true)
    }

    fn start_mode(
        thread_name: String,
        timer_hook: Option<TimerHook>,
        shared: bool,
    ) -> io::Result<Reactor> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let inner = Arc::new(Inner {
            poll: Mutex::new(PollState::new(poll)),
            timer_hook,
            registry,
            waker,
            table: Mutex::new(SourceTable::default()),
            stop: AtomicBool::new(false),
            shut_down: AtomicBool::new(false),
            turns: AtomicU64::new(0),
            sources: AtomicUsize::new(0),
            in_driver: AtomicBool::new(false),
            missed: AtomicBool::new(false),
            thread_sleeping: AtomicBool::new(false),
            thread: OnceLock::new(),
        });
        let thread_inner = Arc::clone(&inner);
        let thread = std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || thread::run(&thread_inner, shared))?;
        let _ = inner.thread.set(thread.thread().clone());
        Ok(Reactor {
            handle: ReactorHandle { inner },
            thread: Some(thread),
        })
    }

    /// A handle for registering sources and waking the thread.
    pub fn handle(&self) -> ReactorHandle {
        self.handle.clone()
    }

    /// Stops the reactor thread and joins it. Every registered source's
    /// waiting tasks are woken and see the shut-down error.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        poll_turn::request_stop(&self.handle.inner);
        if thread.thread().id() == std::thread::current().id() {
            // Shut down from the reactor thread itself (from the timer hook):
            // it leaves its loop after this call returns; joining would
            // deadlock.
            return;
        }
        if thread.join().is_err() {
            // The thread's panic was already printed; its exit guard has shut
            // every source down.
            eprintln!("runtime::net: the I/O reactor thread panicked");
        }
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("handle", &self.handle)
            .field("running", &self.thread.is_some())
            .finish()
    }
}

/// A cheap, clonable reference to a [`Reactor`] (`Send + Sync`).
#[derive(Clone)]
pub struct ReactorHandle {
    inner: Arc<Inner>,
}

impl ReactorHandle {
    /// Interrupts the poll (through a `mio::Waker`) so its driver re-runs
    /// the timer hook; used by the timer driver when an earlier deadline
    /// arrives. Does nothing once the reactor has shut down.
    pub fn unpark(&self) {
        let _ = self.inner.waker.wake();
    }

    /// A handle that does not keep the reactor alive (for callbacks the
    /// reactor itself owns, such as the time driver's unpark).
    pub(crate) fn downgrade(&self) -> WeakReactorHandle {
        WeakReactorHandle {
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// Whether the reactor has shut down (its sources all fail).
    pub fn is_shutdown(&self) -> bool {
        self.inner.shut_down.load(Acquire)
    }

    /// Registers `source` and allocates its readiness state.
    fn register(
        &self,
        source: &mut impl mio::event::Source,
        interest: mio::Interest,
    ) -> io::Result<(mio::Token, Arc<ScheduledIo>)> {
        let (token, io) = {
            let mut table = self.inner.table();
            let entry = table.insert()?;
            self.inner.sources.store(table.len(), Relaxed);
            entry
        };
        // Registering outside the table lock is fine: if the reactor shuts
        // down meanwhile, the entry was already marked shut down.
        if let Err(err) = self.inner.registry.register(source, token, interest) {
            self.release(token);
            return Err(err);
        }
        Ok((token, io))
    }

    /// Removes `source` from the poll (its table slot is released
    /// separately, by [`release`](Self::release)).
    fn deregister(&self, source: &mut impl mio::event::Source) -> io::Result<()> {
        self.inner.registry.deregister(source)
    }

    /// Frees the table slot of `token`.
    fn release(&self, token: mio::Token) {
        let mut table = self.inner.table();
        table.remove(token);
        self.inner.sources.store(table.len(), Relaxed);
    }

    /// Number of live registrations (for tests and diagnostics).
    #[cfg(test)]
    fn registered_sources(&self) -> usize {
        self.inner.table().len()
    }
}

/// A [`ReactorHandle`] that does not keep the reactor alive.
#[derive(Clone)]
pub(crate) struct WeakReactorHandle {
    inner: std::sync::Weak<Inner>,
}

impl WeakReactorHandle {
    /// [`ReactorHandle::unpark`] if the reactor still exists.
    pub(crate) fn unpark(&self) {
        if let Some(inner) = self.inner.upgrade() {
            let _ = inner.waker.wake();
        }
    }
}

impl fmt::Debug for ReactorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReactorHandle")
            .field("is_shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn handle_is_send_and_sync() {
        assert_send_sync::<ReactorHandle>();
    }

    #[test]
    fn timer_hook_runs_again_after_unpark() {
        let calls = Arc::new(AtomicUsize::new(0));
        let hook_calls = Arc::clone(&calls);
        let reactor = Reactor::start(
            "test-reactor-hook".into(),
            Some(Box::new(move || {
                hook_calls.fetch_add(1, Ordering::SeqCst);
                None
            })),
        )
        .unwrap();
        let handle = reactor.handle();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while calls.load(Ordering::SeqCst) < 5 {
            assert!(std::time::Instant::now() < deadline, "hook not re-run");
            handle.unpark();
            std::thread::sleep(Duration::from_millis(1));
        }
        reactor.shutdown();
        assert!(handle.is_shutdown());
        handle.unpark(); // harmless after shutdown
    }

    #[test]
    fn sources_are_released_on_drop() {
        let reactor = Reactor::start("test-reactor-release".into(), None).unwrap();
        let handle = reactor.handle();
        let (a, _b) = mio::net::UnixStream::pair().unwrap();
        let evented = PollEvented::new_with_handle(&handle, a, mio::Interest::READABLE).unwrap();
        assert_eq!(handle.registered_sources(), 1);
        drop(evented);
        assert_eq!(handle.registered_sources(), 0);
    }
}
