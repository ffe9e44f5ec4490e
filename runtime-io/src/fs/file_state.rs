//! The state machine behind [`File`](super::File)'s poll methods.
//!
//! A file is either **idle**, holding its buffer, or **busy**: one blocking
//! job (a read, a write, a seek, or a `set_len` / `sync_*` call) is in
//! flight on the blocking pool and owns the buffer and a clone of the
//! `Arc<std::fs::File>` until it hands both back. Only one job is ever in
//! flight, so the `std` file's position is only moved by one thread at a
//! time and the operations happen in the order they were issued.
//!
//! * **read**: idle with unread bytes in the buffer: copy them out, no job.
//!   Idle and empty: start a job that reads up to `min(len, max_buf_size)`
//!   bytes into the buffer, wait for it, copy out. A read job's result is
//!   kept in the buffer even if the reader went away, so the next read gets
//!   those bytes (nothing read is lost).
//! * **write**: copy up to `max_buf_size` bytes of the caller's data into
//!   the buffer, start a job that writes them all (`write_all`), and return
//!   `Ready(n)` at once: the write is *in flight* and finishes in the
//!   background. If unread read-ahead bytes were in the buffer, the `std`
//!   file's position is past the caller's logical position by that many
//!   bytes, so the job first seeks back by that amount.
//! * **flush**: wait for the job in flight; return its write error, if any.
//! * **seek**: wait for the job in flight (a write in flight completes
//!   first), then start a seek job (again correcting a `Current` offset by
//!   the unread bytes, which are dropped) and wait for it. `poll_seek` may
//!   be abandoned while its job runs; the position it asked for is kept in
//!   `seek_target`, and a later `poll_seek` for another position waits for
//!   that stale job and then starts its own.
//! * Any operation that finds a job in flight waits for it first. A read
//!   thus sees the bytes of every write issued before it.
//!
//! A write job's error cannot be returned by the `poll_write` that started
//! it (that call already returned `Ready(n)`). Whoever meets it first
//! returns it: the next `poll_write` or `poll_flush` (and `sync_all`,
//! `sync_data`, `set_len`); a read or seek that meets it keeps it in
//! `last_write_err` for them. Dropping the file with a job in flight
//! detaches the job: it still runs to its end on the blocking pool (a
//! write's error is then lost).
//!
//! All of this runs under `&mut Inner` (a poll method's `Pin<&mut File>`,
//! or the async mutex of the `&self` methods), so there is no concurrent
//! protocol here: the hand-off with the blocking thread is the job's
//! `Task`, whose result carries the buffer back.

use std::fs::File as StdFile;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use runtime_core::task::Task;

use super::blocking::{join_error, spawn};

/// The largest read or write a single job does (2 MiB).
pub(super) const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

pub(super) struct Inner {
    state: State,
    /// A write job's error not yet returned to anyone.
    last_write_err: Option<io::Error>,
    /// The position the seek job in flight was started for.
    seek_target: Option<SeekFrom>,
}

enum State {
    Idle(Buf),
    Busy(Task<(Operation, Buf)>),
}

/// What a finished job did.
enum Operation {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
    /// `set_len`, `sync_all`, `sync_data`, `set_permissions`.
    Other(io::Result<()>),
    /// The job was cancelled (its runtime shut down before it ran).
    Lost(io::Error),
}

impl Inner {
    pub(super) fn new() -> Inner {
        Inner {
            state: State::Idle(Buf::default()),
            last_write_err: None,
            seek_target: None,
        }
    }

    /// Idle with no unread bytes: the `std` file's position is the
    /// caller's.
    pub(super) fn is_clean(&self) -> bool {
        matches!(&self.state, State::Idle(buf) if buf.is_empty())
    }

    /// The write error nobody has been told of yet.
    pub(super) fn take_write_error(&mut self) -> Option<io::Error> {
        self.last_write_err.take()
    }

