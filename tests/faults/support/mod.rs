//! What every fault family shares: each case runs in a child process (this
//! test binary, re-executed with `FAULTS_CASE=<name>` and a filter that
//! selects only that case) under a watchdog, so a hang, an abort or a crash
//! fails with the case's name instead of taking the whole test binary (or
//! CI) down; plus process probes (open fds, threads, live heap bytes).
#![allow(dead_code, unreachable_pub)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable naming the case a child process runs.
pub const CASE_VAR: &str = "FAULTS_CASE";

/// Set to `1` for the bigger sizes (longer runs, off in CI).
pub fn stress() -> bool {
    std::env::var("RUNTIME_STRESS").is_ok_and(|v| v == "1")
}

/// `small` normally, `big` under `RUNTIME_STRESS=1`.
pub fn size(small: usize, big: usize) -> usize {
    if stress() {
        big
    } else {
        small
    }
}

/// Declares a fault case: a `#[test]` that re-runs itself in a child
/// process with a watchdog of `$limit`.
///
/// ```ignore
/// case!(my_case, Duration::from_secs(20), {
///     // body: runs only in the child
/// });
/// ```
macro_rules! case {
    ($name:ident, $limit:expr, $body:block) => {
        #[test]
        #[cfg_attr(
            miri,
            ignore = "a fault case re-runs the test binary in a child process and uses real threads, sockets and /proc"
        )]
        fn $name() {
            $crate::support::isolated(stringify!($name), $limit, || $body);
        }
    };
}

/// Installs a counting global allocator in the fault family that calls
/// it (once, at the top level of the family's file, after `mod support;`)
/// and defines `fn live_heap() -> isize`: the live heap bytes of the
/// process, for the leak checks. Only a family that measures the heap pays
/// for the counting.
///
/// ```ignore
/// counting_allocator!();
/// let before = live_heap();
/// ```
#[allow(unused_macros)] // families that do not measure the heap
macro_rules! counting_allocator {
    () => {
        /// Live heap bytes of this process (allocations minus frees).
        static LIVE_HEAP: ::std::sync::atomic::AtomicIsize =
            ::std::sync::atomic::AtomicIsize::new(0);

        /// Forwards to the system allocator and keeps [`LIVE_HEAP`].
        struct CountingAllocator;

        // SAFETY: forwards every call to the system allocator unchanged;
        // the counter is only bookkeeping.
        unsafe impl ::std::alloc::GlobalAlloc for CountingAllocator {
            unsafe fn alloc(&self, layout: ::std::alloc::Layout) -> *mut u8 {
                LIVE_HEAP.fetch_add(
                    layout.size() as isize,
                    ::std::sync::atomic::Ordering::SeqCst,
                );
                // SAFETY: same contract as the caller's.
                unsafe { ::std::alloc::GlobalAlloc::alloc(&::std::alloc::System, layout) }
            }
            unsafe fn dealloc(&self, ptr: *mut u8, layout: ::std::alloc::Layout) {
                LIVE_HEAP.fetch_sub(
                    layout.size() as isize,
                    ::std::sync::atomic::Ordering::SeqCst,
                );
                // SAFETY: same contract as the caller's.
                unsafe { ::std::alloc::GlobalAlloc::dealloc(&::std::alloc::System, ptr, layout) }
            }
            unsafe fn realloc(
                &self,
                ptr: *mut u8,
                layout: ::std::alloc::Layout,
                new_size: usize,
            ) -> *mut u8 {
                LIVE_HEAP.fetch_add(
                    new_size as isize - layout.size() as isize,
                    ::std::sync::atomic::Ordering::SeqCst,
                );
                // SAFETY: same contract as the caller's.
                unsafe {
                    ::std::alloc::GlobalAlloc::realloc(&::std::alloc::System, ptr, layout, new_size)
                }
            }
        }

        #[global_allocator]
        static COUNTING_ALLOCATOR: CountingAllocator = CountingAllocator;

        /// Live heap bytes of this process now.
        fn live_heap() -> isize {
            LIVE_HEAP.load(::std::sync::atomic::Ordering::SeqCst)
        }
    };
}

