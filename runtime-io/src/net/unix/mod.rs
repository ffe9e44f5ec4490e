//! Unix domain sockets: [`UnixListener`], [`UnixStream`] and the halves it
//! splits into, [`UnixDatagram`].
//!
//! Addresses are `std::os::unix::net::SocketAddr` (a path, or unnamed).

mod datagram;
mod listener;
mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::{Incoming, UnixListener};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
