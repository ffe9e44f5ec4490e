//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::mpsc;
use std::time::Duration;

/// Runs `body` on its own thread and fails the test if it has not finished
/// within `limit`: a hang is a test failure with a name, not a CI timeout.
#[track_caller]
pub fn watchdog<T: Send + 'static>(
    limit: Duration,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let caller = std::panic::Location::caller();
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name(format!("watched@{}", caller.line()))
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
            let _ = tx.send(out);
        })
        .expect("spawn watched thread");
    match rx.recv_timeout(limit) {
        Ok(Ok(out)) => {
            let _ = thread.join();
            out
        }
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("test body at {caller} hung: still running after {limit:?}"),
    }
}

/// The usual limit for a test body.
pub const LIMIT: Duration = Duration::from_secs(60);

/// A multi-thread runtime with `n` workers named `name`.
pub fn rt(n: usize, name: &str) -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(n)
        .thread_name(name)
        .build()
        .expect("build runtime")
}

/// Counts this process's threads whose name starts with `prefix`
/// (Linux truncates thread names to 15 bytes).
pub fn count_threads(prefix: &str) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("comm")).ok())
        .filter(|comm| comm.trim_end().starts_with(prefix))
        .count()
}

/// Sets a flag when dropped: proves a future's Drop ran.
pub struct DropFlag(pub std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A connected TCP pair over 127.0.0.1: `(client, server)`. Call it inside
/// a runtime.
pub async fn tcp_pair() -> (runtime::net::TcpStream, runtime::net::TcpStream) {
    let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("listener address");
    let client = runtime::net::TcpStream::connect(addr)
        .await
        .expect("connect to the listener");
    let (server, _) = listener.accept().await.expect("accept");
    (client, server)
}
