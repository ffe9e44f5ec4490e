//! Files and directories (`runtime::fs`), on the runtime's blocking pool.
//!
//! Operating systems offer no readiness-based file I/O, so every call here
//! runs the matching `std::fs` call on the blocking pool
//! ([`spawn_blocking`](runtime_core::scheduler::spawn_blocking)) and awaits
//! it; a worker thread never blocks on a disk. asyncio has no file API:
//! this is what `await asyncio.to_thread(open(...).read)` or `aiofiles` do.
//!
//! * the free functions mirror `std::fs`: [`read`], [`write`](write()), [`copy`],
//!   [`create_dir_all`], [`metadata`], ...; [`read_dir`] gives a
//!   [`ReadDir`] stream of [`DirEntry`]s;
//! * [`File`] implements [`AsyncRead`](futures_io::AsyncRead),
//!   [`AsyncWrite`](futures_io::AsyncWrite) and
//!   [`AsyncSeek`](futures_io::AsyncSeek) (the extension methods are in
//!   [`crate::io`]); [`OpenOptions`] opens one with other settings.
//!
//! ```
//! use runtime_io::fs;
//!
//! # runtime_core::scheduler::run(async {
//! let dir = std::env::temp_dir().join(format!("runtime-doc-fs-{}", std::process::id()));
//! fs::create_dir_all(dir.join("logs")).await?;
//! fs::write(dir.join("logs/today.txt"), "started\n").await?;
//! assert_eq!(fs::read_to_string(dir.join("logs/today.txt")).await?, "started\n");
//! assert!(fs::metadata(dir.join("logs")).await?.is_dir());
//! fs::remove_dir_all(&dir).await?;
//! assert!(!fs::try_exists(&dir).await?);
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```
//!
//! # Errors
//!
//! An error keeps `std`'s [`ErrorKind`](std::io::ErrorKind) (a missing file
//! is `NotFound`, a directory where a file is expected `IsADirectory`...),
//! and its message names the function and the path:
//! ``runtime::fs::read `/tmp/x/missing.txt`: No such file or directory (os
//! error 2)``. `std`'s original error, with its `raw_os_error()`, is the
//! error's [`source`](std::error::Error::source). Called outside a runtime,
//! every function returns an error saying so (nothing panics); a call still
//! queued when its runtime shuts down returns an error saying that.
//!
//! # Cancellation
//!
//! A blocking call cannot be interrupted: dropping one of these futures
//! after its first poll lets the `std` call run to its end on the blocking
//! pool, and only its result is thrown away. So calls that only look
//! (read, metadata, ...) are cancel safe, and calls that change something
//! are not: once started, the change happens or fails whether or not
//! anyone still awaits it. Each function says which it is.

mod blocking;
mod file;
mod file_state;
mod open_options;
mod read_dir;

use std::io;
use std::path::{Path, PathBuf};

pub use file::File;
pub use open_options::OpenOptions;
pub use read_dir::{read_dir, DirEntry, ReadDir};
pub use std::fs::{FileType, Metadata, Permissions};

use blocking::{run_on, run_on_two};

/// Reads a whole file into a `Vec` (`std::fs::read`).
///
/// Cancel safety: yes (the read may still finish on the blocking pool; its
/// bytes are dropped).
///
/// ```
/// # runtime_core::scheduler::run(async {
/// let path = std::env::temp_dir().join(format!("runtime-doc-read-{}", std::process::id()));
/// runtime_io::fs::write(&path, [1, 2, 3]).await?;
/// assert_eq!(runtime_io::fs::read(&path).await?, [1, 2, 3]);
/// runtime_io::fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    one_path("runtime::fs::read", path, std::fs::read).await
}

/// Reads a whole UTF-8 file into a `String` (`std::fs::read_to_string`);
/// invalid UTF-8 is an `InvalidData` error.
///
/// Cancel safety: yes, as [`read`].
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    one_path("runtime::fs::read_to_string", path, std::fs::read_to_string).await
}

/// Creates or truncates a file and writes `contents` to it
/// (`std::fs::write`). The bytes are copied once, to move them to the
/// blocking pool.
///
/// Cancel safety: no: once started, the write runs to its end even if the
/// future is dropped, and the caller cannot tell whether it succeeded.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    let p = path.clone();
    run_on("runtime::fs::write", &path, move || {
        std::fs::write(p, contents)
    })
    .await
}

/// Copies a file's contents and permissions; returns the bytes copied
/// (`std::fs::copy`).
///
/// Cancel safety: no, as [`write`](write()).
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    let (f, t) = (from.clone(), to.clone());
    run_on_two("runtime::fs::copy", &from, &to, move || std::fs::copy(f, t)).await
}

