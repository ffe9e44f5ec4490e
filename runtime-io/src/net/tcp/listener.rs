//! [`TcpListener`].

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::TcpStream;
use crate::net::addr::{resolve, try_each, ToSocketAddrs};
use crate::reactor::{current_handle, Direction, PollEvented};

/// A TCP socket listening for connections.
///
/// ```
/// # use runtime_io::reactor::{self, Reactor};
/// use runtime_io::net::{TcpListener, TcpStream};
/// # let reactor = Reactor::start("doc".into(), None)?;
/// # let _enter = reactor::enter(reactor.handle());
/// # futures_executor::block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let _client = TcpStream::connect(listener.local_addr()?).await?;
/// let (_stream, peer) = listener.accept().await?;
/// assert!(peer.ip().is_loopback());
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (resolving names off the calling thread), trying each
    /// resolved address in turn; `SO_REUSEADDR` is set, as usual for servers,
    /// and the accept queue holds 1024 connections (as in Tokio; the
    /// kernel caps it at `net.core.somaxconn`).
    ///
    /// Cancel safety: yes. Nothing is bound until it returns (a name lookup
    /// already running on the blocking pool finishes and is discarded).
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let handle = current_handle()?;
        let addrs = resolve(addr).await?;
        try_each(addrs, |addr| {
            let handle = handle.clone();
            async move {
                let listener = mio::net::TcpListener::bind(addr)?;
                crate::net::impls::widen_backlog(&listener)?;
                let io = PollEvented::new_with_handle(&handle, listener, mio::Interest::READABLE)?;
                Ok(TcpListener { io })
            }
        })
        .await
    }

    /// Wraps a listener from `std`, switching it to non-blocking mode.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        let listener = mio::net::TcpListener::from_std(listener);
        let io = PollEvented::new_with_interest(listener, mio::Interest::READABLE)?;
        Ok(TcpListener { io })
    }

    /// Deregisters the listener and hands it back as a `std` listener in
    /// blocking mode.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        let listener = std::net::TcpListener::from(self.io.into_inner()?);
        listener.set_nonblocking(false)?;
        Ok(listener)
    }

    /// Waits for and accepts a connection.
    ///
    /// Errors of the `accept` system call are returned as they are; in
    /// particular running out of descriptors (`EMFILE` / `ENFILE`) is an
    /// error of this call only: the listener stays usable and a later
    /// `accept` succeeds once descriptors are free again (the pending
    /// connection waits in the backlog meanwhile).
    ///
    /// Cancel safety: yes. A connection is taken from the backlog in one
    /// system call when one is there; a dropped `accept` leaves it queued for
    /// the next one.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Direction::Read, |io| io.accept()).await?;
        Ok((self.wrap(stream)?, addr))
    }

    /// Poll-style [`accept`](Self::accept), for hand-written futures and
    /// streams (only the most recent poller is woken).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
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

    fn wrap(&self, stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        let handle = self.io.registration().handle();
        TcpStream::from_mio(handle, stream)
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets the `IP_TTL` option of the listening socket.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `IP_TTL` option of the listening socket.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl_as_fd!(TcpListener);

/// The stream of connections accepted by a [`TcpListener`]; made by
/// [`TcpListener::incoming`].
#[derive(Debug)]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
    }
}
