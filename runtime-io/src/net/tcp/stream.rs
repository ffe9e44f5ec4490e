//! [`TcpStream`].

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use super::split::{split, split_owned, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::addr::{resolve, try_each, ToSocketAddrs};
use crate::net::connect::wait_connected;
use crate::reactor::{current_handle, Direction, PollEvented, ReactorHandle};

/// A TCP connection.
///
/// Reads and writes go through [`AsyncRead`](futures_io::AsyncRead) / [`AsyncWrite`](futures_io::AsyncWrite) (with the
/// extension methods of [`crate::io`]); [`poll_close`](futures_io::AsyncWrite::poll_close)
/// shuts the write direction down, so the peer reads end-of-stream.
///
/// The traits are also implemented for `&TcpStream`. As for any
/// `AsyncRead`, only the task that polled a direction last is woken: to read
/// and write from different tasks, use [`into_split`](Self::into_split) (one
/// reader and one writer); `async fn` methods such as
/// [`readable`](Self::readable) and [`peek`](Self::peek) have no such limit.
///
/// Cancel safety of reads and writes: `read` and `write` (the extension
/// methods of [`crate::io`], over `poll_read` / `poll_write`): yes, each
/// moves bytes in one system call, so a dropped one moved nothing.
/// `read_exact`, `read_to_end`, `write_all`: no, a dropped one may have
/// moved part of the data already (keep such a future across a `select!`
/// loop with `&mut`, or do not race it).
pub struct TcpStream {
    io: PollEvented<mio::net::TcpStream>,
}

impl TcpStream {
    /// Opens a connection to `addr`: a [`SocketAddr`], `"host:port"` (names
    /// are resolved off the calling thread), or anything else
    /// [`ToSocketAddrs`] accepts. Each resolved address is tried in turn; the
    /// last error is returned if none accepts (e.g. `ConnectionRefused`).
    ///
    /// Cancel safety: no. Dropping it abandons the attempt: a socket whose
    /// handshake was under way is closed, and a later `connect` starts over.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let handle = current_handle()?;
        let addrs = resolve(addr).await?;
        try_each(addrs, |addr| Self::connect_addr(&handle, addr)).await
    }

    async fn connect_addr(handle: &ReactorHandle, addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = mio::net::TcpStream::connect(addr)?;
        let stream = TcpStream::from_mio(handle, socket)?;
        let io = stream.io.get_ref();
        wait_connected(
            stream.io.registration(),
            || io.take_error(),
            || io.peer_addr().map(drop),
        )
        .await?;
        Ok(stream)
    }

    pub(crate) fn from_mio(
        handle: &ReactorHandle,
        stream: mio::net::TcpStream,
    ) -> io::Result<Self> {
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        Ok(TcpStream {
            io: PollEvented::new_with_handle(handle, stream, interest)?,
        })
    }

    /// Wraps a connected stream from `std`, switching it to non-blocking mode.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: PollEvented::new(mio::net::TcpStream::from_std(stream))?,
        })
    }

    /// Deregisters the stream and hands it back as a `std` stream in
    /// blocking mode.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        let stream = std::net::TcpStream::from(self.io.into_inner()?);
        stream.set_nonblocking(false)?;
        Ok(stream)
    }

    /// The local address of this connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm when `true`).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes closing the stream
    /// reset the connection (the peer sees `ConnectionReset`).
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// The `SO_LINGER` option.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        socket2::SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets the `IP_TTL` option.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `IP_TTL` option.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Shuts down the read, write or both directions (as in `std`): after
    /// `Shutdown::Write` the peer reads end-of-stream, and this side can
    /// still read.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Receives data without removing it from the queue: the next read
    /// returns it again. Waits until some data (or end-of-stream) arrives.
    ///
    /// Cancel safety: yes: it takes nothing.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Read, |io| io.peek(buf)).await
    }

    /// Waits until the stream may be readable (a read may still find
    /// nothing and return `WouldBlock` from [`try_read`](Self::try_read)).
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
    /// `TcpStream::split(&mut stream)`.
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
    /// (`net::impls`, the split halves, `compat`).
    pub(crate) fn evented(&self) -> &PollEvented<mio::net::TcpStream> {
        &self.io
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl_as_fd!(TcpStream);

impl_futures_io!(TcpStream, |this| this);
impl_futures_io!(&TcpStream, |this| *this);

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
