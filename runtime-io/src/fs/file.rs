//! [`File`]: an open file whose I/O runs on the blocking pool.

use std::fmt;
use std::fs::File as StdFile;
use std::future::poll_fn;
use std::io::{self, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};
use runtime_core::sync::Mutex;

use super::blocking::run;
use super::file_state::{Inner, DEFAULT_MAX_BUF_SIZE};
use super::{Metadata, OpenOptions, Permissions};

/// An open file, read and written from tasks: [`AsyncRead`],
/// [`AsyncWrite`] and [`AsyncSeek`] (use the extension methods of
/// [`crate::io`]: `read_to_end`, `write_all`, `seek`...).
///
/// Each read, write or seek is a job on the runtime's blocking pool; one
/// job is in flight at a time, and operations happen in the order they
/// were issued. What that means for a caller, as with Tokio's `File`:
///
/// * **Writes are buffered**: `write` copies the data (up to 2 MiB, see
///   [`set_max_buf_size`](Self::set_max_buf_size)) and returns at once; the
///   bytes reach the OS in the background. [`flush`] waits for them and
///   returns their error, if any; call it (or [`sync_all`](Self::sync_all))
///   before relying on the data being written.
/// * **A read after a write** waits for the write first, so it sees the
///   written bytes; so do a seek, `set_len`, `sync_all`, `sync_data` and
///   `metadata`.
/// * **Reads read ahead** up to the caller's buffer size; a later write or
///   seek accounts for bytes read ahead but not consumed, so positions are
///   the caller's, never the read-ahead's.
/// * **Dropping a `File` with a write in flight** does not lose the write:
///   it completes in the background on the blocking pool (and then the
///   file is closed), but its error, if any, is lost; and if the runtime
///   shuts down before a blocking thread took the job, the job is dropped.
///   Flush before dropping to know.
/// * A write error met by a read or a seek (whose callers did not write)
///   is kept and returned by the next write, flush, `sync_*` or `set_len`.
///
/// The `&self` methods ([`metadata`](Self::metadata),
/// [`sync_all`](Self::sync_all)...) take an async lock on the file's state
/// and may be called from several tasks (share the `File` in an `Arc`).
///
/// Tokio's `AsyncRead`/`AsyncWrite` traits: not implemented here. The
/// facade's `tokio-io` feature (runtime-io/src/compat/tokio_io.rs, when it
/// lands) adds them for sockets; `File` can get them the same way.
///
/// ```
/// use runtime_io::fs::File;
/// use runtime_io::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, SeekFrom};
///
/// # runtime_core::scheduler::run(async {
/// let path = std::env::temp_dir().join(format!("runtime-doc-file-{}", std::process::id()));
/// let mut file = File::options().read(true).write(true).create(true).truncate(true)
///     .open(&path).await?;
/// file.write_all(b"hello, file").await?;
/// file.seek(SeekFrom::Start(7)).await?; // waits for the write
/// let mut rest = String::new();
/// file.read_to_string(&mut rest).await?;
/// assert_eq!(rest, "file");
/// file.sync_all().await?;
/// assert_eq!(file.metadata().await?.len(), 11);
/// drop(file);
/// runtime_io::fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// [`flush`]: crate::io::AsyncWriteExt::flush
pub struct File {
    std: Arc<StdFile>,
    /// Boxed: the async mutex is a few cache lines, and a `File` is moved
    /// around (`try_into_std` hands it back by value).
    inner: Box<Mutex<Inner>>,
    max_buf_size: usize,
}

impl File {
    /// Opens a file for reading (`std::fs::File::open`).
    ///
    /// Errors keep `std`'s kind (`NotFound`...) and name the path.
    ///
    /// Cancel safety: yes (the file may still be opened on the blocking
    /// pool; it is closed again).
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating it or truncating it
    /// (`std::fs::File::create`).
    ///
    /// Cancel safety: no: the file may be created or truncated anyway.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a new file for reading and writing, failing with
    /// `AlreadyExists` if it exists (`std::fs::File::create_new`).
    ///
    /// Cancel safety: no, as [`create`](Self::create).
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// A builder with every option off; see [`OpenOptions`].
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open `std` file (no blocking call; works outside a
    /// runtime, the file's operations then need one).
    pub fn from_std(std: StdFile) -> File {
        File {
            std: Arc::new(std),
            inner: Box::new(Mutex::new(Inner::new())),
            max_buf_size: DEFAULT_MAX_BUF_SIZE,
        }
    }

    /// Waits for the operation in flight and returns the `std` file, at the
    /// caller's position (read-ahead bytes are given back with a seek).
    /// A pending write's error is dropped: [`flush`] first to see it.
    ///
    /// Cancel safety: yes, but the `File` is gone with the future.
    ///
    /// [`flush`]: crate::io::AsyncWriteExt::flush
    pub async fn into_std(mut self) -> StdFile {
        let inner = self.inner.get_mut();
        poll_fn(|cx| inner.poll_idle(cx)).await;
        drop(inner.take_write_error());
        if !inner.is_clean() {
            // Best effort, as documented: only the position is at stake.
            let _ = inner
                .run_other(&self.std, "runtime::fs::File::into_std", |_| Ok(()))
                .await;
        }
        self.into_std_now()
    }

    /// The `std` file, if no operation is in flight and no read-ahead
    /// bytes are buffered; else the `File` back.
    pub fn try_into_std(mut self) -> Result<StdFile, File> {
        if self.inner.get_mut().is_clean() {
            Ok(self.into_std_now())
        } else {
            Err(self)
        }
    }

    fn into_std_now(self) -> StdFile {
        Arc::try_unwrap(self.std)
            .expect("runtime::fs::File: no job holds the file once the state is idle")
    }

    /// The file's metadata (`std::fs::File::metadata`), after the
    /// operation in flight.
    ///
    /// Cancel safety: yes.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let _idle = self.idle().await;
        let std = Arc::clone(&self.std);
        run("runtime::fs::File::metadata", move || std.metadata()).await
    }

