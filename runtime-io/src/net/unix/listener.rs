//! [`UnixListener`].

use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::UnixStream;
use crate::reactor::{current_handle, Direction, PollEvented};

/// A Unix stream socket listening for connections at a path.
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
}

impl UnixListener {
    /// Creates a socket bound to `path` (which must not exist yet) and starts
    /// listening. Binding a path does not block, so this is not `async`;
    /// it must still be called inside a runtime.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        // Look the reactor up first, so no socket file is left behind outside
        // a runtime.
        let handle = current_handle()?;
        let listener = mio::net::UnixListener::bind(path)?;
        let io = PollEvented::new_with_handle(&handle, listener, mio::Interest::READABLE)?;
        Ok(UnixListener { io })
    }

    /// Wraps a listener from `std`, switching it to non-blocking mode.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        let listener = mio::net::UnixListener::from_std(listener);
        let io = PollEvented::new_with_interest(listener, mio::Interest::READABLE)?;
        Ok(UnixListener { io })
    }

    /// Waits for and accepts a connection. As for TCP, running out of
    /// descriptors is an error of this call only.
    ///
    /// Cancel safety: yes. A connection is taken in one system call; a
    /// dropped `accept` leaves it queued for the next one.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Direction::Read, |io| io.accept()).await?;
        Ok((self.wrap(stream)?, addr))
    }

    /// Poll-style [`accept`](Self::accept) (only the most recent poller is
    /// woken).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.io
            .registration()
            .poll_io(cx, Direction::Read, || self.io.get_ref().accept())
            .map(|result| result.and_then(|(stream, addr)| Ok((self.wrap(stream)?, addr))))
    }

    /// The accepted connections as a [`Stream`] (the peer addresses are
    /// dropped; use [`accept`](Self::accept) to keep them). Like
    /// `std::net::TcpListener::incoming`, it never ends, and an accept error
    /// (running out of descriptors, say) is an item, not the end: the
    /// listener is still good, and the caller decides whether to back off.
    ///
    /// Cancel safety: yes, as for `accept`.
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    fn wrap(&self, stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_mio(self.io.registration().handle(), stream)
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl_as_fd!(UnixListener);

/// The stream of connections accepted by a [`UnixListener`]; made by
/// [`UnixListener::incoming`].
#[derive(Debug)]
pub struct Incoming<'a> {
    listener: &'a UnixListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
    }
}
