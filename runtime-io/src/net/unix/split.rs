//! The halves a [`UnixStream`] splits into (`net::split` has the shared
//! definition).

use super::{SocketAddr, UnixStream};

split_halves!(UnixStream, SocketAddr);
