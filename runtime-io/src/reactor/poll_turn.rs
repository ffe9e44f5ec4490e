//! One turn of the poll, and how runtime threads take turns with it.
//!
//! The `mio::Poll` lives behind a mutex ([`PollState`]); whoever holds the
//! mutex drives it. A *turn* fires due timers, polls (without blocking, or
//! blocking until an event, a timer deadline or a `mio::Waker` wake-up),
//! records the readiness of every event and wakes the waiting tasks. Turns are
//! taken by the reactor thread (see `thread.rs`) and, when the reactor was
//! started with [`Reactor::start_shared`](super::Reactor::start_shared), by
//! the runtime's worker threads: a busy worker polls without blocking every
//! few dozen tasks, and an idle worker parks *in* the poll instead of on its
//! condvar. `README.md` ("Who drives the poll") has the protocol.

use std::cell::RefCell;
use std::io;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::{MutexGuard, PoisonError, TryLockError};
use std::task::Waker;
use std::time::Duration;

use super::scheduled_io::Ready;
use super::source_table::WAKER_TOKEN;
use super::{Inner, ReactorHandle};
use runtime_core::task::wake_contained;

const EVENTS_PER_POLL: usize = 1024;

/// The poll and its event buffer: what the driving thread holds.
pub(super) struct PollState {
    poll: mio::Poll,
    events: mio::Events,
}

impl PollState {
    pub(super) fn new(poll: mio::Poll) -> PollState {
        PollState {
            poll,
            events: mio::Events::with_capacity(EVENTS_PER_POLL),
        }
    }
}

thread_local! {
    /// The wakers collected by this thread's last turn (reused buffer).
    static WAKERS: RefCell<Vec<Waker>> = const { RefCell::new(Vec::new()) };
}

/// How a turn may wait.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Wait {
    /// Poll with a zero timeout.
    No,
    /// Block until an event, the next timer deadline or an unpark, if
    /// `may_block` agrees.
    Block,
}

/// Takes the poll if nobody holds it.
pub(super) fn try_lock(inner: &Inner) -> Option<MutexGuard<'_, PollState>> {
    match inner.poll.try_lock() {
        Ok(guard) => Some(guard),
        // A waker panicked during someone's turn: the poll itself is fine.
        Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// Takes the poll, waiting for the current holder (reactor thread only).
pub(super) fn lock(inner: &Inner) -> MutexGuard<'_, PollState> {
    inner.poll.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One turn: fires due timers, polls, records readiness. `may_block` is
/// asked (once, right before blocking) whether the caller may still block:
/// a parking worker uses it to announce that it sleeps in the poll, and
/// refuses if a notification arrived meanwhile. Returns the wakers to wake
/// (after the caller has released the poll), in this thread's buffer, by
/// their count.
pub(super) fn turn(
    inner: &Inner,
    state: &mut PollState,
    wait: Wait,
    may_block: &mut dyn FnMut() -> bool,
) -> io::Result<usize> {
    // The hook fires due timers (their tasks are woken now, before the
    // poll) and says how long the poll may block.
    let timer_limit = inner.timer_hook.as_ref().and_then(|hook| hook());
    let timeout = match wait {
        // Nothing registered: only the `mio::Waker` could report, and a
        // non-blocking turn has no use for it. Skip the system call (busy
        // workers take these turns whenever their queues run dry).
        Wait::No if inner.sources.load(Relaxed) == 0 => {
            inner.turns.fetch_add(1, Relaxed);
            return Ok(0);
        }
        Wait::No => Some(Duration::ZERO),
        Wait::Block if timer_limit == Some(Duration::ZERO) => timer_limit,
        Wait::Block if inner.stop.load(Acquire) || !may_block() => Some(Duration::ZERO),
        Wait::Block => timer_limit,
    };
    match state.poll.poll(&mut state.events, timeout) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::Interrupted => return Ok(0),
        Err(err) => return Err(err),
    }
    inner.turns.fetch_add(1, Relaxed);
    if state.events.is_empty() {
        return Ok(0);
    }
    Ok(WAKERS.with(|wakers| {
        let mut wakers = wakers.borrow_mut();
        dispatch(inner, &state.events, &mut wakers);
        wakers.len()
    }))
}

