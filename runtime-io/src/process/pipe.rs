//! The child's piped stdin, stdout and stderr: non-blocking pipes
//! registered with the reactor, like sockets.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use mio::unix::pipe::{Receiver, Sender};

use crate::reactor::{current_handle, Direction, PollEvented, ReactorHandle};

/// The writing end of a child's stdin ([`AsyncWrite`]).
///
/// Dropping it, or [`close`](crate::io::AsyncWriteExt::close), closes the
/// pipe: the child reads end of file. Writing after the child closed its
/// end (or exited) fails with [`BrokenPipe`](io::ErrorKind::BrokenPipe).
///
/// Cancel safety of the write futures: yes (`write` writes all or nothing
/// of what it reports; `write_all` may have written a prefix).
pub struct ChildStdin {
    /// `None` once closed by `poll_close`.
    io: Option<PollEvented<Sender>>,
}

/// The reading end of a child's stdout ([`AsyncRead`]); end of file once
/// the child (and every process it shares the pipe with) closed it.
///
/// Cancel safety of the read futures: yes (`read` consumes only what it
/// returns).
pub struct ChildStdout {
    io: PollEvented<Receiver>,
}

/// The reading end of a child's stderr ([`AsyncRead`]); as
/// [`ChildStdout`].
pub struct ChildStderr {
    io: PollEvented<Receiver>,
}

impl ChildStdin {
    pub(crate) fn new(handle: &ReactorHandle, std: std::process::ChildStdin) -> io::Result<Self> {
        let pipe = Sender::from(std);
        pipe.set_nonblocking(true)?;
        let io = PollEvented::new_with_handle(handle, pipe, mio::Interest::WRITABLE)?;
        Ok(ChildStdin { io: Some(io) })
    }

    /// Wraps a `std` child's stdin with the current runtime's reactor.
    pub fn from_std(std: std::process::ChildStdin) -> io::Result<Self> {
        ChildStdin::new(&current_handle()?, std)
    }

    fn open(&self) -> io::Result<&PollEvented<Sender>> {
        self.io.as_ref().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "runtime::process::ChildStdin: the pipe was closed with close()",
            )
        })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let io = self.open()?;
        let pipe = io.get_ref();
        io.registration()
            .poll_io(cx, Direction::Write, || (&mut &*pipe).write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let io = self.open()?;
        let pipe = io.get_ref();
        io.registration()
            .poll_io(cx, Direction::Write, || (&mut &*pipe).write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closes the pipe (the child reads end of file).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io = None;
        Poll::Ready(Ok(()))
    }
}

macro_rules! reader {
    ($ty:ident, $std:ty, $what:literal) => {
        impl $ty {
            pub(crate) fn new(handle: &ReactorHandle, std: $std) -> io::Result<Self> {
                let pipe = Receiver::from(std);
                pipe.set_nonblocking(true)?;
                let io = PollEvented::new_with_handle(handle, pipe, mio::Interest::READABLE)?;
                Ok($ty { io })
            }

            #[doc = concat!("Wraps a `std` child's ", $what, " with the current runtime's reactor.")]
            pub fn from_std(std: $std) -> io::Result<Self> {
                $ty::new(&current_handle()?, std)
            }
        }

        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                let pipe = self.io.get_ref();
                self.io
                    .registration()
                    .poll_io(cx, Direction::Read, || (&mut &*pipe).read(buf))
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [io::IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                let pipe = self.io.get_ref();
                self.io
                    .registration()
                    .poll_io(cx, Direction::Read, || (&mut &*pipe).read_vectored(bufs))
            }
        }

        /// The pipe as another command's stdio (`a | b`): deregistered
        /// and switched back to blocking mode.
        impl TryFrom<$ty> for Stdio {
            type Error = io::Error;

            fn try_from(pipe: $ty) -> io::Result<Stdio> {
                let pipe = pipe.io.into_inner()?;
                pipe.set_nonblocking(false)?;
                Ok(Stdio::from(OwnedFd::from(pipe)))
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.as_raw_fd())
                    .finish()
            }
        }
    };
}

reader!(ChildStdout, std::process::ChildStdout, "stdout");
reader!(ChildStderr, std::process::ChildStderr, "stderr");

/// The pipe as another command's stdin: deregistered and switched back to
/// blocking mode. Fails if it was closed.
impl TryFrom<ChildStdin> for Stdio {
    type Error = io::Error;

    fn try_from(mut pipe: ChildStdin) -> io::Result<Stdio> {
        pipe.open()?;
        let io = pipe.io.take().expect("checked by open()");
        let pipe = io.into_inner()?;
        pipe.set_nonblocking(false)?;
        Ok(Stdio::from(OwnedFd::from(pipe)))
    }
}

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fd = self.io.as_ref().map(|io| io.get_ref().as_raw_fd());
        f.debug_struct("ChildStdin").field("fd", &fd).finish()
    }
}
