//! A mio source together with its registration.

use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::task::{Context, Poll};

use super::{current_handle, Direction, ReactorHandle, Registration};

/// Owns a mio source registered with a reactor. Dropping it deregisters the
/// source, closes it and frees its registration.
#[derive(Debug)]
pub(crate) struct PollEvented<E: mio::event::Source> {
    /// `Some` until dropped or taken by [`into_inner`](Self::into_inner).
    io: Option<E>,
    registration: Registration,
}

impl<E: mio::event::Source> PollEvented<E> {
    /// Registers `io` for reading and writing with the current reactor.
    pub(crate) fn new(io: E) -> io::Result<Self> {
        Self::new_with_interest(io, mio::Interest::READABLE | mio::Interest::WRITABLE)
    }

    /// Registers `io` with the current reactor.
    pub(crate) fn new_with_interest(io: E, interest: mio::Interest) -> io::Result<Self> {
        Self::new_with_handle(&current_handle()?, io, interest)
    }

    /// Registers `io` with the reactor of `handle`.
    pub(crate) fn new_with_handle(
        handle: &ReactorHandle,
        mut io: E,
        interest: mio::Interest,
    ) -> io::Result<Self> {
        let registration = Registration::new(handle, &mut io, interest)?;
        Ok(PollEvented {
            io: Some(io),
            registration,
        })
    }

    pub(crate) fn get_ref(&self) -> &E {
        self.io.as_ref().expect("PollEvented source taken")
    }

    /// The source and the registration, borrowed separately (for sources
    /// whose operations need `&mut`).
    pub(crate) fn parts_mut(&mut self) -> (&mut E, &Registration) {
        (
            self.io.as_mut().expect("PollEvented source taken"),
            &self.registration,
        )
    }

    pub(crate) fn registration(&self) -> &Registration {
        &self.registration
    }

    /// Deregisters the source and hands it back.
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        let mut io = self.io.take().expect("PollEvented source taken");
        self.registration.deregister(&mut io)?;
        Ok(io)
    }

    /// Waits until the source may be readable (or is closed / failed).
    pub(crate) async fn readable(&self) -> io::Result<()> {
        self.registration.ready(Direction::Read).await.map(drop)
    }

    /// Waits until the source may be writable (or is closed / failed).
    pub(crate) async fn writable(&self) -> io::Result<()> {
        self.registration.ready(Direction::Write).await.map(drop)
    }

    /// Waits until the source is ready in `direction` and runs `op` on it,
    /// again after each `WouldBlock` (which clears the readiness first):
    /// the `async fn` form of every socket method that is one system call
    /// (`recv`, `send_to`, `accept`, `peek`, ...). One unit of the task's
    /// cooperative budget is spent first.
    pub(crate) async fn async_io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.get_ref();
        self.registration.async_io(direction, || op(io)).await
    }
}

impl<E> PollEvented<E>
where
    E: mio::event::Source,
    for<'a> &'a E: Read + Write,
{
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        let len = buf.len();
        self.registration
            .poll_read_stream(cx, len, || Read::read(&mut &*io, buf))
    }

    pub(crate) fn poll_read_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        let len = bufs.iter().map(|buf| buf.len()).sum();
        self.registration
            .poll_read_stream(cx, len, || Read::read_vectored(&mut &*io, bufs))
    }

    /// Like [`poll_read`](Self::poll_read), into a buffer that need not be
    /// initialised: on `Ok(n)` the first `n` elements of `buf` have been
    /// written by the kernel (and are therefore initialised).
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>
    where
        E: AsRawFd,
    {
        let fd = self.get_ref().as_raw_fd();
        let len = buf.len();
        self.registration.poll_read_stream(cx, len, || {
            // `buf` is a live, exclusively borrowed region of `len` bytes
            // (`MaybeUninit<u8>` has the layout of `u8`), so the kernel may
            // write anywhere in it; read(2) writes at most `len` bytes there
            // and touches no other memory. Writing to uninitialised memory
            // is allowed; nothing here reads it. `fd` is the source's
            // descriptor, open for as long as `self` is borrowed.
            // SAFETY: so read(2) writes only into memory it may write.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), len) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        })
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        self.registration
            .poll_io(cx, Direction::Write, || Write::write(&mut &*io, buf))
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        self.registration.poll_io(cx, Direction::Write, || {
            Write::write_vectored(&mut &*io, bufs)
        })
    }

    /// Reads without waiting: `WouldBlock` if no data is known to be ready.
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let io = self.get_ref();
        self.registration
            .try_io(Direction::Read, || Read::read(&mut &*io, buf))
    }

    /// Writes without waiting: `WouldBlock` if the socket is not known to be
    /// writable.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        let io = self.get_ref();
        self.registration
            .try_io(Direction::Write, || Write::write(&mut &*io, buf))
    }
}

impl<E: mio::event::Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            // Fails harmlessly once the reactor is gone; closing the
            // descriptor (dropping `io`) removes it from the poll anyway.
            let _ = self.registration.deregister(&mut io);
        }
        // `registration` is dropped next and frees the table slot.
    }
}