/// Wakes what the last [`turn`] on this thread collected. Called with the
/// poll released: a woken task may run at once on another thread and touch
/// its registration, and a user's waker may do arbitrary work.
pub(super) fn wake_collected() {
    let mut wakers = WAKERS.with(|wakers| std::mem::take(&mut *wakers.borrow_mut()));
    for waker in wakers.drain(..) {
        // A foreign waker that panics must not kill the thread driving the
        // poll (a worker, or the reactor thread): `wake_contained` reports
        // the panic and carries on.
        wake_contained(waker, super::WAKER_BY);
    }
    // Give the (now empty) buffer back for the next turn, unless a waker
    // ran a turn of its own on this thread meanwhile.
    WAKERS.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.capacity() == 0 {
            *slot = wakers;
        }
    });
}

/// Records the readiness of every event and collects the wakers to wake.
fn dispatch(inner: &Inner, events: &mio::Events, wakers: &mut Vec<Waker>) {
    let table = inner.table();
    for event in events {
        if event.token() == WAKER_TOKEN {
            // Only interrupts the poll: the driver re-checks what it waits
            // for (stop flag, timer deadline, its parker).
            continue;
        }
        // A stale token (its source deregistered, the slot reused) is ignored.
        let Some(io) = table.get(event.token()) else {
            continue;
        };
        let ready = Ready::from_event(event);
        if ready.is_empty() {
            continue;
        }
        io.set_readiness(ready);
        io.take_wakers(ready, wakers);
    }
}

/// A poll failure outside the reactor thread: report it and stop the
/// reactor, whose thread then shuts every source down.
fn poll_failed(inner: &Inner, err: &io::Error) {
    if !inner.stop.swap(true, SeqCst) {
        eprintln!("runtime::net: the I/O reactor's poll failed, shutting it down: {err}");
    }
    inner.wake_thread();
}

impl ReactorHandle {
    /// Polls for events without blocking, on the calling thread, and wakes
    /// the tasks whose sources became ready (a busy worker's periodic check).
    /// Returns `false` at once if another thread holds the poll.
    pub fn poll_now(&self) -> bool {
        let inner = &*self.inner;
        let Some(mut state) = try_lock(inner) else {
            return false;
        };
        let result = turn(inner, &mut state, Wait::No, &mut || false);
        drop(state);
        if let Err(err) = result {
            poll_failed(inner, &err);
        }
        wake_collected();
        true
    }

    /// Parks the calling thread in the poll: fires due timers, then, if
    /// `may_block()` agrees, blocks until an event, the next timer deadline
    /// or [`unpark_driver`](Self::unpark_driver); then wakes the tasks whose
    /// sources became ready. Returns `false` at once, without blocking, if
    /// another thread holds the poll; the reactor thread is then told that a
    /// parked thread could not drive, so that it drives the poll itself.
    ///
    /// Only for reactors started with [`Reactor::start_shared`](super::Reactor::start_shared).
    pub fn park(&self, may_block: &mut dyn FnMut() -> bool) -> bool {
        let inner = &*self.inner;
        let Some(mut state) = try_lock(inner) else {
            inner.missed.store(true, SeqCst);
            inner.wake_thread();
            return false;
        };
        inner.in_driver.store(true, SeqCst);
        let result = turn(inner, &mut state, Wait::Block, may_block);
        inner.in_driver.store(false, SeqCst);
        drop(state);
        // The reactor thread sleeps without a timeout only while somebody is
        // parked in the poll; now nobody is, so it resumes its watch.
        if inner.thread_sleeping.swap(false, SeqCst) {
            inner.wake_thread();
        }
        if let Err(err) = result {
            poll_failed(inner, &err);
        }
        wake_collected();
        true
    }

    /// Interrupts whoever is blocked in the poll (a `mio::Waker` write); a
    /// wake-up with nobody blocked makes the next blocking turn return at once.
    pub fn unpark_driver(&self) {
        let _ = self.inner.waker.wake();
    }

    /// Number of poll turns taken so far, by any thread (diagnostics).
    pub fn turns(&self) -> u64 {
        self.inner.turns.load(Relaxed)
    }
}

/// Whether the thread that published `stop` has been seen.
pub(super) fn stopping(inner: &Inner) -> bool {
    inner.stop.load(Acquire)
}

/// Asks the reactor to stop (its thread leaves its loop at the next
/// wake-up).
pub(super) fn request_stop(inner: &Inner) {
    inner.stop.store(true, Release);
    // If this fails the poll is gone already, and so is the thread's loop.
    let _ = inner.waker.wake();
    inner.wake_thread();
}