    /// A second `File` for the same open file description (shared
    /// position; `std::fs::File::try_clone`).
    ///
    /// Cancel safety: yes.
    pub async fn try_clone(&self) -> io::Result<File> {
        let _idle = self.idle().await;
        let std = Arc::clone(&self.std);
        let clone = run("runtime::fs::File::try_clone", move || std.try_clone()).await?;
        Ok(File::from_std(clone))
    }

    /// Truncates or extends the file to `size` bytes; the position does
    /// not move (`std::fs::File::set_len`). Waits for a write in flight
    /// first and returns its error, if it failed.
    ///
    /// Cancel safety: no: once started, the change happens anyway.
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner
            .run_other(&self.std, "runtime::fs::File::set_len", move |f| {
                f.set_len(size)
            })
            .await
    }

    /// Flushes every write, then makes data and metadata durable
    /// (`fsync`; `std::fs::File::sync_all`). Returns a failed write's error.
    ///
    /// Cancel safety: yes (the sync may still run; running it again is
    /// harmless).
    pub async fn sync_all(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner
            .run_other(&self.std, "runtime::fs::File::sync_all", StdFile::sync_all)
            .await
    }

    /// As [`sync_all`](Self::sync_all) but without metadata that reading
    /// the data does not need (`fdatasync`).
    ///
    /// Cancel safety: yes, as `sync_all`.
    pub async fn sync_data(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner
            .run_other(
                &self.std,
                "runtime::fs::File::sync_data",
                StdFile::sync_data,
            )
            .await
    }

    /// Changes the file's permissions (`std::fs::File::set_permissions`).
    ///
    /// Cancel safety: no: once started, the change happens anyway.
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner
            .run_other(&self.std, "runtime::fs::File::set_permissions", move |f| {
                f.set_permissions(perm)
            })
            .await
    }

    /// The most bytes one read or write job moves (default 2 MiB): a
    /// larger `write` is accepted in part, a larger `read` filled in part.
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        self.max_buf_size = max_buf_size.max(1);
    }

    /// The lock on the state, once no job is in flight.
    async fn idle(&self) -> runtime_core::sync::MutexGuard<'_, Inner> {
        let mut inner = self.inner.lock().await;
        poll_fn(|cx| inner.poll_idle(cx)).await;
        inner
    }

    /// The file and the state, for the poll methods.
    fn parts(self: Pin<&mut Self>) -> (&Arc<StdFile>, &mut Inner, usize) {
        let this = self.get_mut();
        (&this.std, this.inner.get_mut(), this.max_buf_size)
    }
}

/// Cancel safety: yes: bytes a read job brought in are kept for the next
/// read if the caller goes away.
impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let (std, inner, max) = self.parts();
        inner.poll_read(std, cx, buf, max)
    }
}

/// Cancel safety: yes: `poll_write` returns as soon as the data is copied;
/// dropping a `flush` or `close` future leaves the write in flight (a later
/// flush waits for it).
impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (std, inner, max) = self.parts();
        inner.poll_write(std, cx, buf, max)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.parts().1.poll_flush(cx)
    }

    /// Flushes; the file itself is closed when the `File` is dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.parts().1.poll_flush(cx)
    }
}

/// Cancel safety: a seek abandoned midway still moves the position (it
/// already runs on the blocking pool); the next seek waits for it.
impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let (std, inner, _) = self.parts();
        inner.poll_seek(std, cx, pos)
    }
}

impl From<StdFile> for File {
    fn from(std: StdFile) -> File {
        File::from_std(std)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File").field("std", &self.std).finish()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}
