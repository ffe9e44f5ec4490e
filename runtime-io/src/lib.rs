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

#![warn(missing_docs)]

pub mod compat;
mod context_error;
pub mod fs;
pub mod io;
pub mod net;
pub mod process;
pub mod reactor;
pub mod signal;
