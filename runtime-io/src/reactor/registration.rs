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
