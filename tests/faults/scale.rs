//! Fault family "scale and leaks" (the sizes CI can afford; the issue's
//! full sizes under RUNTIME_STRESS=1): many short tasks (heap and RSS back
//! near baseline), many timers that must all fire and none early, many long
//! timers created and dropped, many idle connections held and closed (fds
//! back to baseline).
//! Every case runs in a child process under a watchdog
//! (`support::isolated`).
#[macro_use]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

counting_allocator!();

const LIMIT: Duration = Duration::from_secs(40);

fn two_workers() -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("build runtime")
}

// Timers of 0 to 50 ms: every one fires, none before its deadline (each
// task compares the clock after its sleep with the deadline it asked for).
case!(timers_all_fire_none_early, LIMIT, {
    let n = support::size(20_000, 200_000);
    let rt = two_workers();
    let fired = Arc::new(AtomicUsize::new(0));
    let early = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (fired, early) = (fired.clone(), early.clone());
                runtime::spawn(async move {
                    let deadline = Instant::now() + Duration::from_millis((i % 51) as u64);
                    runtime::time::sleep_until(deadline).await;
                    if Instant::now() < deadline {
                        early.fetch_add(1, SeqCst);
                    }
                    fired.fetch_add(1, SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("timer task completes");
        }
    });
    assert_eq!(fired.load(SeqCst), n, "timers that fired");
    assert_eq!(early.load(SeqCst), 0, "timers that fired early");
});

// One-hour timers created, registered and dropped: none fires, and the
// wheel gives their entries back (the heap returns near its baseline).
case!(long_timers_created_and_dropped_free_their_entries, LIMIT, {
    let n = support::size(20_000, 100_000);
    let rt = two_workers();
    let round = || {
        rt.block_on(async {
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    runtime::spawn(async {
                        runtime::time::sleep(Duration::from_secs(3600)).await;
                        unreachable!("a one-hour timer fired");
                    })
                })
                .collect();
            // Let every task register its timer, then cancel them all.
            runtime::time::sleep(Duration::from_millis(20)).await;
            for t in &tasks {
                t.cancel();
            }
            for t in tasks {
                let err = t.await.expect_err("cancelled");
                assert!(err.is_cancelled(), "{err}");
            }
            while runtime::Handle::current().num_live_tasks() > 0 {
                runtime::yield_now().await;
            }
        });
    };
    round(); // warm-up: the wheel's slots and the registry reach their size
    let heap = live_heap();
    for _ in 0..3 {
        round();
    }
    let grown = live_heap() - heap;
    // A timer entry (or task) kept per round would add n x (tens to
    // hundreds of bytes) per round: megabytes. 256 KiB of constant slack
    // covers buffers whose capacity depends on the round's timing (queue
    // and registry batches).
    assert!(
        grown < 256 * 1024,
        "3 rounds of {n} one-hour timers: the heap grew by {grown} bytes"
    );
});

/// Resident set size of this process, in bytes (`/proc/self/statm`).
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("statm's resident field");
    pages * 4096
}

// Many short tasks (1M under RUNTIME_STRESS=1), spawned in waves from a task
// while the workers run the earlier ones: afterwards the live heap is back
// at its baseline (within a constant slack) and the resident set has not
// kept what the waves used (the allocator may keep some freed pages; the
// bound is far below what a leak of even 16 bytes a task would add).
case!(short_tasks_give_back_heap_and_rss, LIMIT, {
    let n = support::size(200_000, 1_000_000);
    const WAVE: usize = 10_000;
    let rt = two_workers();
    let ran = Arc::new(AtomicUsize::new(0));
    let wave_of_waves = |n: usize| {
        let ran = ran.clone();
        rt.block_on(async move {
            let mut left = n;
            while left > 0 {
                let wave = left.min(WAVE);
                left -= wave;
                let tasks: Vec<_> = (0..wave)
                    .map(|i| {
                        let ran = ran.clone();
                        runtime::spawn(async move {
                            if i % 4 == 0 {
                                runtime::yield_now().await;
                            }
                            ran.fetch_add(1, SeqCst);
                            i
                        })
                    })
                    .collect();
                for (i, t) in tasks.into_iter().enumerate() {
                    assert_eq!(t.await.expect("a short task"), i);
                }
            }
            while runtime::Handle::current().num_live_tasks() > 0 {
                runtime::yield_now().await;
            }
        });
    };
    wave_of_waves(2 * WAVE); // warm-up: queues, registry shards, batches
    let (heap, rss) = (live_heap(), rss_bytes());
    let start = Instant::now();
    wave_of_waves(n);
    let elapsed = start.elapsed();
    let (heap_grown, rss_after) = (live_heap() - heap, rss_bytes());
    eprintln!(
        "short_tasks_give_back_heap_and_rss: {n} tasks in {elapsed:?}; heap {heap_grown:+} bytes; \
         RSS {} -> {} KiB",
        rss / 1024,
        rss_after / 1024
    );
    assert_eq!(ran.load(SeqCst), n + 2 * WAVE, "every task ran once");
    assert!(
        heap_grown < 256 * 1024,
        "{n} short tasks: the live heap grew by {heap_grown} bytes"
    );
    // 16 bytes kept per task would be 3.2 MB at CI size, 16 MB at 1M.
    let rss_grown = rss_after.saturating_sub(rss);
    assert!(
        rss_grown < 2 * 1024 * 1024 + n,
        "{n} short tasks: the resident set grew by {rss_grown} bytes ({} KiB -> {} KiB)",
        rss / 1024,
        rss_after / 1024
    );
});

