//! hyper 1.x on this runtime (`runtime::hyper`, cargo feature `hyper`).
//!
//! hyper is runtime-agnostic: it asks for its I/O through `hyper::rt::Read`
//! and `hyper::rt::Write`, for spawning through `hyper::rt::Executor` and for
//! timers through `hyper::rt::Timer`. This module implements the three:
//!
//! * [`Io`] wraps one of our streams ([`TcpStream`](crate::net::TcpStream),
//!   [`UnixStream`](crate::net::UnixStream), a TCP read half) and reads
//!   straight into hyper's uninitialised buffer (no zero-fill per read);
//!   [`FuturesIo`] wraps any other `futures-io` stream (a TLS stream from
//!   futures-rustls, say), initialising the buffer the way hyper allows;
//! * [`Executor`] spawns hyper's background tasks (HTTP/2 streams and
//!   connections) on the current runtime;
//! * [`Timer`] gives hyper sleeps on the runtime's timer wheel (header-read
//!   timeouts, keep-alive pings).
//!
//! The facade's `runtime::hyper` docs and README show a whole server; `docs/ecosystem.md` lists
//! what else works.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;

use super::ReadUninit;

/// `new`, `inner`, `inner_mut` and `into_inner` of an adapter holding its
/// stream in the field `inner`.
macro_rules! impl_wrapper {
    ($ty:ident) => {
        impl<T> $ty<T> {
            /// Wraps `inner` for hyper.
            pub fn new(inner: T) -> $ty<T> {
                $ty { inner }
            }

            /// The wrapped stream.
            pub fn inner(&self) -> &T {
                &self.inner
            }

            /// The wrapped stream, mutably.
            pub fn inner_mut(&mut self) -> &mut T {
                &mut self.inner
            }

            /// Unwraps the stream.
            pub fn into_inner(self) -> T {
                self.inner
            }
        }
    };
}

/// One of our streams as hyper's `Read` + `Write`.
///
/// Reads go into hyper's buffer as it is (see [`ReadUninit`]); writes,
/// vectored writes (one `writev`), flush and shutdown go to the stream's
/// `futures_io::AsyncWrite`. `poll_shutdown` shuts the write direction down;
/// a peer that already reset the connection counts as shut down.
#[derive(Debug)]
pub struct Io<T> {
    inner: T,
}

impl_wrapper!(Io);

impl<T: ReadUninit + Unpin> hyper::rt::Read for Io<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // `as_mut` requires that no initialised byte be de-initialised. The
        // slice goes only to `poll_read_uninit`, whose contract (a sealed
        // trait, implemented in this crate only) is to never read or
        // de-initialise an element: the kernel only writes.
        // SAFETY: so nothing de-initialises a byte, as `as_mut` requires.
        let unfilled = unsafe { buf.as_mut() };
        let n = ready!(Pin::new(&mut self.get_mut().inner).poll_read_uninit(cx, unfilled))?;
        // `advance(n)` requires the next `n` bytes to be initialised:
        // `poll_read_uninit` returned `Ok(n)`, so by its contract the first
        // `n` elements of `unfilled` (the cursor's next `n` bytes) were
        // written by the read, and `n <= unfilled.len()`.
        // SAFETY: those `n` bytes are initialised, as `advance` requires.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

/// The write half of both adapters: `futures_io::AsyncWrite` as hyper's
/// `Write`.
macro_rules! impl_hyper_write {
    ($ty:ident, $vectored:expr) => {
        impl<T: AsyncWrite + Unpin> hyper::rt::Write for $ty<T> {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                $vectored
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut self.get_mut().inner).poll_flush(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut self.get_mut().inner).poll_close(cx)
            }
        }
    };
}

// Our streams write a vector of buffers in one `writev`. (hyper only uses
// `Io` for writing through this impl; a non-vectored `AsyncWrite` wrapped
// in `Io` still works, it writes the first buffer per call.)
impl_hyper_write!(Io, true);

/// Any `futures-io` stream as hyper's `Read` + `Write` (a TLS stream from
/// futures-rustls or async-tls, an in-memory duplex...).
///
/// `futures_io::AsyncRead` takes an initialised `&mut [u8]`, so each read
/// first zeroes the part of hyper's buffer that was never initialised
/// (`ReadBufCursor::initialize_unfilled`). For our own sockets use [`Io`],
/// which skips that.
#[derive(Debug)]
pub struct FuturesIo<T> {
    inner: T,
}

impl_wrapper!(FuturesIo);

impl<T: AsyncRead + Unpin> hyper::rt::Read for FuturesIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        let n = ready!(Pin::new(&mut self.get_mut().inner).poll_read(cx, unfilled))?;
        assert!(
            n <= unfilled.len(),
            "AsyncRead::poll_read reported more bytes than the buffer holds"
        );
        // SAFETY: the whole unfilled part was initialised by
        // `initialize_unfilled` above, and `n` is within it (asserted).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

// A generic `futures_io::AsyncWrite` may not implement vectored writes
// (the default writes the first buffer only): let hyper flatten instead.
impl_hyper_write!(FuturesIo, false);

/// hyper's `Executor`: spawns each future as a task on the current runtime
/// (named `hyper`, so it shows in `all_tasks()` and task dumps). hyper's
/// HTTP/2 server and client need one (`http2::Builder::new(Executor)`).
///
/// # Panics
///
/// `execute` panics outside a runtime, as [`runtime::spawn`] does; hyper
/// calls it from the connection's own task, which runs on the runtime.
///
/// [`runtime::spawn`]: runtime_core::scheduler::spawn
#[derive(Debug, Default, Clone, Copy)]
pub struct Executor;

impl<F> hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        // Dropping the handle detaches the task: it runs to completion.
        drop(runtime_core::task::Builder::new().name("hyper").spawn(fut));
    }
}

/// hyper's `Timer`: sleeps on the runtime's timer wheel. Give it to the
/// builders (`http1::Builder::new().timer(Timer)`) to enable hyper's
/// timeouts, such as `header_read_timeout` (which hyper's HTTP/1 server
/// turns on by default and which needs a timer).
///
/// # Panics
///
/// `sleep` and `sleep_until` panic outside a runtime, as
/// `runtime::time::sleep` does.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timer;

impl hyper::rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(Sleep(runtime_core::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(Sleep(runtime_core::time::sleep_until(deadline)))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        // Ours: move the entry in the wheel rather than allocating anew.
        match sleep.as_mut().downcast_mut_pin::<Sleep>() {
            Some(mut ours) => ours.0.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// `runtime::time::Sleep` as hyper's `Sleep`.
struct Sleep(runtime_core::time::Sleep);

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().0).poll(cx)
    }
}

impl hyper::rt::Sleep for Sleep {}
