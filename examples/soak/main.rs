//! The soak (issue 20 item 10; the load is in `jobs.rs`): the whole runtime under a mixed load with
//! random faults for a set time, then checked for leaks and lost items.
//!
//! ```text
//! cargo run --release --example soak -- --minutes 10
//! cargo run --release --example soak -- --seconds 20 --seed 42 --workers 4
//! ```
//!
//! Load: an echo server on 127.0.0.1 (its acceptor and its connections are
//! members of one `TaskGroup`) and a generator that keeps up to 64 jobs in
//! flight (a `Semaphore`), each one of:
//!
//! - **spawns**: 1 to 32 short tasks that yield and return a value, a few
//!   of which panic on purpose (the panic must come back as a `JoinError`);
//! - **timers**: sleeps of 0 to 5 ms, some under a `timeout` that expires;
//! - **echo**: a client connects, writes 1 B to 64 KiB, reads the echo back
//!   and compares; faults: the server drops the connection after its first
//!   read, the client's task is cancelled mid-I/O, the read is under a
//!   `timeout` that may expire;
//! - **groups**: a `TaskGroup` of 2 to 8 members, one of which may fail
//!   (the others are cancelled; `join` must report exactly that failure);
//! - **items**: 2 producers send 50 items each over an `mpsc::channel(8)`
//!   with sends under short timeouts, one consumer receives with cut
//!   receives, and one producer may be cancelled: every item sent is
//!   received or drained, exactly once.
//!
//! About once a second it prints a progress line (tasks/s, live tasks, RSS,
//! open fds, items in flight, jobs, errors). At the end it stops the load,
//! drains, and fails (exit status 1) on any of:
//!
//! - a job's own check failed (a wrong echo, a lost or doubled item, a
//!   group error that does not match its failure, a panic that did not come
//!   back as a `JoinError`);
//! - live tasks not back to 0 within 10 s of the drain;
//! - open fds not back to the count before the load (with the runtime and
//!   listener open), and after the runtime is dropped, not back to the
//!   count before it was built;
//! - RSS after the drain more than [`RSS_SLACK_MIB`] MiB above the RSS at
//!   the end of the warm-up (the first tenth of the run, at least 2 s):
//!   caches and allocator arenas have reached their size by then, while a
//!   leak proportional to the work done keeps growing;
//! - a counted future not dropped exactly once (every spawned future holds
//!   a drop-counting guard: created == dropped after the runtime is gone);
//! - no job completing for 30 s (a hang; exit status 2).
//!
//! A fixed `--seed` replays the job mix (the scheduling is the machine's).
//! `ci/soak.sh` runs it for a minute in CI.

mod jobs;

use jobs::{accept_loop, generate, Guard, Rng, Stats, INJECTED};
use runtime::net::TcpListener;
use runtime::time::{sleep, Duration, Instant};
use runtime::{Handle, TaskGroup};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

/// Allowed RSS growth between the end of the warm-up and the end of the
/// drain. Runs on 2 workers sit at about 5 MiB and move by under 1 MiB
/// (8 s and 1 min alike); a leak of 20 bytes per job exceeds it within a
/// minute (some 15k jobs a second).
const RSS_SLACK_MIB: u64 = 16;
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// Resident set size in bytes (`VmRSS` of `/proc/self/status`).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

struct Args {
    run: Duration,
    seed: u64,
    workers: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        run: Duration::from_secs(60),
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        workers: 2,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |what: &str| -> u64 {
            let v = it
                .next()
                .unwrap_or_else(|| usage(&format!("{flag} needs {what}")));
            v.parse()
                .unwrap_or_else(|_| usage(&format!("{flag} {v}: expected {what}")))
        };
        match flag.as_str() {
            "--minutes" => args.run = Duration::from_secs(value("a number of minutes") * 60),
            "--seconds" => args.run = Duration::from_secs(value("a number of seconds")),
            "--seed" => args.seed = value("an unsigned integer"),
            "--workers" => args.workers = value("a number of workers") as usize,
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if args.run.is_zero() {
        usage("the run must last at least a second");
    }
    args
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("soak: {problem}");
    }
    eprintln!("usage: soak [--minutes N | --seconds N] [--seed S] [--workers W]");
    std::process::exit(if problem.is_empty() { 0 } else { 64 })
}

/// Prints a progress line about once a second until `stop` is set; after
/// 30 s without a finished job it reports a hang and exits with status 2.
fn progress(
    stats: Arc<Stats>,
    handle: Handle,
    stop: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let (mut last_spawned, mut last_jobs, mut stalled) = (0, 0, 0);
        while stop.load(Relaxed) == 0 {
            std::thread::sleep(std::time::Duration::from_secs(1));
            let spawned = stats.spawned.load(Relaxed);
            let jobs = stats.jobs.load(Relaxed);
            let in_flight = stats
                .items_sent
                .load(Relaxed)
                .saturating_sub(stats.items_got.load(Relaxed));
            println!(
                "[{:>5.0}s] tasks/s {:>7} | live tasks {:>4} | rss {:>6.1} MiB | fds {:>3} | items in flight {:>4} | jobs {:>8} | errors {}",
                start.elapsed().as_secs_f64(),
                spawned - last_spawned,
                handle.num_live_tasks(),
                mib(rss()),
                open_fds(),
                in_flight,
                jobs,
                stats.errors.load(Relaxed),
            );
            stalled = if jobs == last_jobs { stalled + 1 } else { 0 };
            if stalled >= 30 {
                eprintln!("soak: no job finished for 30 s: a hang");
                std::process::exit(2);
            }
            (last_spawned, last_jobs) = (spawned, jobs);
        }
    })
}

