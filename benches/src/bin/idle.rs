//! Idle cost: how often an idle runtime wakes up, and how much CPU it burns,
//! on runtime, Tokio and smol.
//!
//! ```text
//! cargo run --release -p benches --bin idle [-- --workers N --secs S --reps R --raw --current-thread]
//! ```
//!
//! The program is the same on all three: a multi-thread runtime with
//! `--workers` workers (default 2), one task waiting in `accept` on a TCP
//! listener bound to 127.0.0.1, one task sleeping for an hour, nothing
//! else. Once both tasks are parked (and a settling pause, [`SETTLE`]),
//! the process records `getrusage(RUSAGE_SELF)`, sleeps through the idle
//! window (`--secs`, default 3 s), and records it again. The differences:
//!
//! - **wake-ups**: voluntary context switches (`ru_nvcsw`), all threads of
//!   the process: each is a thread that blocked and was woken again;
//! - **CPU**: user + system time (`ru_utime + ru_stime`), all threads.
//!
//! Both are divided by the window's length (per idle second). The figures
//! include the measuring thread's own sleep (one voluntary switch per
//! window, i.e. 1/S per second), the same for all three.
//!
//! Each runtime is measured in a child process of its own (`--only`), so
//! that the other two runtimes' threads are not counted; the children run
//! in turn, runtime, Tokio, smol, `--reps` times (default 3), and the
//! table shows the medians. `--raw` prints one `idle <runtime>
//! <wake-ups/s> <CPU µs/s>` line per runtime (what `ratio` reads).
//!
//! `--current-thread` runs the same program on current-thread runtimes
//! (runtime and Tokio; a second thread sits in `block_on` through the
//! window) and on a one-thread smol pool.
//!
//! `runtime` is built as `ratio` builds it (`Runtimes::new`): the default
//! builder, so the slow-poll watchdog is on unless `RUNTIME_SLOW_POLL=off`.

use benches::cli::Flags;
use benches::runtimes::slow_poll_threshold;
use benches::stats::median_f64;
use benches::{child, report, Which, DEFAULT_WORKERS};
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// How long the runtime is left alone after its tasks parked and before
/// the window starts (start-up work, the first backstop ticks).
const SETTLE: Duration = Duration::from_millis(300);
/// The idle timer: far beyond any window.
const TIMER: Duration = Duration::from_secs(3600);

/// `getrusage(RUSAGE_SELF)`: voluntary switches, involuntary switches and
/// user + system CPU time.
#[derive(Clone, Copy)]
struct Usage {
    nvcsw: i64,
    nivcsw: i64,
    cpu: Duration,
}

fn usage() -> Usage {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage for the call's duration, and
    // RUSAGE_SELF is always a valid `who`.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Usage {
        nvcsw: ru.ru_nvcsw,
        nivcsw: ru.ru_nivcsw,
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
    }
}

/// One idle window's cost, per idle second.
#[derive(Clone, Copy, Debug)]
struct Cost {
    /// Voluntary context switches per second.
    wakeups: f64,
    /// Involuntary context switches per second.
    preempted: f64,
    /// CPU microseconds per second.
    cpu_us: f64,
}

/// Sleeps through the window and returns what the process spent in it.
fn window(secs: f64) -> Cost {
    std::thread::sleep(SETTLE);
    let before = usage();
    std::thread::sleep(Duration::from_secs_f64(secs));
    let after = usage();
    Cost {
        wakeups: (after.nvcsw - before.nvcsw) as f64 / secs,
        preempted: (after.nivcsw - before.nivcsw) as f64 / secs,
        cpu_us: (after.cpu - before.cpu).as_secs_f64() * 1e6 / secs,
    }
}

