//! Bridges to other crates' I/O traits.
//!
//! * [`ReadUninit`]: reading into a buffer that need not be initialised,
//!   which both bridges build on (always available);
//! * `hyper` (cargo feature `hyper`): hyper 1.x's runtime traits
//!   (`hyper::rt::{Read, Write, Executor, Timer}`), `runtime::hyper` in the
//!   facade;
//! * cargo feature `tokio-io`: `tokio::io::AsyncRead` and `AsyncWrite` for
//!   the streams and their split halves, with no Tokio runtime.

#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "tokio-io")]
mod tokio_io;

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::net::{tcp, unix, TcpStream, UnixStream};

mod sealed {
    pub trait Sealed {}
}

/// A stream that reads straight into uninitialised memory: hyper's and
/// Tokio's read buffers are handed to the kernel as they are, with no
/// zero-fill before each read (what a bridge over `futures_io::AsyncRead`,
/// which takes `&mut [u8]`, has to do).
///
/// Implemented for [`TcpStream`], [`UnixStream`] (and references to them)
/// and the TCP read halves. The trait is sealed: callers rely on its
/// promise (below) for soundness, so only this crate implements it.
pub trait ReadUninit: sealed::Sealed {
    /// Reads what is available into `buf`, waiting for readiness like
    /// `AsyncRead::poll_read` (and with the same waker rules).
    ///
    /// On `Ready(Ok(n))`, `n <= buf.len()` and the first `n` elements of
    /// `buf` have been initialised (written by the kernel); no element is
    /// ever read or de-initialised. `Ok(0)` with a non-empty `buf` is end
    /// of stream.
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
}

macro_rules! impl_read_uninit {
    ($ty:ty, |$this:ident| $stream:expr) => {
        impl sealed::Sealed for $ty {}

        impl ReadUninit for $ty {
            fn poll_read_uninit(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [MaybeUninit<u8>],
            ) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                $stream.evented().poll_read_uninit(cx, buf)
            }
        }
    };
}

impl_read_uninit!(TcpStream, |this| this);
impl_read_uninit!(&TcpStream, |this| *this);
impl_read_uninit!(tcp::ReadHalf<'_>, |this| this.stream());
impl_read_uninit!(tcp::OwnedReadHalf, |this| this.stream());
impl_read_uninit!(UnixStream, |this| this);
impl_read_uninit!(&UnixStream, |this| *this);
impl_read_uninit!(unix::ReadHalf<'_>, |this| this.stream());
impl_read_uninit!(unix::OwnedReadHalf, |this| this.stream());
