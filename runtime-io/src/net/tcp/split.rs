//! The halves a [`TcpStream`] splits into.

use std::error::Error;
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;

use super::TcpStream;

/// The reading half of [`TcpStream::split`], borrowing the stream.
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a TcpStream);

/// The writing half of [`TcpStream::split`], borrowing the stream.
/// [`poll_close`](futures_io::AsyncWrite::poll_close) shuts the write direction down.
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a TcpStream);

/// The reading half of [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Arc<TcpStream>,
}

/// The writing half of [`TcpStream::into_split`]. Dropping it shuts the
/// write direction down (the peer reads end-of-stream), unless it is
/// reunited first.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Arc<TcpStream>,
    shutdown_on_drop: bool,
}

pub(super) fn split(stream: &mut TcpStream) -> (ReadHalf<'_>, WriteHalf<'_>) {
    let stream: &TcpStream = stream;
    (ReadHalf(stream), WriteHalf(stream))
}

pub(super) fn split_owned(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let stream = Arc::new(stream);
    let read = OwnedReadHalf {
        stream: Arc::clone(&stream),
    };
    let write = OwnedWriteHalf {
        stream,
        shutdown_on_drop: true,
    };
    (read, write)
}

impl ReadHalf<'_> {
    /// The local address of the stream.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }

    /// Like [`TcpStream::peek`].
    ///
    /// Cancel safety: yes: it takes nothing.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.peek(buf).await
    }
}

impl ReadHalf<'_> {
    pub(crate) fn stream(&self) -> &TcpStream {
        self.0
    }
}

impl OwnedReadHalf {
    pub(crate) fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

impl WriteHalf<'_> {
    /// The local address of the stream.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

impl OwnedReadHalf {
    /// Puts the stream back together with its own write half; hands both
    /// halves back if they come from different streams.
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        let mut write = other;
        write.shutdown_on_drop = false;
        drop(write);
        let stream = Arc::try_unwrap(self.stream)
            .unwrap_or_else(|_| unreachable!("both halves were given, no other owner exists"));
        Ok(stream)
    }

    /// The local address of the stream.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Like [`TcpStream::peek`].
    ///
    /// Cancel safety: yes: it takes nothing.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.peek(buf).await
    }

    /// Like [`TcpStream::readable`].
    ///
    /// Cancel safety: yes: it takes nothing.
    pub async fn readable(&self) -> io::Result<()> {
        self.stream.readable().await
    }
}

impl OwnedWriteHalf {
    /// Like [`OwnedReadHalf::reunite`].
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        other.reunite(self)
    }

    /// The local address of the stream.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Like [`TcpStream::writable`].
    ///
    /// Cancel safety: yes: it writes nothing.
    pub async fn writable(&self) -> io::Result<()> {
        self.stream.writable().await
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone already (NotConnected): nothing to report.
            let _ = self.stream.shutdown(Shutdown::Write);
        }
    }
}

/// Both halves handed back by a failed `reunite`: they belong to different
/// streams.
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Debug for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same TcpStream")
    }
}

impl Error for ReuniteError {}

// Only the direction each half is for is implemented.
impl_futures_read!(ReadHalf<'_>, |this| this.0);
impl_futures_read!(OwnedReadHalf, |this| &*this.stream);
impl_futures_write!(WriteHalf<'_>, |this| this.0);
impl_futures_write!(OwnedWriteHalf, |this| &*this.stream);
