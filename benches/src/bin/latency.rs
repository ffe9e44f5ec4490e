//! Tail latency under background load: request/response round trips over
//! channels on runtime, Tokio and smol while CPU-bound tasks take half of
//! the workers' time (issue 17, item 4; the workload is described in
//! `benches::latency`).
//!
//! ```text
//! cargo run --release -p benches --bin latency [-- --workers N --reps R --clients C --per-client K --share F --think-us T --raw --only NAME]
//! ```
//!
//! The three runtimes are built once, in this process, with `--workers`
//! workers each (default 2). One untimed warm-up run per runtime, then
//! `--reps` reps (default 7); a rep is one full run on each runtime, and
//! the order rotates from rep to rep (runtime, tokio, smol; then tokio,
//! smol, runtime; ...), so that no runtime always runs first or last. Each
//! rep prints one progress line per runtime to stderr. The table (stdout)
//! shows, per runtime, the medians over the reps of each run's p50, p99
//! and p999, the ratios peer / runtime (above 1.00: runtime's round trip
//! is shorter), and the achieved background share.
//!
//! `--raw` prints one `latency <runtime> <p50 ns> <p99 ns> <p999 ns>
//! <spin share> <CPU share>` line per runtime instead (what `ratio`
//! reads). `--only NAME` runs one runtime alone (for a profiler) and
//! prints its line.
//!
//! With `--metrics`, each of `runtime`'s progress lines also shows what its
//! workers did in that run (`Handle::metrics` differences: polls, steals,
//! parks, budget-forced yields).

use benches::cli::Flags;
use benches::latency::{self, Config, Run, Summary};
use benches::stats::fmt_duration;
use benches::{report, Runtimes, Which, DEFAULT_WORKERS};
use std::process::ExitCode;

struct Args {
    cfg: Config,
    reps: usize,
    raw: bool,
    only: Option<Which>,
    metrics: bool,
}

const USAGE: &str = "usage: latency [--workers N] [--reps R] [--clients C] [--per-client K] \
     [--share F] [--think-us T] [--raw] [--metrics] [--only runtime|tokio|smol]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        cfg: Config::new(DEFAULT_WORKERS),
        reps: 7,
        raw: false,
        only: None,
        metrics: false,
    };
    let mut workers = DEFAULT_WORKERS;
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next_flag()? {
        match flag.as_str() {
            "--workers" => workers = flags.positive()?,
            "--reps" => args.reps = flags.positive()?,
            "--clients" => args.cfg.clients = flags.positive()?,
            "--per-client" => args.cfg.per_client = flags.positive()?,
            "--share" => {
                args.cfg.share =
                    flags.parsed(|s: &f64| *s > 0.0 && *s <= 1.0, "a number in (0, 1]")?;
            }
            "--think-us" => {
                let us: u64 = flags.parsed(|_| true, "microseconds")?;
                args.cfg.think = std::time::Duration::from_micros(us);
            }
            "--raw" => args.raw = true,
            "--metrics" => args.metrics = true,
            "--only" => args.only = Some(flags.which()?),
            _ => return Err(flags.unknown()),
        }
    }
    args.cfg.workers = workers;
    Ok(args)
}

/// `runtime`'s worker counters summed over its workers.
fn counters(rts: &Runtimes) -> [u64; 4] {
    let m = rts.runtime.handle().metrics();
    m.per_worker.iter().fold([0; 4], |acc, w| {
        [
            acc[0] + w.polls,
            acc[1] + w.steals,
            acc[2] + w.parks,
            acc[3] + w.budget_forced_yields,
        ]
    })
}

fn progress(rep: &str, which: Which, r: &Run) -> String {
    let [p50, p99, p999] = latency::QUANTILES.map(|(q, _)| fmt_duration(r.quantile(q)));
    let mut line = format!(
        "latency: {rep} {:<7} p50 {p50} p99 {p99} p999 {p999} max {}; \
         background {:.1}%, CPU {:.0}% of the workers, run {}",
        which.name(),
        fmt_duration(r.quantile(1.0)),
        r.spin_share() * 100.0,
        r.cpu_share() * 100.0,
        fmt_duration(r.window),
    );
    line.push_str(&format!(
        "; spinner periods begun behind schedule {}/{}",
        r.spun.behind, r.spun.periods
    ));
    line.push_str(&format!(
        "; round trips >= p99 waited (median) {} for the server, {} for the reply",
        fmt_duration(r.tail_legs.0),
        fmt_duration(r.tail_legs.1)
    ));
    if !r.thinks.is_empty() {
        let t = |q| fmt_duration(latency::quantile(&r.thinks, q));
        line.push_str(&format!("; think sleeps p50 {} p99 {}", t(0.5), t(0.99)));
    }
    line
}

fn run(args: &Args) -> Result<(), String> {
    let cfg = args.cfg;
    let rts = Runtimes::new(cfg.workers).map_err(|e| format!("cannot build the runtimes: {e}"))?;
    let chosen: Vec<Which> = Which::ALL
        .into_iter()
        .filter(|w| args.only.is_none_or(|o| o == *w))
        .collect();
    for &which in &chosen {
        let r = latency::run(&rts, which, cfg);
        eprintln!("{}", progress("warm-up", which, &r));
    }
    let mut runs: [Vec<Run>; 3] = Default::default();
    for rep in 0..args.reps {
        let mut order = chosen.clone();
        let n = order.len();
        order.rotate_left(rep % n);
        for which in order {
            let before = counters(&rts);
            let r = latency::run(&rts, which, cfg);
            let mut line = progress(&format!("rep {}/{}", rep + 1, args.reps), which, &r);
            if args.metrics && which == Which::Runtime {
                let after = counters(&rts);
                let [polls, steals, parks, forced] = [0, 1, 2, 3].map(|i| after[i] - before[i]);
                line.push_str(&format!(
                    "; polls {polls}, steals {steals}, parks {parks}, forced yields {forced}"
                ));
            }
            eprintln!("{line}");
            let i = Which::ALL
                .iter()
                .position(|w| *w == which)
                .expect("a runtime");
            runs[i].push(r);
        }
    }
    let summaries = runs.each_ref().map(|r| Summary::of(r));
    if let Some(which) = args.only {
        let i = Which::ALL
            .iter()
            .position(|w| *w == which)
            .expect("a runtime");
        let s = summaries[i].expect("one runtime ran");
        println!("{}", s.raw_line(which));
        return Ok(());
    }
    let [Some(a), Some(b), Some(c)] = summaries else {
        return Err("a runtime has no runs".to_owned());
    };
    let summaries = [a, b, c];
    if args.raw {
        for (s, which) in summaries.iter().zip(Which::ALL) {
            println!("{}", s.raw_line(which));
        }
        return Ok(());
    }
    let load = cfg.load();
    println!("machine: {}", report::machine());
    println!(
        "{} workers per runtime; {} clients × {} round trips per run (a server task, \
         mpsc + oneshot); {} spinners, {} slices, {} of spin per {} period each; \
         {} reps (median), order rotating\n",
        cfg.workers,
        cfg.clients,
        cfg.per_client,
        load.spinners,
        fmt_duration(load.slice),
        fmt_duration(load.busy),
        fmt_duration(load.period),
        args.reps
    );
    print!("{}", latency::table(&cfg, &summaries));
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("latency: {msg}");
            ExitCode::FAILURE
        }
    }
}
