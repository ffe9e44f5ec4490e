//! Runs every workload on runtime, Tokio and smol and prints one table of
//! medians and the ratio (fastest peer / runtime; > 1.00: runtime is faster).
//! A workload whose smol primitive keeps a different promise
//! (`Workload::smol_label`: the semaphore, "barging") shows smol labelled
//! and takes the ratio against Tokio alone.
//!
//! ```text
//! cargo run --release -p benches --bin ratio [-- --workers N --reps R --filter NAME]
//! cargo run --release -p benches --bin ratio -- --only runtime --filter tcp_echo  # for profilers
//! ```
//!
//! Each workload builds the three runtimes once, runs one untimed warm-up
//! per runtime, then R rounds; a round runs the workload once on each
//! runtime in turn, so that background noise hits all three alike.
//! Workloads faster than [`MIN_SAMPLE`] are run `k` times back to back per
//! sample (`k` from the fastest warm-up, the same for all three runtimes),
//! and the table shows the time of one run (sample / `k`).
//!
//! `--only NAME` runs the workloads on that runtime alone (the other two are
//! built but stay idle) and prints its medians instead of the table, so
//! that `perf`, `strace -c` or callgrind see one runtime only.
//!
//! The `idle` rows (wake-ups and CPU per idle second, unless `--filter`
//! excludes them) come the same way from the `idle` binary, which measures
//! each runtime in a child process of its own.
//!
//! The `latency` rows (tail latency under background load; unless
//! `--filter` excludes them) come from the `latency` binary's `--raw`
//! output, run the same way.
//!
//! The `idle_memory` row (unless `--filter` excludes it) comes from the
//! `idle_memory` binary, run as a subprocess with the same `--workers`
//! because it needs a counting global allocator. Under `cargo run`, `ratio`
//! first builds it with the same cargo (`$CARGO`) and profile; otherwise it
//! must sit next to `ratio`.

use benches::cli::Flags;
use benches::latency::{self, Summary};
use benches::report::{self, IdleRow, MemoryRow, Row};
use benches::stats::{fmt_duration, median, process_cpu_time};
use benches::{child, workloads, Runtimes, Which, Workload, DEFAULT_WORKERS};
use std::process::ExitCode;
use std::time::{Duration, Instant};

struct Args {
    workers: usize,
    reps: usize,
    filter: Option<String>,
    only: Option<Which>,
}

const USAGE: &str =
    "usage: ratio [--workers N] [--reps R] [--filter NAME] [--only runtime|tokio|smol]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        workers: DEFAULT_WORKERS,
        reps: 5,
        filter: None,
        only: None,
    };
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next_flag()? {
        match flag.as_str() {
            "--workers" => args.workers = flags.positive()?,
            "--reps" => args.reps = flags.positive()?,
            "--filter" => args.filter = Some(flags.value()?),
            "--only" => args.only = Some(flags.which()?),
            _ => return Err(flags.unknown()),
        }
    }
    Ok(args)
}

/// The shortest sample worth timing on a busy machine.
const MIN_SAMPLE: Duration = Duration::from_millis(50);

/// Times `runs` back-to-back runs; returns the wall-clock and the process
/// CPU time of one run.
fn time_runs(w: &Workload, rts: &Runtimes, which: Which, runs: u32) -> (Duration, Duration) {
    let cpu = process_cpu_time();
    let start = Instant::now();
    for _ in 0..runs {
        w.run(rts, which);
    }
    (start.elapsed() / runs, (process_cpu_time() - cpu) / runs)
}

fn measure(w: &Workload, args: &Args) -> std::io::Result<Row> {
    let rts = Runtimes::new(args.workers)?;
    let chosen = |which: &Which| args.only.is_none_or(|o| o == *which);
    let fastest_warm_up = Which::ALL
        .into_iter()
        .filter(chosen)
        .map(|which| time_runs(w, &rts, which, 1).0)
        .min()
        .expect("three runtimes");
    let runs = (MIN_SAMPLE.as_secs_f64() / fastest_warm_up.as_secs_f64().max(1e-9))
        .ceil()
        .clamp(1.0, 1000.0) as u32;
    let mut samples: [Vec<Duration>; 3] = Default::default();
    let mut cpu_samples: [Vec<Duration>; 3] = Default::default();
    for rep in 1..=args.reps {
        for (i, which) in Which::ALL.into_iter().enumerate() {
            if !chosen(&which) {
                continue;
            }
            let (t, cpu) = time_runs(w, &rts, which, runs);
            eprintln!(
                "{}: rep {rep}/{} {:<7} {} (CPU {}) per run, {runs} runs",
                w.name,
                args.reps,
                which.name(),
                fmt_duration(t),
                fmt_duration(cpu)
            );
            samples[i].push(t);
            cpu_samples[i].push(cpu);
        }
    }
    // Runtimes left out by `--only` get zero (never printed).
    let medians = samples.map(|s| median(&s).unwrap_or_default());
    let cpu = cpu_samples.map(|s| median(&s).unwrap_or_default());
    Ok(Row {
        name: w.name,
        medians,
        cpu,
        smol_label: w.smol_label,
    })
}

