//! [`OpenOptions`]: `std::fs::OpenOptions` whose `open` is async.

use std::io;
use std::path::Path;

use super::blocking::run_on;
use super::File;

/// How to open a file: read, write, append, truncate, create... (the same
/// builder as `std::fs::OpenOptions`, whose [`open`](Self::open) runs on the
/// blocking pool). Get one with [`File::options`] or [`OpenOptions::new`].
///
/// ```
/// use runtime_io::fs::{self, OpenOptions};
/// use runtime_io::io::AsyncWriteExt;
///
/// # runtime_core::scheduler::run(async {
/// let path = std::env::temp_dir().join(format!("runtime-doc-options-{}", std::process::id()));
/// fs::write(&path, "one\n").await?;
/// let mut log = OpenOptions::new().append(true).open(&path).await?;
/// log.write_all(b"two\n").await?;
/// log.flush().await?; // writes are buffered until flushed
/// assert_eq!(fs::read_to_string(&path).await?, "one\ntwo\n");
///
/// // create_new refuses to replace a file
/// let err = OpenOptions::new().write(true).create_new(true).open(&path).await.unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
/// fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// Every option off (as `std::fs::OpenOptions::new`): set at least
    /// `read`, `write` or `append`.
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing.
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Every write goes to the end of the file (implies `write`).
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Empty an existing file on open (needs `write`).
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs `write` or `append`).
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists
    /// (atomically; needs `write` or `append`).
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// The permission bits a newly created file gets (before the umask;
    /// `std::os::unix::fs::OpenOptionsExt::mode`).
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self
    }

    /// Extra `open(2)` flags, e.g. `libc::O_NOFOLLOW`
    /// (`std::os::unix::fs::OpenOptionsExt::custom_flags`).
    #[cfg(unix)]
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }

    /// Opens `path` with these options.
    ///
    /// Errors as `std`'s `open` does (kind kept, the path in the message):
    /// `NotFound` for a missing file without `create`, `InvalidInput` for
    /// options that make no sense together (no access mode, `truncate`
    /// without `write`).
    ///
    /// Cancel safety: no, if it creates or truncates the file (that still
    /// happens, and the opened file is closed at once); yes otherwise.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let (options, p) = (self.0.clone(), path.clone());
        let std = run_on("runtime::fs::File::open", &path, move || options.open(p)).await?;
        Ok(File::from_std(std))
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}
