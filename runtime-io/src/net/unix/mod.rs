//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`].
//!
//! Addresses are `std::os::unix::net::SocketAddr` (a path, or unnamed).

mod datagram;
mod listener;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::{Incoming, UnixListener};
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