/// Parked tasks per runtime for the `idle_memory` row.
const IDLE_TASKS: usize = 500_000;

/// Runs `idle_memory --raw`.
fn idle_memory(workers: usize) -> Result<MemoryRow, String> {
    let args = ["--raw", "--workers", &workers.to_string()]
        .into_iter()
        .map(str::to_owned)
        .chain(["--tasks".to_owned(), IDLE_TASKS.to_string()])
        .collect::<Vec<_>>();
    let out = child::run_sibling("idle_memory", &args)?;
    MemoryRow::parse(&out).ok_or_else(|| "idle_memory printed no result".to_owned())
}

/// Runs `latency --raw` (7 reps of the default shape, a few seconds).
fn tail_latency(workers: usize) -> Result<[Summary; 3], String> {
    let args = [
        "--raw".to_owned(),
        "--workers".to_owned(),
        workers.to_string(),
    ];
    let out = child::run_sibling("latency", &args)?;
    Summary::parse(&out).ok_or_else(|| "latency printed no result".to_owned())
}

/// Runs `idle --raw` (3 reps of a 3 s window per runtime, about 30 s).
fn idle(workers: usize) -> Result<IdleRow, String> {
    let args = [
        "--raw".to_owned(),
        "--workers".to_owned(),
        workers.to_string(),
    ];
    let out = child::run_sibling("idle", &args)?;
    IdleRow::parse(&out).ok_or_else(|| "idle printed no result".to_owned())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::FAILURE;
        }
    };
    let wanted = |name: &str| match args.filter.as_deref() {
        Some(f) => name.contains(f),
        None => true,
    };
    let selected: Vec<&Workload> = workloads::ALL.iter().filter(|w| wanted(w.name)).collect();
    let memory = wanted("idle_memory") && args.only.is_none();
    // "idle" is also a substring of "idle_memory": `--filter idle_memory`
    // asks for the memory row alone.
    let idle_cost =
        wanted("idle") && args.only.is_none() && args.filter.as_deref() != Some("idle_memory");
    let tail = wanted("latency") && args.only.is_none();
    if selected.is_empty() && !memory && !idle_cost && !tail {
        eprintln!("no workload matches {:?}", args.filter);
        return ExitCode::FAILURE;
    }
    let mut rows = Vec::new();
    for w in selected {
        match measure(w, &args) {
            Ok(row) => rows.push(row),
            Err(e) => {
                eprintln!("{}: cannot build the runtimes: {e}", w.name);
                return ExitCode::FAILURE;
            }
        }
    }
    // A failure here still prints the timing table (and then fails).
    let memory_row = memory.then(|| idle_memory(args.workers));
    let idle_row = idle_cost.then(|| idle(args.workers));
    let tail_rows = tail.then(|| tail_latency(args.workers));
    if let Some(which) = args.only {
        let i = Which::ALL
            .iter()
            .position(|w| *w == which)
            .expect("a runtime");
        for row in &rows {
            println!(
                "{} {} median {} CPU {}",
                row.name,
                which.name(),
                fmt_duration(row.medians[i]),
                fmt_duration(row.cpu[i])
            );
        }
        return ExitCode::SUCCESS;
    }
    println!("machine: {}", report::machine());
    println!(
        "workers: {} per runtime, reps: {} (median)",
        args.workers, args.reps
    );
    println!(
        "ratio = fastest peer median / runtime median (> 1.00: runtime is faster); \
         \"vs tokio\": Tokio's median / runtime's (smol shown for reference, labelled)"
    );
    println!(
        "CPU = process CPU time (user + system, all threads) per run; \
         CPU ratio = smallest peer / runtime\n"
    );
    if !rows.is_empty() {
        print!("{}", report::table(&rows));
    }
    if let Some(line) = workloads::semaphore::fairness_report() {
        println!("\n{line}");
    }
    match memory_row {
        Some(Ok(row)) => {
            println!(
                "\nidle memory (ratio = smallest peer / runtime; > 1.00: runtime uses less):\n"
            );
            print!("{}", report::memory_table(&row, IDLE_TASKS));
        }
        Some(Err(e)) => {
            eprintln!("idle_memory: {e}");
            return ExitCode::FAILURE;
        }
        None => {}
    }
    match tail_rows {
        Some(Ok(rows)) => {
            println!(
                "\ntail latency under 50% background load (the `latency` binary; \
                 ratio = peer / runtime; > 1.00: runtime's round trip is shorter):\n"
            );
            print!(
                "{}",
                latency::table(&latency::Config::new(args.workers), &rows)
            );
        }
        Some(Err(e)) => {
            eprintln!("latency: {e}");
            return ExitCode::FAILURE;
        }
        None => {}
    }
    match idle_row {
        Some(Ok(row)) => {
            println!(
                "\nidle cost, per idle second (one listener in accept, one 1-hour timer; \
                 wake-ups = voluntary context switches, all threads; \
                 ratio = smallest peer / runtime; > 1.00: runtime spends less):\n"
            );
            print!("{}", report::idle_table(&row));
        }
        Some(Err(e)) => {
            eprintln!("idle: {e}");
            return ExitCode::FAILURE;
        }
        None => {}
    }
    ExitCode::SUCCESS
}