/// Renames a file or directory, replacing `to` if it is a file
/// (`std::fs::rename`).
///
/// Cancel safety: no, as [`write`](write()).
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    let (f, t) = (from.clone(), to.clone());
    run_on_two("runtime::fs::rename", &from, &to, move || {
        std::fs::rename(f, t)
    })
    .await
}

/// Creates a hard link `link` to `original` (`std::fs::hard_link`).
///
/// Cancel safety: no, as [`write`](write()).
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    let (f, t) = (from.clone(), to.clone());
    run_on_two("runtime::fs::hard_link", &from, &to, move || {
        std::fs::hard_link(f, t)
    })
    .await
}

/// Creates a symbolic link `link` pointing at `original`
/// (`std::os::unix::fs::symlink`).
///
/// Cancel safety: no, as [`write`](write()).
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    let (f, t) = (from.clone(), to.clone());
    run_on_two("runtime::fs::symlink", &from, &to, move || {
        std::os::unix::fs::symlink(f, t)
    })
    .await
}

/// Removes a file (`std::fs::remove_file`); a directory is an error.
///
/// Cancel safety: no, as [`write`](write()).
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    one_path("runtime::fs::remove_file", path, std::fs::remove_file).await
}

/// Removes an empty directory (`std::fs::remove_dir`).
///
/// Cancel safety: no, as [`write`](write()).
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    one_path("runtime::fs::remove_dir", path, std::fs::remove_dir).await
}

/// Removes a directory and everything in it (`std::fs::remove_dir_all`).
/// Symbolic links inside are removed, not followed.
///
/// Cancel safety: no, as [`write`](write()) (a dropped call may leave the tree half
/// removed, as an interrupted `rm -r` does).
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    one_path("runtime::fs::remove_dir_all", path, std::fs::remove_dir_all).await
}

/// Creates a directory; its parent must exist (`std::fs::create_dir`).
///
/// Cancel safety: no, as [`write`](write()).
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    one_path("runtime::fs::create_dir", path, std::fs::create_dir).await
}

/// Creates a directory and every missing parent; a directory that already
/// exists is not an error (`std::fs::create_dir_all`).
///
/// Cancel safety: no, as [`write`](write()).
///
/// ```
/// # runtime_core::scheduler::run(async {
/// let root = std::env::temp_dir().join(format!("runtime-doc-mkdir-{}", std::process::id()));
/// runtime_io::fs::create_dir_all(root.join("a/b/c")).await?;
/// runtime_io::fs::create_dir_all(root.join("a/b/c")).await?; // again: fine
/// assert!(runtime_io::fs::metadata(root.join("a/b/c")).await?.is_dir());
/// runtime_io::fs::remove_dir_all(&root).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    one_path("runtime::fs::create_dir_all", path, std::fs::create_dir_all).await
}

/// A path's metadata, following symbolic links (`std::fs::metadata`).
///
/// Cancel safety: yes.
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    one_path("runtime::fs::metadata", path, std::fs::metadata).await
}

/// A path's metadata, not following a final symbolic link
/// (`std::fs::symlink_metadata`).
///
/// Cancel safety: yes.
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    one_path(
        "runtime::fs::symlink_metadata",
        path,
        std::fs::symlink_metadata,
    )
    .await
}

/// The absolute path with every link, `.` and `..` resolved; the path must
/// exist (`std::fs::canonicalize`).
///
/// Cancel safety: yes.
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    one_path("runtime::fs::canonicalize", path, std::fs::canonicalize).await
}

/// Where a symbolic link points (`std::fs::read_link`).
///
/// Cancel safety: yes.
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    one_path("runtime::fs::read_link", path, std::fs::read_link).await
}

/// Changes a path's permissions (`std::fs::set_permissions`).
///
/// Cancel safety: no, as [`write`](write()).
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let p = path.clone();
    run_on("runtime::fs::set_permissions", &path, move || {
        std::fs::set_permissions(p, perm)
    })
    .await
}

/// Whether the path exists: `Ok(false)` if it does not, an error if that
/// cannot be told (e.g. a permission problem on a parent), unlike
/// `Path::exists`, which answers `false` then (`std::fs::exists`).
///
/// Cancel safety: yes.
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    one_path("runtime::fs::try_exists", path, std::fs::exists).await
}

/// Runs a `std::fs` function of one path on the blocking pool.
async fn one_path<T: Send + 'static>(
    what: &'static str,
    path: impl AsRef<Path>,
    f: fn(PathBuf) -> io::Result<T>,
) -> io::Result<T> {
    let path = path.as_ref().to_owned();
    let p = path.clone();
    run_on(what, &path, move || f(p)).await
}
