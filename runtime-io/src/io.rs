//! Asynchronous I/O traits and helpers (`runtime::io`).
//!
//! The traits are the ecosystem's: [`AsyncRead`], [`AsyncWrite`],
//! [`AsyncBufRead`] and [`AsyncSeek`] from `futures-io`. The extension
//! traits ([`AsyncReadExt`], [`AsyncWriteExt`], ...) and the adapters
//! ([`BufReader`], [`BufWriter`], [`copy`], ...) are `futures-util`'s, so any
//! type implementing the traits (ours or another crate's) gets them.
//!
//! ```
//! use runtime_io::io::{AsyncReadExt, AsyncWriteExt, Cursor};
//!
//! futures_executor::block_on(async {
//!     let mut out = Cursor::new(Vec::new());
//!     out.write_all(b"hello").await?;
//!     let mut text = String::new();
//!     Cursor::new(out.into_inner()).read_to_string(&mut text).await?;
//!     assert_eq!(text, "hello");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_util::io::{
    copy, copy_buf, empty, repeat, sink, AllowStdIo, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt,
    AsyncWriteExt, BufReader, BufWriter, Chain, Cursor, Empty, LineWriter, Lines, ReadHalf, Repeat,
    ReuniteError, Sink, Take, WriteHalf,
};
pub use std::io::{Error, ErrorKind, IoSlice, IoSliceMut, Result, SeekFrom};
