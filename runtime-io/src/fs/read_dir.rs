//! [`read_dir`]: a directory's entries as a stream.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use runtime_core::task::Task;

use super::blocking::{join_error, run, run_on, spawn};
use super::{FileType, Metadata};
use crate::context_error::with_context;

/// Entries listed per blocking job: one job per call would cost a thread
/// hand-off per entry, one for the whole directory would hold a blocking
/// thread for as long as a huge directory takes.
const CHUNK: usize = 32;

/// Opens a directory for listing (`std::fs::read_dir`).
///
/// The entries come in the order the OS gives them, without `.` and `..`;
/// get them with [`ReadDir::next_entry`] or as a
/// [`Stream`](futures_core::Stream) of `io::Result<DirEntry>`. Errors as
/// `std`'s, with the path in the message: `NotFound`, `NotADirectory` for a
/// file.
///
/// Cancel safety: yes.
///
/// ```
/// use runtime_io::fs;
///
/// # runtime_core::scheduler::run(async {
/// let dir = std::env::temp_dir().join(format!("runtime-doc-read-dir-{}", std::process::id()));
/// fs::create_dir_all(&dir).await?;
/// for name in ["b.txt", "a.txt"] {
///     fs::write(dir.join(name), name).await?;
/// }
/// let mut names = Vec::new();
/// let mut entries = fs::read_dir(&dir).await?;
/// while let Some(entry) = entries.next_entry().await? {
///     assert!(entry.file_type().await?.is_file());
///     names.push(entry.file_name().into_string().unwrap());
/// }
/// names.sort();
/// assert_eq!(names, ["a.txt", "b.txt"]);
/// fs::remove_dir_all(&dir).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let p = path.clone();
    let std = run_on("runtime::fs::read_dir", &path, move || std::fs::read_dir(p)).await?;
    Ok(ReadDir {
        path: Arc::new(path),
        state: State::Idle(Chunk {
            entries: VecDeque::new(),
            rest: Some(std),
        }),
    })
}

/// A directory being listed; see [`read_dir`].
///
/// Entries are read 32 at a time by a job on the blocking pool. An
/// error reading one entry is returned for that entry and the listing goes
/// on.
pub struct ReadDir {
    path: Arc<PathBuf>,
    state: State,
}

enum State {
    Idle(Chunk),
    Busy(Task<Chunk>),
}

/// Entries read ahead, and the `std` iterator unless it is exhausted.
struct Chunk {
    entries: VecDeque<io::Result<DirEntry>>,
    rest: Option<std::fs::ReadDir>,
}

impl ReadDir {
    /// The next entry, or `None` once every entry was returned.
    ///
    /// Cancel safety: yes: entries read by a job whose caller went away
    /// are kept for the next call.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Poll-style [`next_entry`](Self::next_entry).
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Busy(task) => {
                    let chunk = match ready!(Pin::new(task).poll(cx)) {
                        Ok(chunk) => chunk,
                        Err(err) => {
                            self.state = State::Idle(Chunk {
                                entries: VecDeque::new(),
                                rest: None,
                            });
                            return Poll::Ready(Err(join_error("runtime::fs::ReadDir", err)));
                        }
                    };
                    self.state = State::Idle(chunk);
                }
                State::Idle(chunk) => {
                    if let Some(entry) = chunk.entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    let Some(mut rest) = chunk.rest.take() else {
                        return Poll::Ready(Ok(None));
                    };
                    let mut entries = std::mem::take(&mut chunk.entries);
                    let path = Arc::clone(&self.path);
                    let job = move || {
                        for _ in 0..CHUNK {
                            match rest.next() {
                                Some(entry) => entries.push_back(DirEntry::read(entry, &path)),
                                None => {
                                    return Chunk {
                                        entries,
                                        rest: None,
                                    }
                                }
                            }
                        }
                        Chunk {
                            entries,
                            rest: Some(rest),
                        }
                    };
                    match spawn("runtime::fs::ReadDir::next_entry", job) {
                        Ok(task) => self.state = State::Busy(task),
                        Err(err) => return Poll::Ready(Err(err)),
                    }
                }
            }
        }
    }
}

/// Cancel safety: as [`ReadDir::next_entry`].
impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx).map(Result::transpose)
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir").field("path", &self.path).finish()
    }
}

/// One entry of a [`ReadDir`].
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read with the entry when the OS gave it for free (`d_type`).
    file_type: Option<FileType>,
}

impl DirEntry {
    fn read(entry: io::Result<std::fs::DirEntry>, dir: &Path) -> io::Result<DirEntry> {
        let std = entry.map_err(|err| {
            with_context(err, format!("runtime::fs::read_dir `{}`", dir.display()))
        })?;
        let file_type = std.file_type().ok();
        Ok(DirEntry {
            std: Arc::new(std),
            file_type,
        })
    }

    /// The entry's full path: the directory's path joined with
    /// [`file_name`](Self::file_name).
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name within its directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number.
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }

    /// The entry's metadata, not following a symbolic link
    /// (`std::fs::DirEntry::metadata`).
    ///
    /// Cancel safety: yes.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = Arc::clone(&self.std);
        run("runtime::fs::DirEntry::metadata", move || std.metadata()).await
    }

    /// The entry's type, not following a symbolic link: usually known
    /// from the listing itself, else read on the blocking pool.
    ///
    /// Cancel safety: yes.
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = Arc::clone(&self.std);
        run("runtime::fs::DirEntry::file_type", move || std.file_type()).await
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirEntry")
            .field("path", &self.path())
            .finish()
    }
}