/// In the client process of `idle_connections_held_and_closed_give_back_fds`:
/// the address to connect to and how many connections to hold.
const IDLE_CLIENT_VAR: &str = "FAULTS_IDLE_CLIENT";

// Idle TCP connections (10k under RUNTIME_STRESS=1) accepted and held by
// the runtime, each with a task waiting to read, then closed by the peer:
// every task sees end-of-stream and the fds come back to the baseline. The
// client side lives in a second process (this test binary again, told so by
// FAULTS_IDLE_CLIENT), so the two ends do not share one fd limit; the
// runtime's side raises its soft RLIMIT_NOFILE to the hard limit if needed.
case!(idle_connections_held_and_closed_give_back_fds, LIMIT, {
    if let Ok(spec) = std::env::var(IDLE_CLIENT_VAR) {
        return idle_client(&spec);
    }
    let n = support::size(1_000, 10_000);
    raise_fd_limit(n + 256);
    // Before the runtime exists: its own fds (epoll, waker) must go too.
    let baseline = support::open_fds();
    let rt = two_workers();
    rt.block_on(async {
        let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let exe = std::env::current_exe().expect("the test binary");
        let name = "idle_connections_held_and_closed_give_back_fds";
        let mut client = std::process::Command::new(exe)
            .args([name, "--exact", "--nocapture", "--test-threads=1"])
            .env(support::CASE_VAR, name)
            .env(IDLE_CLIENT_VAR, format!("{addr} {n}"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start the client process");
        let mut readers = Vec::with_capacity(n);
        for _ in 0..n {
            let (mut stream, _) = listener.accept().await.expect("accept");
            readers.push(runtime::spawn(async move {
                use runtime::io::AsyncReadExt;
                let mut buf = [0u8; 16];
                // Idle until the peer closes: end-of-stream, nothing read.
                stream.read(&mut buf).await.expect("read")
            }));
        }
        let held = support::open_fds();
        eprintln!(
            "idle_connections_held_and_closed_give_back_fds: {n} connections held, fds {baseline} -> {held}"
        );
        assert!(held >= baseline + n, "fewer fds than connections: {held}");
        assert_eq!(runtime::Handle::current().num_live_tasks(), n, "one reader task per connection");
        // Closing the client's stdin tells it to close every connection.
        drop(client.stdin.take());
        for reader in readers {
            assert_eq!(reader.await.expect("a reader task"), 0, "end-of-stream");
        }
        let status = client.wait().expect("wait for the client");
        assert!(status.success(), "the client process failed: {status}");
    });
    drop(rt);
    let after = support::settle(Duration::from_secs(5), baseline, support::open_fds);
    eprintln!("idle_connections_held_and_closed_give_back_fds: fds after close {after}");
    assert!(
        after <= baseline,
        "fds {baseline} -> {after} after every connection closed"
    );
});

/// The client process: connect `n` times to `addr` ("addr n"), hold the
/// connections until stdin closes, then close them all.
fn idle_client(spec: &str) {
    let (addr, n) = spec.split_once(' ').expect("FAULTS_IDLE_CLIENT=addr n");
    let n: usize = n.parse().expect("a connection count");
    raise_fd_limit(n + 64);
    let conns: Vec<_> = (0..n)
        .map(|i| {
            std::net::TcpStream::connect(addr)
                .unwrap_or_else(|e| panic!("client connection {i} of {n}: {e}"))
        })
        .collect();
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut rest);
    drop(conns);
}

/// Raises the soft RLIMIT_NOFILE to at least `want` (at most the hard limit).
fn raise_fd_limit(want: usize) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the two fields of the struct we own.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    if (lim.rlim_cur as usize) < want {
        lim.rlim_cur = (want as libc::rlim_t).min(lim.rlim_max);
        // SAFETY: setrlimit reads the struct we own; lowering or raising
        // the soft limit up to the hard one needs no privilege.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    }
}
