//! How `semaphore_contention`'s time on `runtime` depends on how its polls
//! split between two workers.
//!
//! ```text
//! cargo run --release -p benches --bin semaphore_split [-- --runtimes N --runs R]
//! ```
//!
//! Builds `N` runtimes with 2 workers (no slow-poll watchdog), each
//! followed by one with 1 worker for reference, and runs the workload `R`
//! times on each. Per 2-worker run it prints the wall time and each
//! worker's polls, steals and parks (from `Handle::metrics`); per 1-worker
//! run, the time. Then the medians: 1 worker, 2 workers where one of them
//! did at least 75% of the polls, and 2 workers sharing the work more
//! evenly.
//!
//! The split is decided at the start of a run. A semaphore's hand-off wakes
//! the next waiter on the releasing worker, so each worker keeps the permits
//! its tasks hold, and the split mostly persists for the whole run. It is
//! skewed when the second worker's thread does not get a CPU at the start
//! (seen on this VM: notified, or awake by the runtime's accounting, but not
//! run by the kernel for milliseconds; while a notified worker counts as
//! searching, no further worker is notified). The `semaphore_contention`
//! sections of `docs/performance.md` explain what the medians show.

use benches::cli::Flags;
use benches::stats::{fmt_duration, median};
use benches::workloads::semaphore::SEMAPHORE_CONTENTION;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: semaphore_split [--runtimes N] [--runs R]";

/// A run counts as "one worker" when that worker did this share of polls.
const SKEWED: f64 = 0.75;

fn parse_args() -> Result<(usize, usize), String> {
    let (mut runtimes, mut runs) = (12, 3);
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next_flag()? {
        match flag.as_str() {
            "--runtimes" => runtimes = flags.positive()?,
            "--runs" => runs = flags.positive()?,
            _ => return Err(flags.unknown()),
        }
    }
    Ok((runtimes, runs))
}

/// What one worker did during one run.
struct WorkerDelta {
    polls: u64,
    steals: u64,
    parks: u64,
}

/// One run's wall time and what each worker did.
struct Run {
    took: Duration,
    workers: Vec<WorkerDelta>,
}

impl Run {
    /// The busiest worker's share of the polls.
    fn busiest_share(&self) -> f64 {
        let total: u64 = self.workers.iter().map(|w| w.polls).sum();
        let top = self.workers.iter().map(|w| w.polls).max().unwrap_or(0);
        top as f64 / total.max(1) as f64
    }
}

/// Builds a runtime with `workers` workers and runs the workload `runs`
/// times on it.
fn measure(workers: usize, runs: usize) -> std::io::Result<Vec<Run>> {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .slow_poll_threshold(None)
        .build()?;
    let handle = rt.handle();
    Ok((0..runs)
        .map(|_| {
            let before = handle.metrics();
            let start = Instant::now();
            (SEMAPHORE_CONTENTION.runtime)(&rt);
            let took = start.elapsed();
            let after = handle.metrics();
            let workers = before
                .per_worker
                .iter()
                .zip(&after.per_worker)
                .map(|(b, a)| WorkerDelta {
                    polls: a.polls - b.polls,
                    steals: a.steals - b.steals,
                    parks: a.parks - b.parks,
                })
                .collect();
            Run { took, workers }
        })
        .collect())
}

fn print_median(name: &str, times: &[Duration]) {
    match median(times) {
        Some(m) => println!("{name}: {} runs, median {}", times.len(), fmt_duration(m)),
        None => println!("{name}: no runs"),
    }
}

/// Alternates a 2-worker and a 1-worker runtime, `runtimes` times each, so
/// that the VM's speed drifting over the minute hits both alike.
fn run(runtimes: usize, runs: usize) -> std::io::Result<()> {
    let (mut one, mut skewed, mut even) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runtimes {
        println!("2 workers, runtime {}/{runtimes}", i + 1);
        for run in measure(2, runs)? {
            let split: Vec<String> = run
                .workers
                .iter()
                .map(|w| {
                    format!(
                        "{:>6} polls {:>2} steals {:>2} parks",
                        w.polls, w.steals, w.parks
                    )
                })
                .collect();
            let share = run.busiest_share();
            println!(
                "  {:>9}  {}  busiest worker {:3.0}%",
                fmt_duration(run.took),
                split.join(" | "),
                100.0 * share
            );
            if share >= SKEWED {
                skewed.push(run.took);
            } else {
                even.push(run.took);
            }
        }
        let single: Vec<Duration> = measure(1, runs)?.iter().map(|run| run.took).collect();
        let shown: Vec<String> = single.iter().map(|&t| fmt_duration(t)).collect();
        println!("1 worker:  {}", shown.join(", "));
        one.extend(single);
    }
    println!();
    print_median("1 worker", &one);
    print_median(
        &format!("2 workers, one did >= {:.0}% of the polls", 100.0 * SKEWED),
        &skewed,
    );
    print_median("2 workers, split more evenly", &even);
    Ok(())
}

fn main() -> ExitCode {
    let (runtimes, runs) = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("semaphore_split: {e}");
            return ExitCode::from(2);
        }
    };
    match run(runtimes, runs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("semaphore_split: cannot build a runtime: {e}");
            ExitCode::FAILURE
        }
    }
}