fn main() {
    let args = parse_args();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&INJECTED) {
            default_hook(info);
        }
    }));
    println!(
        "soak: {:?} on {} workers, seed {} (replay the mix with --seed {})",
        args.run, args.workers, args.seed, args.seed
    );
    let stats = Arc::new(Stats::default());
    let fds_before_runtime = open_fds();
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(args.workers)
        .thread_name("soak")
        .build()
        .expect("build the runtime");
    let mut failures = Vec::new();
    let mut check = |ok: bool, what: String| {
        println!("  {} {what}", if ok { "ok  " } else { "FAIL" });
        if !ok {
            failures.push(what);
        }
    };
    let stop = Arc::new(AtomicUsize::new(0));
    let started = std::time::Instant::now();
    let (fds_base, fds_drained, rss_warm, rss_end, live_after) = rt.block_on(async {
        let fds_base = open_fds();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let server = TaskGroup::<std::io::Error>::new();
        let acceptor = server.clone();
        let stats2 = stats.clone();
        let guard = Guard::new(&stats);
        server.spawn(async move {
            let _guard = guard;
            accept_loop(listener, acceptor, stats2).await;
            Ok(())
        });
        let ticker = progress(stats.clone(), Handle::current(), stop.clone());
        let mut rng = Rng(args.seed);
        let warm_up = (args.run / 10).max(Duration::from_secs(2)).min(args.run);
        let now = Instant::now();
        generate(now + warm_up, addr, rng.fork(), stats.clone()).await;
        let rss_warm = rss();
        generate(now + args.run, addr, rng.fork(), stats.clone()).await;
        // Drain: the jobs are done; stop the server (cancels the acceptor
        // and any connection left), then every task must be gone.
        server.cancel();
        let _ = server.join().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        // This block_on future is not a task: live tasks do not count it.
        while Handle::current().num_live_tasks() > 0 && Instant::now() < deadline {
            sleep(Duration::from_millis(5)).await;
        }
        stop.store(1, Relaxed);
        ticker.join().expect("the progress thread");
        let live = Handle::current().num_live_tasks();
        (fds_base, open_fds(), rss_warm, rss(), live)
    });
    drop(rt);
    let elapsed = started.elapsed().as_secs_f64();
    let s = &stats;
    let spawned = s.spawned.load(Relaxed);
    println!(
        "soak summary: {elapsed:.1} s, {} jobs, {spawned} tasks spawned ({:.0}/s), {} injected panics, {} cancels, {} timeouts, {} dropped connections, {} group failures, {:.1} MiB echoed, {} items sent / {} received",
        s.jobs.load(Relaxed),
        spawned as f64 / elapsed,
        s.panics.load(Relaxed),
        s.cancels.load(Relaxed),
        s.timeouts.load(Relaxed),
        s.server_drops.load(Relaxed),
        s.group_failures.load(Relaxed),
        mib(s.bytes_echoed.load(Relaxed)),
        s.items_sent.load(Relaxed),
        s.items_got.load(Relaxed),
    );
    let errors = s.errors.load(Relaxed);
    for e in s.first_errors.lock().unwrap().iter() {
        println!("  error: {e}");
    }
    check(errors == 0, format!("job checks: {errors} failed"));
    check(
        live_after == 0,
        format!("live tasks after the drain: {live_after}"),
    );
    check(
        fds_drained == fds_base,
        format!(
            "open fds with the runtime: {fds_base} before the load, {fds_drained} after the drain"
        ),
    );
    let fds_end = open_fds();
    check(
        fds_end == fds_before_runtime,
        format!("open fds: {fds_before_runtime} before the runtime, {fds_base} with it, {fds_end} after it was dropped"),
    );
    check(
        rss_end <= rss_warm + RSS_SLACK_MIB * 1024 * 1024,
        format!(
            "rss: {:.1} MiB after warm-up, {:.1} MiB after the drain (bound +{RSS_SLACK_MIB} MiB)",
            mib(rss_warm),
            mib(rss_end)
        ),
    );
    let (made, dropped) = (s.guards_made.load(Relaxed), s.guards_dropped.load(Relaxed));
    check(
        made == dropped,
        format!("spawned futures: {made} made, {dropped} dropped"),
    );
    check(
        s.items_sent.load(Relaxed) == s.items_got.load(Relaxed),
        format!(
            "items: {} sent, {} received",
            s.items_sent.load(Relaxed),
            s.items_got.load(Relaxed)
        ),
    );
    if failures.is_empty() {
        println!("soak: passed");
    } else {
        println!("soak: FAILED ({} checks)", failures.len());
        std::process::exit(1);
    }
}
