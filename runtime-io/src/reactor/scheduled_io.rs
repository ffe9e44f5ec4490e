//! The readiness state one registered source shares with whichever thread
//! drives the reactor's poll (a worker or the reactor thread).
//!
//! The state word packs the readiness bits, a shutdown flag and a 16-bit
//! readiness *tick* (bumped by the poll's driver on every event it records). A task
//! that saw readiness and then got `WouldBlock` clears the bits only if the
//! tick is still the one it saw: an event recorded in between bumps the tick,
//! so the clear is skipped and the new readiness is not lost. See
//! `README.md` beside this file for the whole protocol.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{AcqRel, Acquire};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::shutdown_error;

/// Set of readiness bits, as stored in the low bits of the state word.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Ready(usize);

impl Ready {
    pub(crate) const READABLE: Ready = Ready(0b0_0001);
    pub(crate) const WRITABLE: Ready = Ready(0b0_0010);
    pub(crate) const READ_CLOSED: Ready = Ready(0b0_0100);
    pub(crate) const WRITE_CLOSED: Ready = Ready(0b0_1000);
    pub(crate) const ERROR: Ready = Ready(0b1_0000);
    /// Bits that, once seen, stay set for the life of the registration: a
    /// closed direction never reopens, so no operation ever clears them.
    const FINAL: Ready = Ready(Self::READ_CLOSED.0 | Self::WRITE_CLOSED.0);
    const ALL: usize = 0b1_1111;

    /// Translates one mio event into readiness bits.
    pub(crate) fn from_event(event: &mio::event::Event) -> Ready {
        let mut bits = 0;
        if event.is_readable() {
            bits |= Self::READABLE.0;
        }
        if event.is_writable() {
            bits |= Self::WRITABLE.0;
        }
        if event.is_read_closed() {
            bits |= Self::READ_CLOSED.0;
        }
        if event.is_write_closed() {
            bits |= Self::WRITE_CLOSED.0;
        }
        if event.is_error() {
            bits |= Self::ERROR.0;
        }
        Ready(bits)
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn intersects(self, other: Ready) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether the source reported a closed direction or an error.
    pub(crate) fn is_closed_or_error(self) -> bool {
        self.intersects(Ready(Self::FINAL.0 | Self::ERROR.0))
    }
}

/// Which half of a source an operation waits for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Direction {
    /// Reading, accepting, receiving.
    Read,
    /// Writing, sending, connecting.
    Write,
}

impl Direction {
    /// The readiness bits that let an operation in this direction proceed
    /// (it will then either do work or report the error / end of stream).
    fn mask(self) -> Ready {
        match self {
            Direction::Read => Ready(Ready::READABLE.0 | Ready::READ_CLOSED.0 | Ready::ERROR.0),
            Direction::Write => Ready(Ready::WRITABLE.0 | Ready::WRITE_CLOSED.0 | Ready::ERROR.0),
        }
    }
}

/// What a task saw when it found its direction ready: the bits and the tick
/// at that moment. Handing it back to [`ScheduledIo::clear_readiness`] clears
/// exactly what was seen, and only if nothing newer arrived.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    tick: usize,
    pub(crate) ready: Ready,
}

// State word layout.
const READY_MASK: usize = Ready::ALL;
const SHUTDOWN: usize = 1 << 5;
const TICK_SHIFT: u32 = 16;
const TICK_MAX: usize = 0xFFFF;

fn tick_of(state: usize) -> usize {
    (state >> TICK_SHIFT) & TICK_MAX
}

/// Readiness and wakers of one registered source.
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    /// Readiness bits | SHUTDOWN | tick << TICK_SHIFT.
    state: AtomicUsize,
    waiters: Mutex<Waiters>,
}

#[derive(Debug, Default)]
struct Waiters {
    /// The task in a `poll_read`-style call (one per direction, as for any
    /// `AsyncRead`: the latest poller wins).
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// Tasks in `async fn` operations (`accept`, `recv`, `readable`...):
    /// any number may wait at once; each owns one entry until it finishes or
    /// is dropped.
    queued: Slab<Queued>,
}