    /// Waits for the job in flight, if any; afterwards the state is idle.
    fn poll_busy(&mut self, cx: &mut Context<'_>) -> Poll<Option<Operation>> {
        let State::Busy(task) = &mut self.state else {
            return Poll::Ready(None);
        };
        let (op, buf) = match ready!(Pin::new(task).poll(cx)) {
            Ok(done) => done,
            Err(err) => (
                Operation::Lost(join_error("runtime::fs::File", err)),
                Buf::default(),
            ),
        };
        self.state = State::Idle(buf);
        if matches!(op, Operation::Seek(_)) {
            // Whoever meets a seek's result ends that seek.
            self.seek_target = None;
        }
        Poll::Ready(Some(op))
    }

    /// The idle state's buffer, taken out to move into a job.
    fn take_buf(&mut self) -> Buf {
        match &mut self.state {
            State::Idle(buf) => std::mem::take(buf),
            State::Busy(_) => unreachable!("take_buf while a job is in flight"),
        }
    }

    /// Starts `job` with the buffer; `Err` outside a runtime.
    fn start(
        &mut self,
        what: &str,
        buf: Buf,
        job: impl FnOnce(Buf) -> (Operation, Buf) + Send + 'static,
    ) -> io::Result<()> {
        match spawn(what, move || job(buf)) {
            Ok(task) => {
                self.state = State::Busy(task);
                Ok(())
            }
            // The buffer moved into the closure that was never run; an
            // empty one replaces it (only read-ahead bytes are in it).
            Err(err) => {
                self.state = State::Idle(Buf::default());
                Err(err)
            }
        }
    }

    pub(super) fn poll_read(
        &mut self,
        std: &Arc<StdFile>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
        max_buf_size: usize,
    ) -> Poll<io::Result<usize>> {
        if dst.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            match ready!(self.poll_busy(cx)) {
                Some(Operation::Read(Ok(_))) => {
                    // Fewer bytes than asked, or none at the end of file.
                    let State::Idle(buf) = &mut self.state else {
                        unreachable!()
                    };
                    return Poll::Ready(Ok(buf.copy_to(dst)));
                }
                Some(Operation::Read(Err(err)) | Operation::Lost(err)) => {
                    return Poll::Ready(Err(err));
                }
                Some(Operation::Write(Err(err))) => self.last_write_err = Some(err),
                Some(_) => {}
                None => {
                    let State::Idle(buf) = &mut self.state else {
                        unreachable!()
                    };
                    if !buf.is_empty() {
                        return Poll::Ready(Ok(buf.copy_to(dst)));
                    }
                    let buf = self.take_buf();
                    let len = dst.len().min(max_buf_size);
                    let std = Arc::clone(std);
                    let started =
                        self.start("runtime::fs::File::poll_read", buf, move |mut buf| {
                            let result = buf.read_from(&mut &*std, len);
                            (Operation::Read(result), buf)
                        });
                    if let Err(err) = started {
                        return Poll::Ready(Err(err));
                    }
                }
            }
        }
    }

    pub(super) fn poll_write(
        &mut self,
        std: &Arc<StdFile>,
        cx: &mut Context<'_>,
        src: &[u8],
        max_buf_size: usize,
    ) -> Poll<io::Result<usize>> {
        if let Some(err) = self.last_write_err.take() {
            return Poll::Ready(Err(err));
        }
        loop {
            match ready!(self.poll_busy(cx)) {
                Some(Operation::Write(Err(err)) | Operation::Lost(err)) => {
                    return Poll::Ready(Err(err));
                }
                // A finished read leaves its bytes buffered: the seek back
                // below accounts for them.
                Some(_) => {}
                None => {
                    if src.is_empty() {
                        return Poll::Ready(Ok(0));
                    }
                    let mut buf = self.take_buf();
                    let seek = buf.unread_offset();
                    let n = buf.copy_from(src, max_buf_size);
                    let std = Arc::clone(std);
                    let started =
                        self.start("runtime::fs::File::poll_write", buf, move |mut buf| {
                            let mut file = &*std;
                            let result = match seek {
                                Some(back) => file.seek(back).and_then(|_| buf.write_to(&mut file)),
                                None => buf.write_to(&mut file),
                            };
                            (Operation::Write(result), buf)
                        });
                    return Poll::Ready(started.map(|()| n));
                }
            }
        }
    }

    /// Waits for the job in flight and returns a write error, if any.
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(err) = self.last_write_err.take() {
            return Poll::Ready(Err(err));
        }
        match ready!(self.poll_busy(cx)) {
            Some(Operation::Write(Err(err)) | Operation::Lost(err)) => Poll::Ready(Err(err)),
            _ => Poll::Ready(Ok(())),
        }
    }

    /// Waits for the job in flight; a write error is kept for later.
    pub(super) fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(Operation::Write(Err(err)) | Operation::Lost(err)) = ready!(self.poll_busy(cx))
        {
            self.last_write_err = Some(err);
        }
        Poll::Ready(())
    }

    pub(super) fn poll_seek(
        &mut self,
        std: &Arc<StdFile>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        loop {
            let target = self.seek_target;
            match ready!(self.poll_busy(cx)) {
                Some(Operation::Seek(result)) if target == Some(pos) => return Poll::Ready(result),
                Some(Operation::Lost(err)) => return Poll::Ready(Err(err)),
                Some(Operation::Write(Err(err))) => self.last_write_err = Some(err),
                // A stale seek (its poll_seek went away), a read whose
                // bytes the seek drops, a write that had to finish first.
                Some(_) => {}
                None => {
                    let mut buf = self.take_buf();
                    let mut to = pos;
                    if let (Some(SeekFrom::Current(back)), SeekFrom::Current(n)) =
                        (buf.unread_offset(), pos)
                    {
                        to = SeekFrom::Current(n.saturating_add(back));
                    }
                    buf.clear();
                    let std = Arc::clone(std);
                    let started = self.start("runtime::fs::File::poll_seek", buf, move |buf| {
                        (Operation::Seek((&*std).seek(to)), buf)
                    });
                    if let Err(err) = started {
                        return Poll::Ready(Err(err));
                    }
                    self.seek_target = Some(pos);
                }
            }
        }
    }

    /// Runs `op` as a job after the one in flight (whose write error it
    /// returns instead), first moving the `std` file back over unread
    /// read-ahead bytes, and waits for it. Dropped midway, the job stays
    /// in flight and the next operation waits for it.
    pub(super) async fn run_other(
        &mut self,
        std: &Arc<StdFile>,
        what: &str,
        op: impl FnOnce(&StdFile) -> io::Result<()> + Send + 'static,
    ) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_flush(cx)).await?;
        let mut buf = self.take_buf();
        let seek = buf.unread_offset();
        buf.clear();
        let std = Arc::clone(std);
        self.start(what, buf, move |buf| {
            let file = &*std;
            let result = match seek {
                Some(back) => (&mut &*file).seek(back).and_then(|_| op(file)),
                None => op(file),
            };
            (Operation::Other(result), buf)
        })?;
        match std::future::poll_fn(|cx| self.poll_busy(cx)).await {
            Some(Operation::Other(result)) => result,
            Some(Operation::Lost(err)) => Err(err),
            _ => unreachable!("run_other waits for its own job"),
        }
    }
}

