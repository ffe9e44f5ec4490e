//! Waiting for a child's exit through the reactor, and reaping children
//! nobody waits for. The protocol (who owns the child, when it is reaped,
//! why no zombie stays behind) is in `README.md` beside this file.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::task::{ready, Context, Poll};

use runtime_core::scheduler::Handle;

use crate::signal::{signal, Signal, SignalKind};

/// A running child and how its exit is noticed. Owns the `std` child:
/// whoever owns the `Reaper` is the only one who may reap it.
pub(crate) struct Reaper {
    std: std::process::Child,
    watch: ExitWatch,
    /// The runtime the child was spawned on: a child dropped unreaped is
    /// reaped by a task there.
    runtime: Option<Handle>,
}

enum ExitWatch {
    /// A pidfd (Linux 5.3+), registered readable: it becomes readable when
    /// the child exits.
    #[cfg(target_os = "linux")]
    Pidfd(crate::reactor::PollEvented<pidfd::PidFd>),
    /// A `SIGCHLD` listener: every delivery after it was installed means
    /// "some child changed state; look again".
    Sigchld(Signal),
}

impl Reaper {
    /// Starts watching `std` (spawned just now) with the current reactor:
    /// a pidfd when `prefer_pidfd` and the system has them, else `SIGCHLD`.
    /// On error the child is handed back (still running, not reaped).
    pub(crate) fn new(
        std: std::process::Child,
        prefer_pidfd: bool,
    ) -> Result<Reaper, (io::Error, std::process::Child)> {
        match ExitWatch::new(std.id(), prefer_pidfd) {
            Ok(watch) => Ok(Reaper {
                std,
                watch,
                runtime: Handle::try_current().ok(),
            }),
            Err(err) => Err((err, std)),
        }
    }

    pub(crate) fn id(&self) -> u32 {
        self.std.id()
    }

    /// Whether the child runs on a pidfd (for tests).
    #[cfg(test)]
    pub(crate) fn uses_pidfd(&self) -> bool {
        !matches!(self.watch, ExitWatch::Sigchld(_))
    }

    /// Reaps the child if it has exited (`waitpid` with `WNOHANG`).
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.std.try_wait()
    }

    /// Sends `SIGKILL`. The child is not reaped yet, so its pid cannot
    /// have been reused.
    pub(crate) fn kill(&mut self) -> io::Result<()> {
        self.std.kill()
    }

    /// Waits until the child exits and reaps it.
    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        reap_orphans();
        let std = &mut self.std;
        match &mut self.watch {
            #[cfg(target_os = "linux")]
            ExitWatch::Pidfd(pidfd) => {
                if let Some(status) = std.try_wait()? {
                    return Poll::Ready(Ok(status));
                }
                // Readable once the child has exited; `WouldBlock` clears a
                // readiness that did not mean this (none expected).
                pidfd
                    .registration()
                    .poll_io(cx, crate::reactor::Direction::Read, || {
                        std.try_wait()?
                            .ok_or_else(|| io::ErrorKind::WouldBlock.into())
                    })
            }
            ExitWatch::Sigchld(listener) => loop {
                // The listener was installed before the first look, so an
                // exit after this look delivers a signal it will see.
                if let Some(status) = std.try_wait()? {
                    return Poll::Ready(Ok(status));
                }
                if ready!(listener.poll_recv(cx)).is_none() {
                    return Poll::Ready(Err(crate::reactor::shutdown_error()));
                }
            },
        }
    }
}

impl ExitWatch {
    fn new(pid: u32, prefer_pidfd: bool) -> io::Result<ExitWatch> {
        #[cfg(target_os = "linux")]
        if prefer_pidfd {
            // ENOSYS before Linux 5.3, EPERM under some seccomp filters:
            // fall back to SIGCHLD for those, and for any other failure.
            if let Ok(fd) = pidfd::PidFd::open(pid) {
                let io =
                    crate::reactor::PollEvented::new_with_interest(fd, mio::Interest::READABLE)?;
                return Ok(ExitWatch::Pidfd(io));
            }
        }
        let _ = (pid, prefer_pidfd);
        Ok(ExitWatch::Sigchld(signal(SignalKind::child())?))
    }
}

