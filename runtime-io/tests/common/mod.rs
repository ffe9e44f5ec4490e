//! Helpers shared by the integration tests: a watchdog, a reactor per test,
//! and descriptor counting.

#![allow(dead_code)] // each test file uses a different subset

use std::future::Future;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use runtime_io::reactor::{self, Reactor, ReactorHandle};

/// The limit after which a test counts as hung.
pub(crate) const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `body` on its own thread and fails the test with a clear message if
/// it has not finished within `limit` (a hang is a failure, not a CI
/// time-out). A panic in `body` is re-raised here.
pub(crate) fn watchdog<T: Send + 'static>(
    name: &str,
    limit: Duration,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done_tx, done_rx) = mpsc::channel();
    let worker = thread::Builder::new()
        .name(format!("test-{name}"))
        .spawn(move || {
            let out = body();
            let _ = done_tx.send(());
            out
        })
        .expect("spawn test thread");
    match done_rx.recv_timeout(limit) {
        Ok(()) => worker.join().expect("test body"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(_) => unreachable!("body finished without reporting"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("watchdog: test `{name}` did not finish within {limit:?}: it hangs")
        }
    }
}

/// Runs `body` under the watchdog with a fresh reactor entered on the test
/// thread; the reactor is shut down afterwards.
pub(crate) fn with_reactor<T: Send + 'static>(
    name: &str,
    body: impl FnOnce(ReactorHandle) -> T + Send + 'static,
) -> T {
    let thread_name = format!("reactor-{name}");
    watchdog(name, WATCHDOG, move || {
        let reactor = Reactor::start(thread_name, None).expect("start reactor");
        let handle = reactor.handle();
        let out = {
            let _enter = reactor::enter(handle.clone());
            body(handle)
        };
        reactor.shutdown();
        out
    })
}

/// Drives `fut` to completion on this thread with `handle` entered.
pub(crate) fn block_on_in<F: Future>(handle: &ReactorHandle, fut: F) -> F::Output {
    let _enter = reactor::enter(handle.clone());
    futures_executor::block_on(fut)
}

/// Spawns a std thread that drives `fut` with `handle` entered.
pub(crate) fn spawn_driven<F>(handle: &ReactorHandle, fut: F) -> thread::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handle = handle.clone();
    thread::spawn(move || block_on_in(&handle, fut))
}

/// Number of descriptors this process has open (entries of
/// `/proc/self/fd`, not counting the one used to list them).
pub(crate) fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("list /proc/self/fd")
        .count()
        .saturating_sub(1)
}

/// A fresh, empty directory for Unix socket paths, removed on drop.
pub(crate) struct TempDir(pub(crate) std::path::PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "runtime-io-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub(crate) fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