/// One of the two idle tasks, boxed so that the three runtimes' spawn
/// functions take the same type.
type IdleTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Spawns the two idle tasks (`accept`, `timer`) through `spawn`; each
/// first tells the returned receiver it is running, then parks. Wait for
/// them with [`wait_parked`].
fn spawn_idle_tasks(
    mut spawn: impl FnMut(IdleTask),
    accept: impl Future<Output = ()> + Send + 'static,
    timer: impl Future<Output = ()> + Send + 'static,
) -> Receiver<()> {
    let (parked_tx, parked_rx) = std::sync::mpsc::channel::<()>();
    let tx = parked_tx.clone();
    spawn(Box::pin(async move {
        tx.send(()).expect("main waits");
        accept.await;
    }));
    spawn(Box::pin(async move {
        parked_tx.send(()).expect("main waits");
        timer.await;
    }));
    parked_rx
}

/// Blocks until both tasks of [`spawn_idle_tasks`] have run.
fn wait_parked(parked: &Receiver<()>) {
    parked.recv().expect("accept task");
    parked.recv().expect("timer task");
}

/// Builds `which`, parks the two tasks, measures one window.
fn measure(which: Which, workers: usize, secs: f64, current: bool) -> std::io::Result<Cost> {
    if current {
        return measure_current_thread(which, secs);
    }
    let cost = match which {
        Which::Runtime => {
            let rt = runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .slow_poll_threshold(slow_poll_threshold())
                .build()?;
            let listener = rt.block_on(runtime::net::TcpListener::bind("127.0.0.1:0"))?;
            let parked = spawn_idle_tasks(
                |t| drop(rt.spawn(t)),
                async move { drop(listener.accept().await) },
                async { runtime::time::sleep(TIMER).await },
            );
            wait_parked(&parked);
            window(secs)
        }
        Which::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()?;
            let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
            let parked = spawn_idle_tasks(
                |t| drop(rt.spawn(t)),
                async move { drop(listener.accept().await) },
                async { tokio::time::sleep(TIMER).await },
            );
            wait_parked(&parked);
            window(secs)
        }
        Which::Smol => {
            let pool = benches::SmolPool::new(workers)?;
            let listener = smol::block_on(smol::net::TcpListener::bind("127.0.0.1:0"))?;
            let parked = spawn_idle_tasks(
                |t| pool.executor().spawn(t).detach(),
                async move { drop(listener.accept().await) },
                async {
                    smol::Timer::after(TIMER).await;
                },
            );
            wait_parked(&parked);
            window(secs)
        }
    };
    Ok(cost)
}

/// `--current-thread`: the same program on a current-thread runtime, whose
/// tasks run only while a thread is in `block_on`: a second thread sits in
/// `block_on` on a future that ends when the window is over. smol has no
/// flavors: one thread in `smol::block_on(executor.run(..))`, the pool with
/// one worker.
fn measure_current_thread(which: Which, secs: f64) -> std::io::Result<Cost> {
    let cost = match which {
        Which::Runtime => {
            let rt = runtime::Builder::new_current_thread()
                .slow_poll_threshold(slow_poll_threshold())
                .build()?;
            let listener = rt.block_on(runtime::net::TcpListener::bind("127.0.0.1:0"))?;
            let parked = spawn_idle_tasks(
                |t| drop(rt.spawn(t)),
                async move { drop(listener.accept().await) },
                async { runtime::time::sleep(TIMER).await },
            );
            let (done_tx, done_rx) = runtime::sync::oneshot::channel::<()>();
            window_beside(
                || {
                    let _ = rt.block_on(done_rx);
                },
                &parked,
                secs,
                || {
                    let _ = done_tx.send(());
                },
            )
        }
        Which::Tokio => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
            let parked = spawn_idle_tasks(
                |t| drop(rt.spawn(t)),
                async move { drop(listener.accept().await) },
                async { tokio::time::sleep(TIMER).await },
            );
            let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
            window_beside(
                || {
                    let _ = rt.block_on(done_rx);
                },
                &parked,
                secs,
                || {
                    let _ = done_tx.send(());
                },
            )
        }
        Which::Smol => return measure(Which::Smol, 1, secs, false),
    };
    Ok(cost)
}

/// Runs `block_on` on a second thread, waits for the two tasks to park,
/// measures one window, then calls `done` (which must make `block_on`
/// return) and joins the thread.
fn window_beside(
    block_on: impl FnOnce() + Send,
    parked: &Receiver<()>,
    secs: f64,
    done: impl FnOnce(),
) -> Cost {
    std::thread::scope(|s| {
        s.spawn(block_on);
        wait_parked(parked);
        let cost = window(secs);
        done();
        cost
    })
}

