//! `tokio::io::AsyncRead` / `AsyncWrite` for the streams (cargo feature
//! `tokio-io`), so crates written against Tokio's I/O traits (tokio-util
//! codecs, tokio-rustls, tonic's transport) run over our sockets. Only the
//! traits come from Tokio (`tokio` with default features off): no Tokio
//! runtime, reactor or timer is started, so code that calls `tokio::spawn`
//! or `tokio::time` still panics with Tokio's "there is no reactor
//! running" message (docs/ecosystem.md).
//!
//! Reads go straight into Tokio's `ReadBuf` without initialising it first
//! ([`ReadUninit`]); writes and shutdown are the streams' `futures-io`
//! ones (a peer that already reset the connection counts as shut down).

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::AsyncWrite as FuturesWrite;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::ReadUninit;
use crate::net::{tcp, unix, TcpStream, UnixStream};

/// Tokio's `poll_read` over [`ReadUninit`].
fn poll_read_buf<R: ReadUninit + Unpin>(
    reader: &mut R,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    // `unfilled_mut` requires that no initialised byte be de-initialised.
    // The slice goes only to `poll_read_uninit`, whose contract (a sealed
    // trait, implemented in this crate only) is to never read or
    // de-initialise an element.
    // SAFETY: so nothing de-initialises a byte, as `unfilled_mut` requires.
    let unfilled = unsafe { buf.unfilled_mut() };
    let n = ready!(Pin::new(reader).poll_read_uninit(cx, unfilled))?;
    // `assume_init(n)` requires the first `n` unfilled bytes to be
    // initialised: `poll_read_uninit` returned `Ok(n)`, so by its contract
    // the kernel wrote the first `n` elements of `unfilled`, and
    // `n <= unfilled.len()`.
    // SAFETY: those `n` bytes are initialised, as `assume_init` requires.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Poll::Ready(Ok(()))
}

macro_rules! impl_tokio_read {
    ($($ty:ty),*) => {$(
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                poll_read_buf(self.get_mut(), cx, buf)
            }
        }
    )*};
}

macro_rules! impl_tokio_write {
    ($($ty:ty),*) => {$(
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                FuturesWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                FuturesWrite::poll_write_vectored(self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                FuturesWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                FuturesWrite::poll_close(self, cx)
            }
        }
    )*};
}

impl_tokio_read!(
    TcpStream,
    &TcpStream,
    tcp::ReadHalf<'_>,
    tcp::OwnedReadHalf,
    UnixStream,
    &UnixStream,
    unix::ReadHalf<'_>,
    unix::OwnedReadHalf
);
impl_tokio_write!(
    TcpStream,
    &TcpStream,
    tcp::WriteHalf<'_>,
    tcp::OwnedWriteHalf,
    UnixStream,
    &UnixStream,
    unix::WriteHalf<'_>,
    unix::OwnedWriteHalf
);