/// The bytes a job reads into or writes from; `pos` is how far the caller
/// has consumed read-ahead bytes.
#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
}

impl Buf {
    /// No unread bytes.
    fn is_empty(&self) -> bool {
        self.pos == self.data.len()
    }

    fn clear(&mut self) {
        self.data.clear();
        self.pos = 0;
    }

    /// The seek that moves the file back over the unread bytes (which
    /// the caller drops), if there are any.
    fn unread_offset(&self) -> Option<SeekFrom> {
        let unread = self.data.len() - self.pos;
        (unread > 0).then(|| SeekFrom::Current(-(unread as i64)))
    }

    fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = (self.data.len() - self.pos).min(dst.len());
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if self.is_empty() {
            self.clear();
        }
        n
    }

    fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        self.clear();
        let n = src.len().min(max);
        self.data.extend_from_slice(&src[..n]);
        n
    }

    fn read_from(&mut self, file: &mut &StdFile, len: usize) -> io::Result<usize> {
        self.clear();
        self.data.resize(len, 0);
        let result = loop {
            match file.read(&mut self.data) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.data.truncate(*result.as_ref().unwrap_or(&0));
        result
    }

    fn write_to(&mut self, file: &mut &StdFile) -> io::Result<()> {
        let result = file.write_all(&self.data[self.pos..]);
        self.clear();
        result
    }
}
