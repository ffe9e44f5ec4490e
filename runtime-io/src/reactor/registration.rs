//! A source's registration: its token, its readiness state and the
//! "wait until ready, try, clear on `WouldBlock`" loop every socket uses.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use runtime_core::coop;

use super::scheduled_io::{Readiness, ReadyEvent, ScheduledIo};
use super::{Direction, ReactorHandle};

/// One source's membership in a reactor. Dropping it frees the table slot;
/// the owner ([`PollEvented`](super::PollEvented)) deregisters the source
/// from the poll first.
#[derive(Debug)]
pub(crate) struct Registration {
    handle: ReactorHandle,
    token: mio::Token,
    io: Arc<ScheduledIo>,
}

impl Registration {
    pub(crate) fn new(
        handle: &ReactorHandle,
        source: &mut impl mio::event::Source,
        interest: mio::Interest,
    ) -> io::Result<Registration> {
        let (token, io) = handle.register(source, interest)?;
        Ok(Registration {
            handle: handle.clone(),
            token,
            io,
        })
    }

    /// The reactor this source is registered with.
    pub(crate) fn handle(&self) -> &ReactorHandle {
        &self.handle
    }

    pub(crate) fn deregister(&self, source: &mut impl mio::event::Source) -> io::Result<()> {
        self.handle.deregister(source)
    }

    /// Waits for readiness (any number of tasks may wait at once).
    pub(crate) async fn ready(&self, direction: Direction) -> io::Result<ReadyEvent> {
        self.io.readiness(direction).await
    }

    /// Forgets `event`'s readiness (after `WouldBlock`) unless newer
    /// readiness arrived since it was observed.
    pub(crate) fn clear(&self, event: ReadyEvent) {
        self.io.clear_readiness(event);
    }

    /// Runs `op` if the source is known to be ready, without waiting:
    /// `WouldBlock` when it is not.
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let event = match self.io.try_ready(direction) {
            Some(event) => event?,
            None => return Err(io::ErrorKind::WouldBlock.into()),
        };
        let result = op();
        if is_would_block(&result) {
            self.clear(event);
        }
        result
    }

    /// Poll-style operation: spends one unit of the cooperative budget, then
    /// retries `op` until it does not return `WouldBlock`, waiting for
    /// readiness in between. Uses the per-direction waker slot.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        ready!(coop::poll_proceed(cx));
        loop {
            let event = match self.io.poll_ready(cx, direction) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => {
                    coop::refund();
                    return Poll::Pending;
                }
            };
            let result = op();
            if is_would_block(&result) {
                self.clear(event);
                continue;
            }
            return Poll::Ready(result);
        }
    }

    /// [`poll_io`](Self::poll_io) for a read from a *stream* (TCP, Unix
    /// stream) into a buffer of `len` bytes: besides `WouldBlock`, a short
    /// read (`0 < n < len`) also clears the readiness it saw, as Tokio does.
    /// A stream read returns less than was asked for only when the socket's
    /// receive queue ran dry, so the next read would be `WouldBlock`; this
    /// saves that system call. Losing readiness is impossible for the same
    /// reason as after `WouldBlock`: data that arrives after the read is a
    /// new edge, which the driver records with a new tick, and the clear is
    /// skipped when the tick moved (`README.md`, "Operations and clearing").
    /// End of stream (`n == 0`) and errors keep the readiness.
    ///
    /// Not for datagrams: a short `recv` says nothing about the queue.
    pub(crate) fn poll_read_stream(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut op: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        ready!(coop::poll_proceed(cx));
        loop {
            let event = match self.io.poll_ready(cx, Direction::Read) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => {
                    coop::refund();
                    return Poll::Pending;
                }
            };
            let result = op();
            match &result {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.clear(event);
                    continue;
                }
                Ok(n) if *n > 0 && *n < len => self.clear(event),
                _ => {}
            }
            return Poll::Ready(result);
        }
    }

    /// Whether the read direction is known to be ready right now (tests).
    #[cfg(test)]
    pub(crate) fn is_read_ready(&self) -> bool {
        matches!(self.io.try_ready(Direction::Read), Some(Ok(_)))
    }

    /// Future-style version of [`poll_io`](Self::poll_io) for `async fn`
    /// operations; several tasks may run one on the same source at once.
    pub(crate) async fn async_io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        let mut waiting: Option<Readiness<'_>> = None;
        poll_fn(|cx| {
            ready!(coop::poll_proceed(cx));
            loop {
                let readiness = waiting.get_or_insert_with(|| self.io.readiness(direction));
                let event = match Pin::new(readiness).poll(cx) {
                    Poll::Ready(Ok(event)) => event,
                    Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                    Poll::Pending => {
                        coop::refund();
                        return Poll::Pending;
                    }
                };
                waiting = None;
                let result = op();
                if is_would_block(&result) {
                    self.clear(event);
                    continue;
                }
                return Poll::Ready(result);
            }
        })
        .await
    }
}

fn is_would_block<R>(result: &io::Result<R>) -> bool {
    matches!(result, Err(err) if err.kind() == io::ErrorKind::WouldBlock)
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.handle.release(self.token);
    }
}
