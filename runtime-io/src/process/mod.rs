//! Child processes (`runtime::process`): asyncio's
//! `create_subprocess_exec`, with piped stdio as async streams.
//!
//! [`Command`] is `std::process::Command`'s builder whose `spawn` gives a
//! [`Child`] with [`ChildStdin`] ([`AsyncWrite`](futures_io::AsyncWrite)),
//! [`ChildStdout`] and [`ChildStderr`] ([`AsyncRead`](futures_io::AsyncRead)):
//! non-blocking pipes registered with the reactor, like sockets. Waiting
//! for the exit blocks no thread either: the child's pidfd (Linux 5.3+) is
//! registered with the reactor as a readable source, or, where pidfds are
//! missing, a `SIGCHLD` listener is (see [`crate::signal`]). A child
//! dropped without being waited for is reaped in the background, so
//! zombies never accumulate (see [`Child`]); `README.md` beside this file
//! describes the hand-off.
//!
//! ```
//! use runtime_io::process::Command;
//!
//! # let rt = runtime_core::scheduler::Builder::new_current_thread()
//! #     .io_driver(Some(runtime_io::reactor::io_driver_factory()))
//! #     .build()?;
//! # rt.block_on(async {
//! let output = Command::new("echo").arg("hello").output().await?;
//! assert!(output.status.success());
//! assert_eq!(output.stdout, b"hello\n");
//!
//! let status = Command::new("sh").args(["-c", "exit 3"]).status().await?;
//! assert_eq!(status.code(), Some(3));
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Like sockets, processes need a runtime with I/O: outside one, `spawn`
//! returns an error saying so. Errors keep `std`'s kind (a program that
//! does not exist is `NotFound`) and name the program or the pid.

mod child;
mod pipe;
mod reap;
#[cfg(test)]
mod tests;

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;

pub use child::Child;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};

use crate::context_error::with_context;
use crate::reactor::{self, ReactorHandle};
use reap::Reaper;

/// A process builder: program, arguments, environment, working directory
/// and stdio, as `std::process::Command`; [`spawn`](Self::spawn) gives a
/// [`Child`], [`status`](Self::status) and [`output`](Self::output) run it
/// to the end.
///
/// Stdio defaults are `std`'s: `spawn` and `status` inherit all three
/// streams; `output` pipes stdout and stderr and gives stdin `/dev/null`.
/// A stream set with [`stdin`](Self::stdin) / [`stdout`](Self::stdout) /
/// [`stderr`](Self::stderr) is used by every method.
///
/// ```
/// use runtime_io::process::{Command, Stdio};
///
/// # let rt = runtime_core::scheduler::Builder::new_current_thread()
/// #     .io_driver(Some(runtime_io::reactor::io_driver_factory()))
/// #     .build()?;
/// # rt.block_on(async {
/// let out = Command::new("sh")
///     .args(["-c", "echo $GREETING from $(pwd)"])
///     .env("GREETING", "hi")
///     .current_dir("/")
///     .stderr(Stdio::null())
///     .output()
///     .await?;
/// assert_eq!(String::from_utf8_lossy(&out.stdout), "hi from /\n");
///
/// let missing = Command::new("no-such-program-here").spawn().unwrap_err();
/// assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// stdin, stdout, stderr: set by the user, or the default applied.
    stdio: [Choice; 3],
}

/// Who decided a stream's setting.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Choice {
    User,
    /// Not set by the user; `std` currently has this default applied.
    Default(Kind),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Inherit,
    Piped,
    Null,
}

const SPAWN_DEFAULTS: [Kind; 3] = [Kind::Inherit; 3];
const OUTPUT_DEFAULTS: [Kind; 3] = [Kind::Null, Kind::Piped, Kind::Piped];

