//! [`UnixDatagram`].

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::reactor::{current_handle, Direction, PollEvented};

/// A Unix domain datagram socket. All methods take `&self`.
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Creates a socket bound to `path` (which must not exist yet).
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        // Look the reactor up first, so no socket file is left behind outside
        // a runtime.
        current_handle()?;
        Self::wrap(mio::net::UnixDatagram::bind(path)?)
    }

    /// Creates a socket bound to no address.
    pub fn unbound() -> io::Result<UnixDatagram> {
        Self::wrap(mio::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of unnamed sockets.
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let handle = current_handle()?;
        let (a, b) = mio::net::UnixDatagram::pair()?;
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        Ok((
            UnixDatagram {
                io: PollEvented::new_with_handle(&handle, a, interest)?,
            },
            UnixDatagram {
                io: PollEvented::new_with_handle(&handle, b, interest)?,
            },
        ))
    }

    /// Wraps a socket from `std`, switching it to non-blocking mode.
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Self::wrap(mio::net::UnixDatagram::from_std(socket))
    }

    fn wrap(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: PollEvented::new(socket)?,
        })
    }

    /// Sets the default destination of [`send`](Self::send) and the only
    /// source [`recv`](Self::recv) accepts.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends a datagram to the connected peer.
    ///
    /// Cancel safety: yes. The datagram is sent in one system call when the
    /// socket is ready; a dropped `send` sent nothing.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Write, |io| io.send(buf)).await
    }

    /// Receives a datagram from the connected peer.
    ///
    /// Cancel safety: yes. A datagram is taken in one system call; a dropped
    /// `recv` received nothing.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Read, |io| io.recv(buf)).await
    }

    /// Sends a datagram to the socket bound at `path`.
    ///
    /// Cancel safety: yes, as [`send`](Self::send).
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io
            .async_io(Direction::Write, |io| io.send_to(buf, path))
            .await
    }

    /// Receives a datagram and the address it came from.
    ///
    /// Cancel safety: yes, as [`recv`](Self::recv).
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Direction::Read, |io| io.recv_from(buf))
            .await
    }

    /// Waits until a datagram may be available.
    ///
    /// Cancel safety: yes: it takes nothing.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the socket may accept a datagram.
    ///
    /// Cancel safety: yes: it writes nothing.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read, write or both directions.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl_as_fd!(UnixDatagram);