/// Hands a child that nobody will wait for to the background: reaped now
/// if it has exited, else by a task on the runtime it was spawned on, else
/// (no runtime, or the task is dropped unfinished) by the orphan queue.
pub(crate) fn reap_in_background(mut reaper: Reaper) {
    if !matches!(reaper.try_wait(), Ok(None)) {
        // Reaped now, or cannot be waited for at all (someone else reaped it).
        return;
    }
    match reaper.runtime.take() {
        Some(handle) => {
            let reaping = BackgroundReap {
                reaper: Some(reaper),
            };
            // A runtime that shut down drops the future at once; its Drop
            // passes the child on to the orphan queue.
            runtime_core::task::Builder::new()
                .name("runtime::process reaper")
                .spawn_on(reaping, &handle)
                .detach();
        }
        None => orphan(reaper.std),
    }
}

/// A task that waits for one dropped child and reaps it.
struct BackgroundReap {
    reaper: Option<Reaper>,
}

impl Future for BackgroundReap {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let reaper = self.reaper.as_mut().expect("polled after completion");
        let reaped = ready!(reaper.poll_wait(cx)).is_ok();
        let reaper = self.reaper.take().expect("present until here");
        if !reaped {
            // The reactor shut down under the task.
            orphan(reaper.std);
        }
        Poll::Ready(())
    }
}

impl Drop for BackgroundReap {
    fn drop(&mut self) {
        if let Some(reaper) = self.reaper.take() {
            orphan(reaper.std);
        }
    }
}

/// Children dropped unreaped whose runtime could not reap them.
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());
/// `ORPHANS.len()`, read without the lock to skip it when zero: a stale
/// zero only postpones a reap to the next look.
static ORPHAN_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Puts a child nobody else will wait for on the orphan list (unless it
/// can be reaped right now).
pub(crate) fn orphan(mut child: std::process::Child) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    let mut orphans = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
    orphans.push(child);
    ORPHAN_COUNT.store(orphans.len(), Relaxed);
}

/// Reaps every orphan that has exited. Called by every spawn and every
/// look at a child's exit, so orphans never pile up while the program
/// keeps using processes.
pub(crate) fn reap_orphans() {
    if ORPHAN_COUNT.load(Relaxed) == 0 {
        return;
    }
    // Nothing panics under this lock, so a poisoned list is still sound.
    let mut orphans = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
    orphans.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
    ORPHAN_COUNT.store(orphans.len(), Relaxed);
}

/// Orphans not yet reaped (for tests).
#[cfg(test)]
pub(crate) fn orphan_count() -> usize {
    ORPHANS.lock().unwrap_or_else(PoisonError::into_inner).len()
}

#[cfg(target_os = "linux")]
mod pidfd {
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

    use mio::unix::SourceFd;

    /// A process file descriptor (`pidfd_open(2)`).
    pub(super) struct PidFd(OwnedFd);

    impl PidFd {
        pub(super) fn open(pid: u32) -> io::Result<PidFd> {
            let pid = libc::pid_t::try_from(pid)
                .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
            let flags: libc::c_uint = 0;
            // SAFETY: pidfd_open takes a pid and a flags word by value and
            // touches no memory of ours; it returns a new descriptor (with
            // close-on-exec set) or -1 with errno set.
            let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, flags) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            let fd = RawFd::try_from(fd).map_err(|_| io::Error::other("pidfd out of range"))?;
            // SAFETY: `fd` was just returned by pidfd_open: it is open and
            // nothing else owns it.
            Ok(PidFd(unsafe { OwnedFd::from_raw_fd(fd) }))
        }
    }

    impl mio::event::Source for PidFd {
        fn register(
            &mut self,
            registry: &mio::Registry,
            token: mio::Token,
            interests: mio::Interest,
        ) -> io::Result<()> {
            SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
        }

        fn reregister(
            &mut self,
            registry: &mio::Registry,
            token: mio::Token,
            interests: mio::Interest,
        ) -> io::Result<()> {
            SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
        }

        fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
            SourceFd(&self.0.as_raw_fd()).deregister(registry)
        }
    }
}
