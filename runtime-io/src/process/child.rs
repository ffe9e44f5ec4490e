//! [`Child`]: a spawned process, waited for through the reactor.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::process::{ExitStatus, Output};
use std::task::{Context, Poll};

use futures_util::io::AsyncReadExt;

use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use super::reap::{self, Reaper};
use crate::context_error::with_context;

/// A child process started by [`Command::spawn`](super::Command::spawn)
/// (asyncio's `Process`).
///
/// The piped streams are public fields, as in `std`: take them to use them
/// from another task. [`wait`](Self::wait) waits for the exit without
/// blocking a thread: the child's pidfd (Linux 5.3+) or a `SIGCHLD`
/// listener is registered with the reactor.
///
/// **Dropping a `Child`** neither waits for nor kills the process (unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set): it keeps
/// running, and when it exits it is **reaped in the background** by a task
/// on the runtime it was spawned on, so it never stays a zombie. If that
/// runtime shuts down first, the child goes to a process-wide orphan list,
/// reaped by the next process spawn or wait on any runtime.
///
/// ```
/// use runtime_io::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime_io::process::{Command, Stdio};
///
/// # let rt = runtime_core::scheduler::Builder::new_current_thread()
/// #     .io_driver(Some(runtime_io::reactor::io_driver_factory()))
/// #     .build()?;
/// # rt.block_on(async {
/// let mut child = Command::new("cat")
///     .stdin(Stdio::piped())
///     .stdout(Stdio::piped())
///     .spawn()?;
/// let mut stdin = child.stdin.take().unwrap();
/// stdin.write_all(b"through cat").await?;
/// drop(stdin); // end of file for cat
/// let mut echoed = String::new();
/// child.stdout.take().unwrap().read_to_string(&mut echoed).await?;
/// assert_eq!(echoed, "through cat");
/// assert!(child.wait().await?.success());
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Child {
    /// The child's stdin, if it was [`Stdio::piped`](std::process::Stdio::piped).
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if piped.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if piped.
    pub stderr: Option<ChildStderr>,
    state: State,
    kill_on_drop: bool,
}

enum State {
    Running(Reaper),
    Exited(ExitStatus),
}

impl Child {
    pub(crate) fn new(
        reaper: Reaper,
        stdio: (Option<ChildStdin>, Option<ChildStdout>, Option<ChildStderr>),
        kill_on_drop: bool,
    ) -> Child {
        Child {
            stdin: stdio.0,
            stdout: stdio.1,
            stderr: stdio.2,
            state: State::Running(reaper),
            kill_on_drop,
        }
    }

    /// The process id, until the child has been reaped (`None` after
    /// [`wait`](Self::wait) or [`try_wait`](Self::try_wait) returned its
    /// status: the id may belong to another process by then).
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running(reaper) => Some(reaper.id()),
            State::Exited(_) => None,
        }
    }

    /// The exit status if the child has exited (reaping it), `None` if it
    /// still runs. Does not close stdin.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.state {
            State::Exited(status) => Ok(Some(*status)),
            State::Running(reaper) => {
                let pid = reaper.id();
                let status = reaper
                    .try_wait()
                    .map_err(|e| error(Some(pid), e, "try_wait"))?;
                if let Some(status) = status {
                    self.state = State::Exited(status);
                }
                Ok(status)
            }
        }
    }

    /// Waits for the child to exit and returns its status (asyncio's
    /// `await proc.wait()`). Closes the child's stdin first, if piped, so a
    /// child reading it to the end is not left waiting for more.
    ///
    /// Errors if the reactor shut down meanwhile, or if the child was
    /// reaped by someone else (e.g. a `waitpid(-1)` elsewhere).
    ///
    /// Cancel safety: yes: the status is kept once known; waiting again
    /// returns it.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let (pid, result) = match &mut self.state {
            State::Exited(status) => return Poll::Ready(Ok(*status)),
            State::Running(reaper) => (reaper.id(), std::task::ready!(reaper.poll_wait(cx))),
        };
        Poll::Ready(match result {
            Ok(status) => {
                self.state = State::Exited(status);
                Ok(status)
            }
            Err(err) => Err(error(Some(pid), err, "wait")),
        })
    }

    /// Sends `SIGKILL` without waiting (asyncio's `proc.kill()`); the
    /// child must still be waited for (or dropped, and reaped in the
    /// background). A child that exited but was not reaped yet is a zombie
    /// and takes the signal harmlessly.
    ///
    /// Errors with `InvalidInput` once the child was reaped: its pid may
    /// belong to another process by then, so it is never signalled.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running(reaper) => {
                let pid = reaper.id();
                reaper.kill().map_err(|e| error(Some(pid), e, "start_kill"))
            }
            State::Exited(status) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "runtime::process::Child::start_kill: the child already exited ({status}) \
                     and was reaped; there is nothing to kill"
                ),
            )),
        }
    }

    /// Kills the child (`SIGKILL`) and waits for it to exit; its status
    /// (from [`wait`](Self::wait) afterwards) says it was killed by signal 9.
    ///
    /// Cancel safety: yes: the signal is sent at the first poll; a later
    /// `wait` returns the status.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Closes stdin, reads stdout and stderr to the end (those that are
    /// piped) while waiting for the exit, and returns all three (asyncio's
    /// `await proc.communicate()`, with no input).
    ///
    /// Cancel safety: no: output read so far is lost with the future (and
    /// the child is dropped: reaped in the background, or killed first
    /// with `kill_on_drop`).
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let (mut out, mut err) = (self.stdout.take(), self.stderr.take());
        let stdout = async {
            let mut bytes = Vec::new();
            if let Some(out) = out.as_mut() {
                out.read_to_end(&mut bytes).await?;
            }
            Ok::<_, io::Error>(bytes)
        };
        let stderr = async {
            let mut bytes = Vec::new();
            if let Some(err) = err.as_mut() {
                err.read_to_end(&mut bytes).await?;
            }
            Ok::<_, io::Error>(bytes)
        };
        let (stdout, stderr, status) = futures_util::try_join!(stdout, stderr, self.wait())?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

/// `err` with the operation and the pid in its message (kind kept).
fn error(pid: Option<u32>, err: io::Error, what: &str) -> io::Error {
    let pid = pid.map_or_else(|| "reaped".into(), |pid| pid.to_string());
    with_context(err, format!("runtime::process::Child::{what} (pid {pid})"))
}

impl Drop for Child {
    fn drop(&mut self) {
        // Placeholder state: the real one moves to the background.
        let state = std::mem::replace(&mut self.state, State::Exited(dummy_status()));
        if let State::Running(mut reaper) = state {
            if self.kill_on_drop {
                let _ = reaper.kill();
            }
            reap::reap_in_background(reaper);
        }
    }
}

/// An exit status to leave behind in a dropped `Child`.
fn dummy_status() -> ExitStatus {
    std::os::unix::process::ExitStatusExt::from_raw(0)
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match &self.state {
            State::Running(_) => None,
            State::Exited(status) => Some(*status),
        };
        f.debug_struct("Child")
            .field("id", &self.id())
            .field("status", &status)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
