//! runtime-io: the mio reactor, sockets and signals for `runtime`.
//!
//! * [`reactor`]: the mio poll (which the runtime's workers park in, with a
//!   reactor thread as the backstop when no worker drives it) and the
//!   thread-local "current reactor" that sockets register with;
//! * [`net`]: TCP, UDP and Unix sockets (`runtime::net` in the facade);
//! * [`io`]: the `futures-io` traits and their extension methods
//!   (`runtime::io`);
//! * [`signal`]: `ctrl_c()` and Unix signal streams (`runtime::signal`);
//! * [`fs`]: files and directories on the blocking pool (`runtime::fs`);
//! * [`process`]: child processes with async stdio, reaped through the
//!   reactor (`runtime::process`);
//! * [`compat`]: hyper's runtime traits (feature `hyper`) and Tokio's I/O
//!   traits (feature `tokio-io`) for the streams.
//!
//! Unix only (Linux, macOS, the BSDs): the sockets, signals, process
//! reaping and the uninitialised reads go through Unix file descriptors.
//! Elsewhere the crate stops at a `compile_error!` saying so, rather than
//! failing with a page of unresolved `std::os::fd` paths.

#![warn(missing_docs)]

#[cfg(not(unix))]
compile_error!(
    "runtime-io (the `runtime` crate's I/O: sockets, signals, files, processes) supports Unix \
     targets only (Linux, macOS, the BSDs); this target is not one"
);

#[cfg(unix)]
pub mod compat;
#[cfg(unix)]
mod context_error;
#[cfg(unix)]
pub mod fs;
#[cfg(unix)]
pub mod io;
#[cfg(unix)]
pub mod net;
#[cfg(unix)]
pub mod process;
#[cfg(unix)]
pub mod reactor;
#[cfg(unix)]
pub mod signal;