impl Command {
    /// A command running `program` (searched for in `PATH` if it has no
    /// `/`), with no arguments, the parent's environment and working
    /// directory.
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds one argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, value);
        self
    }

    /// Sets several environment variables.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes one variable from the child's environment.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus the variables set
    /// afterwards). `PATH` is still used to find the program.
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin: [`Stdio::piped`] gives [`Child::stdin`].
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdio[0] = Choice::User;
        self
    }

    /// The child's stdout: [`Stdio::piped`] gives [`Child::stdout`].
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self.stdio[1] = Choice::User;
        self
    }

    /// The child's stderr: [`Stdio::piped`] gives [`Child::stderr`].
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self.stdio[2] = Choice::User;
        self
    }

    /// Whether dropping the [`Child`] (or a `status`/`output` future)
    /// before the child was reaped kills it with `SIGKILL` (default:
    /// `false`, it keeps running). Either way it is reaped in the
    /// background.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Whether [`kill_on_drop`](Self::kill_on_drop) is set.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// The `std` command, for reading its settings.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The `std` command, for settings this builder does not mirror
    /// (`std::os::unix::process::CommandExt`: `uid`, `process_group`,
    /// `pre_exec`...). Set stdio through this builder's own methods, so
    /// `output` knows they were chosen.
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the child (asyncio's `create_subprocess_exec`). Streams not
    /// set are inherited.
    ///
    /// Errors: `NotFound` for a program that does not exist,
    /// `PermissionDenied` for one that is not executable (the message names
    /// the program); an error outside a runtime with I/O.
    pub fn spawn(&mut self) -> io::Result<Child> {
        self.apply_defaults(SPAWN_DEFAULTS);
        self.spawn_now()
    }

    /// Runs the child to its end and returns its exit status; streams not
    /// set are inherited, and piped ones are closed at once.
    ///
    /// Cancel safety: no: the child is dropped with the future; it runs
    /// on and is reaped in the background (or killed, with
    /// [`kill_on_drop`](Self::kill_on_drop)).
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.apply_defaults(SPAWN_DEFAULTS);
        let mut child = self.spawn_now()?;
        child.stdin = None;
        child.stdout = None;
        child.stderr = None;
        child.wait().await
    }

    /// Runs the child to its end, collecting what it writes (asyncio's
    /// `await proc.communicate()`). Unless set otherwise, stdout and stderr
    /// are piped and stdin is `/dev/null`.
    ///
    /// A non-zero exit is not an error: look at `output.status`.
    ///
    /// Cancel safety: no, as [`status`](Self::status); the output read so
    /// far is lost.
    pub async fn output(&mut self) -> io::Result<Output> {
        self.apply_defaults(OUTPUT_DEFAULTS);
        self.spawn_now()?.wait_with_output().await
    }

    /// Gives `std` the defaults of the method being called, for every
    /// stream the user did not set.
    fn apply_defaults(&mut self, defaults: [Kind; 3]) {
        for (index, kind) in defaults.into_iter().enumerate() {
            if self.stdio[index] == Choice::Default(kind) || self.stdio[index] == Choice::User {
                continue;
            }
            let cfg = match kind {
                Kind::Inherit => Stdio::inherit(),
                Kind::Piped => Stdio::piped(),
                Kind::Null => Stdio::null(),
            };
            match index {
                0 => self.std.stdin(cfg),
                1 => self.std.stdout(cfg),
                _ => self.std.stderr(cfg),
            };
            self.stdio[index] = Choice::Default(kind);
        }
    }

    fn spawn_now(&mut self) -> io::Result<Child> {
        let reactor = reactor::try_current().ok_or_else(|| {
            io::Error::other(
                "runtime::process::Command::spawn: no I/O reactor: call this from within \
                 #[runtime::main], Runtime::block_on or a spawned task of a runtime with I/O \
                 enabled",
            )
        })?;
        reap::reap_orphans();
        let mut std = self.std.spawn().map_err(|err| {
            let program = self.std.get_program().to_string_lossy().into_owned();
            with_context(err, format!("runtime::process::Command::spawn `{program}`"))
        })?;
        let stdio = match register_stdio(&reactor, &mut std) {
            Ok(stdio) => stdio,
            Err(err) => return Err(abandon(std, err)),
        };
        match Reaper::new(std, true) {
            Ok(reaper) => Ok(Child::new(reaper, stdio, self.kill_on_drop)),
            Err((err, std)) => Err(abandon(std, err)),
        }
    }
}

type Stdio3 = (Option<ChildStdin>, Option<ChildStdout>, Option<ChildStderr>);

fn register_stdio(reactor: &ReactorHandle, std: &mut std::process::Child) -> io::Result<Stdio3> {
    let stdin = std.stdin.take().map(|s| ChildStdin::new(reactor, s));
    let stdout = std.stdout.take().map(|s| ChildStdout::new(reactor, s));
    let stderr = std.stderr.take().map(|s| ChildStderr::new(reactor, s));
    Ok((stdin.transpose()?, stdout.transpose()?, stderr.transpose()?))
}

/// A child spawned but not handed to the caller (its pipes or its exit
/// watch could not be registered, e.g. the reactor shut down): nobody
/// could ever manage it, so it is killed and left to the orphan reaper.
fn abandon(mut std: std::process::Child, err: io::Error) -> io::Error {
    let _ = std.kill();
    reap::orphan(std);
    with_context(
        err,
        "runtime::process::Command::spawn: the child was started but could not be registered \
         with the reactor, so it was killed"
            .into(),
    )
}

impl From<std::process::Command> for Command {
    /// Wraps a `std` command. Its stdio settings cannot be read back, so
    /// they count as unset: set them again on the new builder.
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdio: [Choice::Default(Kind::Inherit); 3],
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("std", &self.std)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
