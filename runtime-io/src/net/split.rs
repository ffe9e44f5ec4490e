//! The halves a stream splits into, for every stream type: `split`
//! (borrowed halves for two futures of one task) and `into_split` (owned
//! halves that move to different tasks and `reunite`).
//!
//! [`split_halves!`] stamps out the four half types and `ReuniteError` in
//! the stream's own module (`net::tcp`, `net::unix`), with the stream's
//! address type, as Tokio's `tokio::net::tcp` and `tokio::net::unix` have
//! them. Reads and writes forward through `net::impls`; a type-specific
//! method (TCP's `peek`) is added beside the invocation.

/// Defines `ReadHalf<'a>`, `WriteHalf<'a>`, `OwnedReadHalf`,
/// `OwnedWriteHalf` and `ReuniteError` for `$stream` (whose addresses are
/// `$addr`), plus the crate-private `split` / `split_owned` its `split` and
/// `into_split` call.
macro_rules! split_halves {
    ($stream:ident, $addr:ty) => {
        #[doc = concat!("The reading half of [`", stringify!($stream), "::split`], borrowing the stream.")]
        #[derive(Debug)]
        pub struct ReadHalf<'a>(&'a $stream);

        #[doc = concat!("The writing half of [`", stringify!($stream), "::split`], borrowing the stream.")]
        /// [`poll_close`](futures_io::AsyncWrite::poll_close) shuts the write
        /// direction down.
        #[derive(Debug)]
        pub struct WriteHalf<'a>(&'a $stream);

        #[doc = concat!("The reading half of [`", stringify!($stream), "::into_split`].")]
        #[derive(Debug)]
        pub struct OwnedReadHalf {
            stream: std::sync::Arc<$stream>,
        }

        #[doc = concat!("The writing half of [`", stringify!($stream), "::into_split`].")]
        /// Dropping it shuts the write direction down (the peer reads
        /// end-of-stream), unless it is reunited first.
        #[derive(Debug)]
        pub struct OwnedWriteHalf {
            stream: std::sync::Arc<$stream>,
            shutdown_on_drop: bool,
        }

        pub(super) fn split(stream: &mut $stream) -> (ReadHalf<'_>, WriteHalf<'_>) {
            let stream: &$stream = stream;
            (ReadHalf(stream), WriteHalf(stream))
        }

        pub(super) fn split_owned(stream: $stream) -> (OwnedReadHalf, OwnedWriteHalf) {
            let stream = std::sync::Arc::new(stream);
            let read = OwnedReadHalf {
                stream: std::sync::Arc::clone(&stream),
            };
            let write = OwnedWriteHalf {
                stream,
                shutdown_on_drop: true,
            };
            (read, write)
        }

        impl ReadHalf<'_> {
            /// The local address of the stream.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.0.local_addr()
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.0.peer_addr()
            }

            pub(crate) fn stream(&self) -> &$stream {
                self.0
            }
        }

        impl WriteHalf<'_> {
            /// The local address of the stream.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.0.local_addr()
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.0.peer_addr()
            }
        }

        impl OwnedReadHalf {
            /// Puts the stream back together with its own write half; hands
            /// both halves back if they come from different streams.
            pub fn reunite(self, other: OwnedWriteHalf) -> Result<$stream, ReuniteError> {
                if !std::sync::Arc::ptr_eq(&self.stream, &other.stream) {
                    return Err(ReuniteError(self, other));
                }
                let mut write = other;
                write.shutdown_on_drop = false;
                drop(write);
                let stream = std::sync::Arc::try_unwrap(self.stream).unwrap_or_else(|_| {
                    unreachable!("both halves were given, no other owner exists")
                });
                Ok(stream)
            }

            /// The local address of the stream.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.stream.local_addr()
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.stream.peer_addr()
            }

            #[doc = concat!("Like [`", stringify!($stream), "::readable`].")]
            ///
            /// Cancel safety: yes: it takes nothing.
            pub async fn readable(&self) -> std::io::Result<()> {
                self.stream.readable().await
            }

            pub(crate) fn stream(&self) -> &$stream {
                &self.stream
            }
        }

        impl OwnedWriteHalf {
            /// Like [`OwnedReadHalf::reunite`].
            pub fn reunite(self, other: OwnedReadHalf) -> Result<$stream, ReuniteError> {
                other.reunite(self)
            }

            /// The local address of the stream.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.stream.local_addr()
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.stream.peer_addr()
            }

            #[doc = concat!("Like [`", stringify!($stream), "::writable`].")]
            ///
            /// Cancel safety: yes: it writes nothing.
            pub async fn writable(&self) -> std::io::Result<()> {
                self.stream.writable().await
            }
        }

        impl Drop for OwnedWriteHalf {
            fn drop(&mut self) {
                if self.shutdown_on_drop {
                    // The peer may be gone already (NotConnected): nothing to
                    // report.
                    let _ = self.stream.shutdown(std::net::Shutdown::Write);
                }
            }
        }

        /// Both halves handed back by a failed `reunite`: they belong to
        /// different streams.
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl std::fmt::Debug for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("ReuniteError(..)")
            }
        }

        impl std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(
                    "tried to reunite halves that are not from the same ",
                    stringify!($stream)
                ))
            }
        }

        impl std::error::Error for ReuniteError {}

        // Only the direction each half is for is implemented.
        impl_futures_read!(ReadHalf<'_>, |this| this.0);
        impl_futures_read!(OwnedReadHalf, |this| &*this.stream);
        impl_futures_write!(WriteHalf<'_>, |this| this.0);
        impl_futures_write!(OwnedWriteHalf, |this| &*this.stream);
    };
}
