//! The one home of the trait impls the socket types share: the futures-io
//! [`AsyncRead`](futures_io::AsyncRead) /
//! [`AsyncWrite`](futures_io::AsyncWrite) forwarding of every stream to its
//! registered socket (`PollEvented`), the write-direction shutdown behind
//! `poll_close`, and `AsFd` for every socket.
//!
//! A stream type (`TcpStream`, `UnixStream`) exposes its registered socket
//! with a crate-private `evented()` accessor; the macros below then
//! implement the traits for the stream, for `&stream`, and for split halves,
//! given an expression that reaches the stream from `self`. The Tokio and
//! hyper adapters (`crate::compat`) forward through the same accessor, so a
//! fix to a read or write path is made once, in `PollEvented`.

/// Implements `futures_io::AsyncRead` for `$ty`, reaching the stream
/// through `$stream` (an expression over `$this: &mut $ty`).
macro_rules! impl_futures_read {
    ($ty:ty, |$this:ident| $stream:expr) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = self.get_mut();
                $stream.evented().poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = self.get_mut();
                $stream.evented().poll_read_vectored(cx, bufs)
            }
        }
    };
}

/// Implements `futures_io::AsyncWrite` for `$ty`, reaching the stream
/// through `$stream`. Writes go straight to the socket (`poll_flush` has
/// nothing to do); `poll_close` shuts the write direction down.
macro_rules! impl_futures_write {
    ($ty:ty, |$this:ident| $stream:expr) => {
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = self.get_mut();
                $stream.evented().poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = self.get_mut();
                $stream.evented().poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = self.get_mut();
                std::task::Poll::Ready($crate::net::impls::shutdown_write($stream))
            }
        }
    };
}

/// Both directions: `impl_futures_read!` and `impl_futures_write!`.
macro_rules! impl_futures_io {
    ($ty:ty, |$this:ident| $stream:expr) => {
        impl_futures_read!($ty, |$this| $stream);
        impl_futures_write!($ty, |$this| $stream);
    };
}

/// Implements `AsFd` for socket types whose registered socket is the field
/// `io` (a `PollEvented`).
macro_rules! impl_as_fd {
    ($($ty:ty),* $(,)?) => {$(
        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }
    )*};
}

/// Shuts the write direction of a stream down for `poll_close` /
/// `poll_shutdown`. `NotConnected` means the peer has already reset the
/// connection, so there is nothing left to shut down: that is success (as
/// in Tokio), not an error for the caller to log.
pub(crate) fn shutdown_write(stream: &impl ShutdownWrite) -> std::io::Result<()> {
    match stream.shutdown_write() {
        Err(err) if err.kind() == std::io::ErrorKind::NotConnected => Ok(()),
        other => other,
    }
}

/// The streams whose write direction [`shutdown_write`] shuts down.
pub(crate) trait ShutdownWrite {
    fn shutdown_write(&self) -> std::io::Result<()>;
}

impl ShutdownWrite for super::TcpStream {
    fn shutdown_write(&self) -> std::io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

impl ShutdownWrite for super::UnixStream {
    fn shutdown_write(&self) -> std::io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

/// The accept queue a TCP listener asks the kernel for (`listen(2)`'s
/// backlog), as Tokio's listeners do. mio's TCP `bind` asks for 128 (std's
/// value): a burst of more connects than that before the accept loop
/// catches up overflows the queue, and each connect beyond it waits for the
/// client's SYN retransmission, a second later. The kernel caps it at
/// `net.core.somaxconn`. (mio's Unix `bind` already asks for the kernel's
/// maximum, so Unix listeners are left as they are.)
pub(crate) const LISTEN_BACKLOG: i32 = 1024;

/// Sets a bound listener's backlog to [`LISTEN_BACKLOG`]: `listen` on a
/// socket already listening changes its backlog and nothing else.
pub(crate) fn widen_backlog(listener: &impl std::os::fd::AsFd) -> std::io::Result<()> {
    socket2::SockRef::from(listener).listen(LISTEN_BACKLOG)
}
