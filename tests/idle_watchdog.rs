//! The slow-poll watchdog sleeps without a timeout while the runtime is
//! idle (`runtime-core/src/scheduler/README.md`, "The watchdog's sleep"),
//! so it must be woken by whatever ends the idle spell. A stress test of
//! that wake-up: many rounds in which the runtime goes fully idle (every
//! worker parked, the watchdog asleep) and then a task that blocks its
//! worker for [`BLOCK`] starts, woken
//!
//! - from outside the runtime (a spawn from this thread),
//! - by a timer (it slept through the idle spell),
//! - by I/O (it waited in `accept` until this thread connects);
//!
//! every one of them must be reported as a slow poll while it still blocks.
//! A lost wake-up leaves the watchdog asleep and the report missing.
//!
//! Both flavors: a 2-worker multi-thread runtime, and a current-thread one
//! (its core counts as running only while a `block_on` thread holds it and
//! is not parked). The rounds run in a child process per flavor (the
//! reports go to its stderr).
//! `RUNTIME_IDLE_ROUNDS` sets the number of rounds (default 3: about 3 s).
//! Before each wake the child waits until the watchdog thread has not been
//! switched in for a while (its `voluntary_ctxt_switches` in /proc stop
//! moving), i.e. it is in the untimed sleep; on a loaded machine it may
//! give up waiting and go on, which makes that round weaker, never wrong.
mod common;
use common::watchdog;
use std::process::Command;
use std::time::Duration;

/// The runtime's slow-poll threshold in the child (tick: a quarter).
const THRESHOLD: Duration = Duration::from_millis(20);
/// How long each round's task blocks its worker: ten thresholds, so the
/// report comes long before the poll ends even on a slow machine.
const BLOCK: Duration = Duration::from_millis(200);
/// The child's thread-name prefix (its watchdog is `idl-watchdog`).
const NAME: &str = "idl";
const SOURCES: [&str; 3] = ["outside", "timer", "io"];

fn rounds() -> usize {
    std::env::var("RUNTIME_IDLE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// The watchdog thread's voluntary context switches so far.
fn watchdog_switches() -> Option<u64> {
    let prefix = format!("{NAME}-watchdog");
    for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != prefix {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).ok()?;
        return status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse().ok());
    }
    None
}

/// Waits (up to about 2 s) until the watchdog has stayed asleep for eight
/// of its ticks; returns whether it did.
fn until_the_watchdog_sleeps() -> bool {
    let mut last = watchdog_switches();
    for _ in 0..50 {
        std::thread::sleep(THRESHOLD * 2);
        let now = watchdog_switches();
        if now.is_some() && now == last {
            return true;
        }
        last = now;
    }
    false
}

/// A poll that blocks its worker (what the watchdog must report).
fn block_the_worker() {
    std::thread::sleep(BLOCK);
}

fn child(flavor: &str) {
    let mut builder = match flavor {
        "multi" => {
            let mut b = runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
        "current" => runtime::Builder::new_current_thread(),
        other => panic!("unknown flavor {other:?}"),
    };
    let rt = builder
        .thread_name(NAME)
        .slow_poll_threshold(Some(THRESHOLD))
        .build()
        .expect("build runtime");
    let rt = &rt;
    let mut asleep = 0;
    for round in 0..rounds() {
        // From outside: a spawn from this thread (and, current-thread, the
        // `block_on` that then runs it).
        asleep += usize::from(until_the_watchdog_sleeps());
        let task = runtime::task::Builder::new()
            .name(format!("idle-{round}-outside"))
            .spawn_on(async { block_the_worker() }, rt.handle());
        rt.block_on(task).expect("outside task");

        // A timer: the task sleeps through the idle spell. Another thread
        // waits for it in `block_on` (current-thread: runs it).
        let task = runtime::task::Builder::new()
            .name(format!("idle-{round}-timer"))
            .spawn_on(
                async {
                    runtime::time::sleep(Duration::from_millis(600)).await;
                    block_the_worker();
                },
                rt.handle(),
            );
        std::thread::scope(|s| {
            let waiter = s.spawn(move || rt.block_on(task).expect("timer task"));
            asleep += usize::from(until_the_watchdog_sleeps());
            waiter.join().expect("timer waiter");
        });

        // I/O: the task waits in accept until this thread connects.
        let listener = rt
            .block_on(runtime::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let task = runtime::task::Builder::new()
            .name(format!("idle-{round}-io"))
            .spawn_on(
                async move {
                    let conn = listener.accept().await.expect("accept");
                    block_the_worker();
                    drop(conn);
                },
                rt.handle(),
            );
        std::thread::scope(|s| {
            let waiter = s.spawn(move || rt.block_on(task).expect("io task"));
            asleep += usize::from(until_the_watchdog_sleeps());
            let conn = std::net::TcpStream::connect(addr).expect("connect");
            waiter.join().expect("io waiter");
            drop(conn);
        });
    }
    eprintln!(
        "idle_watchdog ({flavor}): the watchdog was seen asleep before {asleep} of {} wakes",
        rounds() * SOURCES.len()
    );
}

/// Runs the rounds on `flavor` in a child process and checks every report.
fn check(test: &str, flavor: &str) {
    if let Ok(child_flavor) = std::env::var("RUNTIME_IDLE_CHILD") {
        if child_flavor == flavor {
            child(flavor);
        }
        return;
    }
    let limit = Duration::from_secs(60) + Duration::from_secs(5) * rounds() as u32;
    let (test, flavor) = (test.to_owned(), flavor.to_owned());
    watchdog(limit, move || {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &test, "--nocapture", "--test-threads=1"])
            .env("RUNTIME_IDLE_CHILD", &flavor)
            .env("RUST_BACKTRACE", "0")
            .output()
            .expect("spawn child test process");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child failed: {stderr}");
        for round in 0..rounds() {
            for source in SOURCES {
                let name = format!("slow poll: task 'idle-{round}-{source}'");
                assert!(
                    stderr
                        .lines()
                        .any(|l| l.contains(&name) && l.contains("still running")),
                    "{flavor}: no report for {name:?} (a lost watchdog wake-up): {stderr}"
                );
            }
        }
        eprint!("{stderr}");
    });
}

#[test]
fn multi_thread_a_slow_poll_after_an_idle_spell_is_reported_whatever_woke_it() {
    check(
        "multi_thread_a_slow_poll_after_an_idle_spell_is_reported_whatever_woke_it",
        "multi",
    );
}

#[test]
fn current_thread_a_slow_poll_after_an_idle_spell_is_reported_whatever_woke_it() {
    check(
        "current_thread_a_slow_poll_after_an_idle_spell_is_reported_whatever_woke_it",
        "current",
    );
}
