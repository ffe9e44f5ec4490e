//! [`UnixStream`].

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use super::split::{split, split_owned, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::connect::wait_connected;
use crate::reactor::{current_handle, PollEvented, ReactorHandle};

/// A Unix domain stream connection.
///
/// Implements [`AsyncRead`](futures_io::AsyncRead) and [`AsyncWrite`](futures_io::AsyncWrite) (also for `&UnixStream`);
/// [`poll_close`](futures_io::AsyncWrite::poll_close) shuts the write direction down.
/// To use the two directions from two futures of one task, use
/// [`split`](Self::split); from different tasks,
/// [`into_split`](Self::into_split) (one reader and one writer).
///
/// Cancel safety of reads and writes: as for
/// [`TcpStream`](crate::net::TcpStream): `read` and `write` yes (one system
/// call each), `read_exact`, `read_to_end`, `write_all` no.
pub struct UnixStream {
    io: PollEvented<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket bound at `path`.
    ///
    /// Cancel safety: no. Dropping it abandons the attempt and closes the
    /// socket.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let handle = current_handle()?;
        let stream = UnixStream::from_mio(&handle, mio::net::UnixStream::connect(path)?)?;
        let io = stream.io.get_ref();
        wait_connected(
            stream.io.registration(),
            || io.take_error(),
            || io.peer_addr().map(drop),
        )
        .await?;
        Ok(stream)
    }

    /// A connected pair of unnamed streams.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let handle = current_handle()?;
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((
            UnixStream::from_mio(&handle, a)?,
            UnixStream::from_mio(&handle, b)?,
        ))
    }

    pub(crate) fn from_mio(
        handle: &ReactorHandle,
        stream: mio::net::UnixStream,
    ) -> io::Result<Self> {
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        Ok(UnixStream {
            io: PollEvented::new_with_handle(handle, stream, interest)?,
        })
    }

    /// Wraps a connected stream from `std`, switching it to non-blocking mode.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: PollEvented::new(mio::net::UnixStream::from_std(stream))?,
        })
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read, write or both directions (as in `std`).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Waits until the stream may be readable.
    ///
    /// Cancel safety: yes: it takes nothing.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the stream may be writable.
    ///
    /// Cancel safety: yes: it writes nothing.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Reads what is available now, without waiting: `WouldBlock` if nothing is.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read(buf)
    }

    /// Writes what fits now, without waiting: `WouldBlock` if nothing does.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write(buf)
    }

    /// Splits into a read half and a write half that borrow the stream, for
    /// use in two concurrent futures of one task (no allocation).
    ///
    /// With [`AsyncReadExt`](crate::io::AsyncReadExt) in scope,
    /// `stream.split()` resolves to that trait's `split(self)` (which takes
    /// the stream by value and shares it through a lock); call this one as
    /// `UnixStream::split(&mut stream)`.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split(self)
    }

    /// Splits into owned halves that can move to different tasks. Dropping
    /// the write half shuts the write direction down;
    /// [`OwnedReadHalf::reunite`] puts the stream back together.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split_owned(self)
    }

    /// The registered socket, for the shared stream plumbing
    /// (`net::impls`, `compat`).
    pub(crate) fn evented(&self) -> &PollEvented<mio::net::UnixStream> {
        &self.io
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl_as_fd!(UnixStream);

impl_futures_io!(UnixStream, |this| this);
impl_futures_io!(&UnixStream, |this| *this);