/// In the parent: runs `name` in a child process and fails (naming the
/// case) if the child fails, is killed by a signal (an abort), did not run
/// exactly that one test, or is still running after `limit` (it is killed
/// then). In the child (`FAULTS_CASE=name`): runs `body`.
pub fn isolated(name: &str, limit: Duration, body: impl FnOnce()) {
    if std::env::var(CASE_VAR).as_deref() == Ok(name) {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE_VAR, name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("fault case `{name}`: cannot start the child process: {e}"));
    // Read both pipes on their own threads: a child writing more than a
    // pipe buffer must not block while we wait for it.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = pipe.read_to_end(&mut out);
            String::from_utf8_lossy(&out).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break Some(status);
        }
        if start.elapsed() >= limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let output = format!("--- child stdout ---\n{stdout}\n--- child stderr ---\n{stderr}");
    let Some(status) = status else {
        panic!("fault case `{name}` hung: still running after {limit:?}, killed\n{output}");
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let what = match signal {
                6 => "aborted (SIGABRT)",
                11 => "crashed (SIGSEGV)",
                _ => "was killed by a signal",
            };
            panic!("fault case `{name}` {what}: signal {signal}\n{output}");
        }
    }
    assert!(
        status.success(),
        "fault case `{name}` failed ({status})\n{output}"
    );
    // The filter must have selected this very test, once: a misspelt
    // filter would run nothing and "pass".
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "fault case `{name}`: the child did not run exactly this case\n{output}"
    );
}

/// Open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// Threads of this process.
pub fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("read /proc/self/task")
        .count()
}

/// Threads of this process whose name starts with `prefix` (Linux
/// truncates thread names to 15 bytes).
pub fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("read /proc/self/task")
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("comm")).ok())
        .filter(|comm| comm.trim_end().starts_with(prefix))
        .count()
}

/// Waits until `probe()` returns at most `target` or `limit` passes;
/// returns the last value seen. A joined thread can linger in
/// `/proc/self/task` for a moment after `join` returns (the kernel clears
/// the thread id before it unlists the thread), so thread counts are
/// awaited rather than read once; the wait ends as soon as the count is
/// back, so the test does not depend on timing to pass.
pub fn settle(limit: Duration, target: usize, probe: impl Fn() -> usize) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let now = probe();
        if now <= target || Instant::now() >= deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Spins until `cond()` holds, failing with `what` after `limit`.
#[track_caller]
pub fn wait_for(limit: Duration, what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "gave up after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Counts drops: a future or value holding one adds 1 to the counter when
/// dropped. `created` counts constructions, so a case can check "every one
/// dropped exactly once": `dropped == created` at the end (more would mean
/// a double drop of something counted once, fewer a leak).
#[derive(Clone, Default)]
pub struct DropCounter {
    pub created: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pub dropped: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// One counted value (see [`DropCounter`]).
pub struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl DropCounter {
    pub fn guard(&self) -> Counted {
        self.created
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Counted(self.dropped.clone())
    }
    pub fn created(&self) -> usize {
        self.created.load(std::sync::atomic::Ordering::SeqCst)
    }
    pub fn dropped(&self) -> usize {
        self.dropped.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Polls `fut` to completion on this plain thread (no runtime), parking
/// between polls: a minimal foreign executor.
pub fn block_on_plain<F: std::future::Future>(fut: F) -> F::Output {
    struct ThreadWaker(std::thread::Thread);
    impl std::task::Wake for ThreadWaker {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// A small seeded generator (splitmix64) for the randomised cases: the
/// seed comes from `FAULTS_SEED` when set (to replay a failure), else from
/// the clock, and is printed either way (the parent shows the child's
/// output when a case fails).
pub struct Rng(u64);

impl Rng {
    /// A generator for `what`, seeded as described on [`Rng`].
    pub fn from_env(what: &str) -> Rng {
        let seed = match std::env::var("FAULTS_SEED") {
            Ok(s) => s
                .parse()
                .unwrap_or_else(|_| panic!("FAULTS_SEED={s:?}: expected an unsigned integer")),
            Err(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64),
        };
        println!("{what}: seed {seed} (replay with FAULTS_SEED={seed})");
        Rng(seed)
    }

    /// A generator with a fixed seed.
    pub fn seeded(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An independent generator derived from this one (for a task).
    pub fn fork(&mut self) -> Rng {
        Rng(self.next_u64())
    }
}
