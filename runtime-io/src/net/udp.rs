//! [`UdpSocket`].

use std::fmt;
use std::io;
use std::net::SocketAddr;

use crate::net::addr::{resolve, try_each, ToSocketAddrs};
use crate::reactor::{current_handle, Direction, PollEvented};

/// A UDP socket.
///
/// All methods take `&self`, so one socket (in an `Arc`) can be shared by a
/// sending task and a receiving task, or by several of each.
///
/// ```
/// # use runtime_io::reactor::{self, Reactor};
/// use runtime_io::net::UdpSocket;
/// # let reactor = Reactor::start("doc".into(), None)?;
/// # let _enter = reactor::enter(reactor.handle());
/// # futures_executor::block_on(async {
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind("127.0.0.1:0").await?;
/// a.send_to(b"hi", b.local_addr()?).await?;
/// let mut buf = [0; 8];
/// let (n, from) = b.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"hi"[..], a.local_addr()?));
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr`, trying each resolved address in turn.
    ///
    /// Cancel safety: yes. Nothing is bound until it returns (a name lookup
    /// already running on the blocking pool finishes and is discarded).
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let handle = current_handle()?;
        let addrs = resolve(addr).await?;
        try_each(addrs, |addr| {
            let handle = handle.clone();
            async move {
                let socket = mio::net::UdpSocket::bind(addr)?;
                let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
                let io = PollEvented::new_with_handle(&handle, socket, interest)?;
                Ok(UdpSocket { io })
            }
        })
        .await
    }

    /// Wraps a socket from `std`, switching it to non-blocking mode.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: PollEvented::new(mio::net::UdpSocket::from_std(socket))?,
        })
    }

    /// Sets the default destination of [`send`](Self::send) and the only
    /// source [`recv`](Self::recv) accepts (the first resolved address that
    /// works).
    ///
    /// Cancel safety: yes. A UDP connect only sets the default peer; if
    /// dropped during the name lookup, the peer is unchanged.
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let addrs = resolve(addr).await?;
        try_each(addrs, |addr| async move { self.io.get_ref().connect(addr) }).await
    }

    /// Sends a datagram to the connected peer.
    ///
    /// Cancel safety: yes. The datagram is sent in one system call when the
    /// socket is ready; a dropped `send` sent nothing.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Write, |io| io.send(buf)).await
    }

    /// Receives a datagram from the connected peer; a datagram longer than
    /// `buf` is truncated.
    ///
    /// Cancel safety: yes. A datagram is taken in one system call when one is
    /// there; a dropped `recv` received nothing (the datagram stays queued).
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Read, |io| io.recv(buf)).await
    }

    /// Sends a datagram to `target` (its first resolved address).
    ///
    /// Cancel safety: yes, as [`send`](Self::send).
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = resolve(target).await?[0];
        self.io
            .async_io(Direction::Write, |io| io.send_to(buf, target))
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

    /// Like [`recv_from`](Self::recv_from), but leaves the datagram queued.
    ///
    /// Cancel safety: yes: it takes nothing.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Direction::Read, |io| io.peek_from(buf))
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

    /// The local address of this socket.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `SO_BROADCAST`.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets the `IP_TTL` option.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `IP_TTL` option.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl_as_fd!(UdpSocket);
