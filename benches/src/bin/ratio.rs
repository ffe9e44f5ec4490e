//! Runs every workload on runtime, Tokio and smol and prints one table of
//! medians and the ratio (fastest peer / runtime; > 1.00: runtime is faster).
//!
//! ```text
//! cargo run --release -p benches --bin ratio [-- --workers N --reps R --filter NAME]
//! ```
//!
//! Each workload builds the three runtimes once, runs one untimed warm-up
//! per runtime, then R rounds; a round runs the workload once on each
//! runtime in turn, so that background noise hits all three alike.

use benches::report::{self, Row};
use benches::stats::{fmt_duration, median};
use benches::{workloads, Runtimes, Which, Workload, DEFAULT_WORKERS};
use std::process::ExitCode;
use std::time::{Duration, Instant};

struct Args {
    workers: usize,
    reps: usize,
    filter: Option<String>,
}

const USAGE: &str = "usage: ratio [--workers N] [--reps R] [--filter NAME]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        workers: DEFAULT_WORKERS,
        reps: 5,
        filter: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
        let number = |v: String| {
            v.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or(format!("{flag}: expected a positive integer, got {v:?}"))
        };
        match flag.as_str() {
            "--workers" => args.workers = number(value()?)?,
            "--reps" => args.reps = number(value()?)?,
            "--filter" => args.filter = Some(value()?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            _ => return Err(format!("unknown argument {flag:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

fn time_once(w: &Workload, rts: &Runtimes, which: Which) -> Duration {
    let start = Instant::now();
    w.run(rts, which);
    start.elapsed()
}

fn measure(w: &Workload, args: &Args) -> std::io::Result<Row> {
    let rts = Runtimes::new(args.workers)?;
    for which in Which::ALL {
        time_once(w, &rts, which); // warm-up
    }
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for rep in 1..=args.reps {
        for (i, which) in Which::ALL.into_iter().enumerate() {
            let t = time_once(w, &rts, which);
            eprintln!(
                "{}: rep {rep}/{} {:<7} {}",
                w.name,
                args.reps,
                which.name(),
                fmt_duration(t)
            );
            samples[i].push(t);
        }
    }
    let medians = samples.map(|s| median(&s).expect("reps > 0"));
    Ok(Row {
        name: w.name,
        medians,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::FAILURE;
        }
    };
    let selected: Vec<&Workload> = workloads::ALL
        .iter()
        .filter(|w| match args.filter.as_deref() {
            Some(f) => w.name.contains(f),
            None => true,
        })
        .collect();
    if selected.is_empty() {
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
    println!("machine: {}", report::machine());
    println!(
        "workers: {} per runtime, reps: {} (median)",
        args.workers, args.reps
    );
    println!("ratio = fastest peer median / runtime median (> 1.00: runtime is faster)\n");
    print!("{}", report::table(&rows));
    ExitCode::SUCCESS
}
