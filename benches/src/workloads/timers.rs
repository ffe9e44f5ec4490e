//! `timers`: [`SLEEPS`] tasks each sleep once, for 1 to 10 ms (task `i`
//! sleeps `1 + i % 10` ms), and the root task awaits them all. Uses
//! `runtime::time::sleep`, `tokio::time::sleep` and `smol::Timer::after`.
//! The floor is 10 ms (the longest sleep); the rest is registering,
//! firing and waking 100 000 timers (plus spawning their tasks).
//!
//! Check: every task measures its own sleep; none may wake early, and
//! every task must report back.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};
use std::time::{Duration, Instant};

/// Sleeping tasks per run.
pub const SLEEPS: u64 = 100_000;

/// The workload.
pub const TIMERS: Workload = Workload {
    name: "timers",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
    smol_label: None,
};

fn duration(i: u64) -> Duration {
    Duration::from_millis(1 + i % 10)
}

/// Whether a sleep of `d` that started at `start` ended too early.
fn early(start: Instant, d: Duration) -> u64 {
    u64::from(start.elapsed() < d)
}

fn check(name: &str, (done, early): (u64, u64)) {
    assert_eq!(done, SLEEPS, "{name}: timers lost a task");
    assert_eq!(early, 0, "{name}: {early} sleeps ended early");
}

fn on_runtime(rt: &runtime::Runtime) {
    check(
        "runtime",
        in_runtime(rt, async {
            let tasks: Vec<_> = (0..SLEEPS)
                .map(|i| {
                    runtime::spawn(async move {
                        let (start, d) = (Instant::now(), duration(i));
                        runtime::time::sleep(d).await;
                        early(start, d)
                    })
                })
                .collect();
            let (mut done, mut bad) = (0, 0);
            for t in tasks {
                bad += t.await.expect("sleeper failed");
                done += 1;
            }
            (done, bad)
        }),
    );
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    check(
        "tokio",
        in_tokio(rt, async {
            let tasks: Vec<_> = (0..SLEEPS)
                .map(|i| {
                    tokio::spawn(async move {
                        let (start, d) = (Instant::now(), duration(i));
                        tokio::time::sleep(d).await;
                        early(start, d)
                    })
                })
                .collect();
            let (mut done, mut bad) = (0, 0);
            for t in tasks {
                bad += t.await.expect("sleeper failed");
                done += 1;
            }
            (done, bad)
        }),
    );
}

fn on_smol(pool: &SmolPool) {
    let ex = pool.executor().clone();
    check(
        "smol",
        pool.run(async move {
            let tasks: Vec<_> = (0..SLEEPS)
                .map(|i| {
                    ex.spawn(async move {
                        let (start, d) = (Instant::now(), duration(i));
                        smol::Timer::after(d).await;
                        early(start, d)
                    })
                })
                .collect();
            let (mut done, mut bad) = (0, 0);
            for t in tasks {
                bad += t.await;
                done += 1;
            }
            (done, bad)
        }),
    );
}