#[derive(Debug)]
struct Queued {
    direction: Direction,
    /// `None` once the reactor has taken it to wake the task.
    waker: Option<Waker>,
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo {
            state: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waiters> {
        // Wakers are only stored and taken under this lock (never woken), so
        // a poisoned lock still holds consistent data.
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The poll's driver: records readiness from one event and bumps the tick.
    /// Must happen before [`take_wakers`](Self::take_wakers) for the same event.
    pub(crate) fn set_readiness(&self, ready: Ready) {
        let _ = self.state.fetch_update(AcqRel, Acquire, |cur| {
            let tick = (tick_of(cur) + 1) & TICK_MAX;
            Some((cur & (READY_MASK | SHUTDOWN)) | ready.0 | (tick << TICK_SHIFT))
        });
    }

    /// Marks the source dead: every later readiness check reports the
    /// shut-down error. Must happen before the final `take_wakers`.
    pub(crate) fn set_shutdown(&self) {
        self.state.fetch_or(SHUTDOWN, AcqRel);
    }

    /// Moves the wakers of tasks waiting for any of `ready` into `out` (they
    /// are woken by the caller, after it has released its locks).
    pub(crate) fn take_wakers(&self, ready: Ready, out: &mut Vec<Waker>) {
        let mut waiters = self.lock();
        if ready.intersects(Direction::Read.mask()) {
            out.extend(waiters.reader.take());
        }
        if ready.intersects(Direction::Write.mask()) {
            out.extend(waiters.writer.take());
        }
        for (_, queued) in waiters.queued.iter_mut() {
            if ready.intersects(queued.direction.mask()) {
                out.extend(queued.waker.take());
            }
        }
    }

    /// Moves every waker into `out` (shutdown).
    pub(crate) fn take_all_wakers(&self, out: &mut Vec<Waker>) {
        self.take_wakers(Ready(Ready::ALL), out);
    }

    /// The current readiness for `direction`, if any: `Err` once shut down.
    fn ready_now(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        let cur = self.state.load(Acquire);
        if cur & SHUTDOWN != 0 {
            return Some(Err(shutdown_error()));
        }
        let ready = Ready(cur & direction.mask().0);
        if ready.is_empty() {
            None
        } else {
            Some(Ok(ReadyEvent {
                tick: tick_of(cur),
                ready,
            }))
        }
    }

    /// Checks readiness without registering interest.
    pub(crate) fn try_ready(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        self.ready_now(direction)
    }

    /// Clears what `event` saw, unless the reactor recorded a newer event
    /// since (the tick moved on), in which case the source may be ready
    /// again and nothing is cleared. Closed bits are never cleared.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = event.ready.0 & !Ready::FINAL.0;
        let _ = self.state.fetch_update(AcqRel, Acquire, |cur| {
            if tick_of(cur) != event.tick {
                None
            } else {
                Some(cur & !clear)
            }
        });
    }

    /// Poll-style wait for `direction` (one waker slot per direction).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.ready_now(direction) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.lock();
        let slot = match direction {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // The reactor records readiness *before* it takes this lock to collect
        // wakers, so either this re-check sees the new readiness or the
        // reactor sees the waker stored above.
        match self.ready_now(direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Future-style wait for `direction`; any number may wait at once.
    pub(crate) fn readiness(&self, direction: Direction) -> Readiness<'_> {
        Readiness {
            io: self,
            direction,
            key: None,
        }
    }
}

/// Waits until the source is ready in one direction (or shut down).
#[derive(Debug)]
pub(crate) struct Readiness<'a> {
    io: &'a ScheduledIo,
    direction: Direction,
    /// This waiter's entry in `Waiters::queued`, once it has one.
    key: Option<usize>,
}

impl Readiness<'_> {
    fn unqueue(&mut self, waiters: &mut Waiters) {
        if let Some(key) = self.key.take() {
            waiters.queued.remove(key);
        }
    }
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.key.is_none() {
            if let Some(ready) = this.io.ready_now(this.direction) {
                return Poll::Ready(ready);
            }
        }
        let io = this.io;
        let mut waiters = io.lock();
        // Same ordering argument as in `poll_ready`: store, then re-check.
        match this.key {
            Some(key) => {
                let entry = &mut waiters.queued[key];
                match &entry.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => entry.waker = Some(cx.waker().clone()),
                }
            }
            None => {
                this.key = Some(waiters.queued.insert(Queued {
                    direction: this.direction,
                    waker: Some(cx.waker().clone()),
                }));
            }
        }
        match io.ready_now(this.direction) {
            Some(ready) => {
                this.unqueue(&mut waiters);
                Poll::Ready(ready)
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if self.key.is_some() {
            let io = self.io;
            let mut waiters = io.lock();
            self.unqueue(&mut waiters);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(io: &ScheduledIo, direction: Direction) -> ReadyEvent {
        match io.ready_now(direction) {
            Some(Ok(event)) => event,
            other => panic!("expected readiness, got {other:?}"),
        }
    }

    #[test]
    fn clear_is_skipped_when_a_newer_event_arrived() {
        let io = ScheduledIo::new();
        io.set_readiness(Ready::READABLE);
        let seen = event(&io, Direction::Read);
        // The reactor records another event before the task clears.
        io.set_readiness(Ready::READABLE);
        io.clear_readiness(seen);
        assert!(
            io.ready_now(Direction::Read).is_some(),
            "readiness was lost"
        );
        let seen = event(&io, Direction::Read);
        io.clear_readiness(seen);
        assert!(io.ready_now(Direction::Read).is_none());
    }

    #[test]
    fn closed_bits_survive_clear_and_directions_are_separate() {
        let io = ScheduledIo::new();
        io.set_readiness(Ready(Ready::READ_CLOSED.0 | Ready::WRITABLE.0));
        let seen = event(&io, Direction::Read);
        io.clear_readiness(seen);
        assert!(io.ready_now(Direction::Read).is_some());
        assert!(io.ready_now(Direction::Write).is_some());
    }

    #[test]
    fn shutdown_reports_the_error() {
        let io = ScheduledIo::new();
        io.set_readiness(Ready::READABLE);
        io.set_shutdown();
        let err = io.ready_now(Direction::Read).unwrap().unwrap_err();
        assert!(err.to_string().contains("shut down"));
    }

    #[test]
    fn wakers_are_taken_by_direction() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
        let mut fut = io.readiness(Direction::Write);
        assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
        let mut out = Vec::new();
        io.take_wakers(Ready::WRITABLE, &mut out);
        assert_eq!(out.len(), 1, "only the writer");
        io.take_wakers(Ready::READABLE, &mut out);
        assert_eq!(out.len(), 2);
        drop(fut);
        assert!(io.lock().queued.is_empty(), "dropped waiter left its entry");
    }
}