struct Args {
    workers: usize,
    secs: f64,
    reps: usize,
    raw: bool,
    only: Option<Which>,
    current: bool,
}

const USAGE: &str = "usage: idle [--workers N] [--secs S] [--reps R] [--raw] \
     [--current-thread] [--only runtime|tokio|smol]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        workers: DEFAULT_WORKERS,
        secs: 3.0,
        reps: 3,
        raw: false,
        only: None,
        current: false,
    };
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next_flag()? {
        match flag.as_str() {
            "--workers" => args.workers = flags.positive()?,
            "--reps" => args.reps = flags.positive()?,
            "--secs" => {
                args.secs =
                    flags.parsed(|s: &f64| *s > 0.0 && s.is_finite(), "a positive number")?;
            }
            "--raw" => args.raw = true,
            "--current-thread" => args.current = true,
            "--only" => args.only = Some(flags.which()?),
            _ => return Err(flags.unknown()),
        }
    }
    Ok(args)
}

/// Runs one window of `which` in a child process.
fn measure_in_child(which: Which, args: &Args) -> Result<Cost, String> {
    let mut child_args = vec![
        "--workers".to_owned(),
        args.workers.to_string(),
        "--secs".to_owned(),
        args.secs.to_string(),
    ];
    if args.current {
        child_args.push("--current-thread".to_owned());
    }
    let text = child::run_self_for(which, &child_args)?;
    let fields: Vec<f64> = child::cost_fields(which, &text)?
        .into_iter()
        .map(|v| v.parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("bad result from the {} child: {e}", which.name()))?;
    let [wakeups, preempted, cpu_us] = fields[..] else {
        return Err(format!(
            "bad result from the {} child: {text:?}",
            which.name()
        ));
    };
    Ok(Cost {
        wakeups,
        preempted,
        cpu_us,
    })
}

fn run(args: &Args) -> Result<(), String> {
    if let Some(which) = args.only {
        let c = measure(which, args.workers, args.secs, args.current)
            .map_err(|e| format!("cannot build {}: {e}", which.name()))?;
        println!("cost {} {} {}", c.wakeups, c.preempted, c.cpu_us);
        return Ok(());
    }
    let mut costs: [Vec<Cost>; 3] = Default::default();
    for rep in 1..=args.reps {
        for (i, which) in Which::ALL.into_iter().enumerate() {
            let c = measure_in_child(which, args)?;
            eprintln!(
                "idle: rep {rep}/{} {:<7} {:.1} wake-ups/s, {:.1} preemptions/s, \
                 CPU {:.0} µs/s",
                args.reps,
                which.name(),
                c.wakeups,
                c.preempted,
                c.cpu_us
            );
            costs[i].push(c);
        }
    }
    let med = |i: usize, f: fn(&Cost) -> f64| {
        median_f64(&costs[i].iter().map(f).collect::<Vec<_>>()).unwrap_or(f64::NAN)
    };
    let wakeups = [0, 1, 2].map(|i| med(i, |c| c.wakeups));
    let cpu = [0, 1, 2].map(|i| med(i, |c| c.cpu_us));
    if args.raw {
        for (i, which) in Which::ALL.into_iter().enumerate() {
            println!("idle {} {} {}", which.name(), wakeups[i], cpu[i]);
        }
        return Ok(());
    }
    println!("machine: {}", report::machine());
    let flavor = if args.current {
        "current-thread (smol: 1 thread)".to_owned()
    } else {
        format!("{} workers per runtime", args.workers)
    };
    println!(
        "{flavor}; one listener in accept, one 1-hour timer; \
         idle window {} s, {} reps (median)\n",
        args.secs, args.reps
    );
    print!(
        "{}",
        report::idle_table(&report::IdleRow {
            wakeups,
            cpu_us: cpu
        })
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("idle: {msg}");
            ExitCode::FAILURE
        }
    }
}
