//! Unix signals as asynchronous events (`runtime::signal`).
//!
//! Signals are caught with `signal-hook` and delivered through the reactor:
//! each listener owns a `signal-hook-mio` source registered like a socket.
//!
//! **Note:** once a signal has been listened for, its default action (for
//! `SIGINT`: terminating the process) is replaced for the rest of the
//! process's life, even after every listener is dropped; a program that
//! awaits [`ctrl_c`] decides itself what Ctrl-C does.
//!
//! ```no_run
//! # use runtime_io::reactor::{self, Reactor};
//! # let reactor = Reactor::start("doc".into(), None)?;
//! # let _enter = reactor::enter(reactor.handle());
//! # futures_executor::block_on(async {
//! runtime_io::signal::ctrl_c().await?;
//! println!("interrupted, shutting down");
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::ffi::c_int;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use signal_hook::consts::signal as sig;
use signal_hook_mio::v1_0::Signals;

use crate::reactor::{Direction, PollEvented};

/// Waits for the next Ctrl-C (`SIGINT`).
///
/// The handler is installed when the returned future is first polled; a
/// `SIGINT` arriving before that is not seen by this call. Errors if called
/// outside a runtime or once the runtime's reactor has shut down.
pub async fn ctrl_c() -> io::Result<()> {
    let mut listener = signal(SignalKind::interrupt())?;
    match listener.recv().await {
        Some(()) => Ok(()),
        None => Err(crate::reactor::shutdown_error()),
    }
}

/// Starts listening for the signal `kind`; see [`Signal`].
///
/// Fails for signals that cannot be caught (`SIGKILL`, `SIGSTOP`) or must not
/// be (`SIGILL`, `SIGFPE`, `SIGSEGV`), for numbers that are no signal, and
/// outside a runtime.
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    // signal-hook panics on these instead of returning an error.
    if kind.0 <= 0 || signal_hook::consts::FORBIDDEN.contains(&kind.0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "runtime::signal: signal {} cannot be listened for (SIGKILL and SIGSTOP \
                 cannot be caught; SIGILL, SIGFPE and SIGSEGV must not be)",
                kind.0
            ),
        ));
    }
    let signals = Signals::new([kind.0])?;
    let io = PollEvented::new_with_interest(signals, mio::Interest::READABLE)?;
    Ok(Signal { kind, io })
}

/// A Unix signal number, e.g. [`SignalKind::interrupt`] for `SIGINT`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SignalKind(c_int);

impl SignalKind {
    /// Any signal, by number.
    pub const fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal number.
    pub const fn as_raw_value(&self) -> i32 {
        self.0
    }

    /// `SIGINT` (Ctrl-C).
    pub const fn interrupt() -> SignalKind {
        SignalKind(sig::SIGINT)
    }

    /// `SIGTERM` (polite termination request).
    pub const fn terminate() -> SignalKind {
        SignalKind(sig::SIGTERM)
    }

    /// `SIGHUP` (terminal hung up; often "reload configuration").
    pub const fn hangup() -> SignalKind {
        SignalKind(sig::SIGHUP)
    }

    /// `SIGQUIT` (Ctrl-\).
    pub const fn quit() -> SignalKind {
        SignalKind(sig::SIGQUIT)
    }

    /// `SIGUSR1`.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(sig::SIGUSR1)
    }

    /// `SIGUSR2`.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(sig::SIGUSR2)
    }

    /// `SIGCHLD` (a child process changed state).
    pub const fn child() -> SignalKind {
        SignalKind(sig::SIGCHLD)
    }

    /// `SIGWINCH` (terminal size changed).
    pub const fn window_change() -> SignalKind {
        SignalKind(sig::SIGWINCH)
    }

    /// `SIGPIPE` (write to a closed pipe).
    pub const fn pipe() -> SignalKind {
        SignalKind(sig::SIGPIPE)
    }

    /// `SIGALRM`.
    pub const fn alarm() -> SignalKind {
        SignalKind(sig::SIGALRM)
    }
}

/// A listener for one kind of signal.
///
/// Deliveries that arrive while nobody waits are remembered, but several of
/// them coalesce into one, as signals do.
pub struct Signal {
    kind: SignalKind,
    io: PollEvented<Signals>,
}

impl Signal {
    /// Waits for the next delivery. `None` once the reactor has shut down
    /// (no more signals will be seen).
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Poll-style [`recv`](Self::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let (signals, registration) = self.io.parts_mut();
        let result = registration.poll_io(cx, Direction::Read, || {
            // Drains the self-pipe; any number of deliveries counts as one.
            if signals.pending().count() > 0 {
                Ok(())
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            }
        });
        result.map(Result::ok)
    }

    /// The signal this listener waits for.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

/// One item per (coalesced) delivery; the stream ends when the reactor shuts
/// down, as [`Signal::recv`] returns `None` then.
impl Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish()
    }
}
