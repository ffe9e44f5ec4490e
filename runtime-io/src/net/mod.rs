//! Asynchronous TCP, UDP and Unix sockets (`runtime::net`).
//!
//! Sockets register with the reactor of the runtime they are created in:
//! constructors (`bind`, `connect`, `from_std`, `pair`) called outside a
//! runtime return an [`io::Error`](std::io::Error) saying so, and every
//! operation fails once that runtime's reactor has shut down.
//!
//! Streams implement [`AsyncRead`](futures_io::AsyncRead) and
//! [`AsyncWrite`](futures_io::AsyncWrite); the extension methods are in
//! [`crate::io`]. Every read, write and accept first spends one unit of the
//! task's cooperative budget, so a socket that is always ready still lets
//! the other tasks of its worker run.
//!
//! ```
//! use runtime_io::io::{AsyncReadExt, AsyncWriteExt};
//! use runtime_io::net::{TcpListener, TcpStream};
//! use runtime_io::reactor::{self, Reactor};
//!
//! let reactor = Reactor::start("doc-reactor".into(), None)?;
//! let _enter = reactor::enter(reactor.handle());
//! futures_executor::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let mut client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (mut server, _peer) = listener.accept().await?;
//!     client.write_all(b"ping").await?;
//!     let mut buf = [0; 4];
//!     server.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"ping");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

#[macro_use]
mod impls;
#[macro_use]
mod split;

mod addr;
mod connect;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::ToSocketAddrs;
pub use tcp::{TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};
