//! Idle memory per task: how many heap bytes a parked task costs on
//! runtime, Tokio and smol.
//!
//! ```text
//! cargo run --release -p benches --bin idle_memory [-- --workers N --tasks N --raw]
//! ```
//!
//! For each runtime in turn, in a child process of its own (`--only`, so
//! that memory freed by one runtime cannot hide the next one's growth):
//! build it, run a
//! small warm-up, record the live heap, spawn `--tasks` tasks (default
//! 500 000) from this thread through the runtime's handle, wait until every
//! one has been polled once and is parked on a future that never completes,
//! let the workers go idle, and record the live heap again. Bytes per task
//! = the difference / tasks. Dropping the runtime then cancels the tasks.
//!
//! Live heap bytes are counted by a global allocator wrapping the system
//! allocator (bytes requested, not malloc's own overhead), which is why
//! this is a binary of its own: the counting would slow down every other
//! workload. The RSS growth per task (from `/proc/self/statm`) is shown too;
//! it includes malloc's overhead and fragmentation.
//!
//! Each task's future is the same on all three: one `Arc` clone (to tick
//! a latch on its first poll) and then `std::future::pending()`.
//!
//! `--raw` prints one `idle_memory <runtime> <bytes per task>` line per
//! runtime (what `ratio` reads) instead of the table.

use benches::cli::Flags;
use benches::countdown::Countdown;
use benches::{child, report, SmolPool, Which, DEFAULT_WORKERS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

/// Live bytes and live allocations, updated on every (de)allocation.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_ALLOCS: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments,
// which upholds `GlobalAlloc`'s contract; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
            LIVE_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
            LIVE_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        LIVE_ALLOCS.fetch_sub(1, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A point-in-time reading of the counters.
#[derive(Clone, Copy)]
struct Snapshot {
    bytes: isize,
    allocs: isize,
    rss: isize,
}

fn rss_bytes() -> isize {
    // statm: size resident shared ... in pages; assume 4 KiB pages.
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .map_or(0, |pages: isize| pages * 4096)
}

fn snapshot() -> Snapshot {
    // Let the workers finish what they were doing and park.
    std::thread::sleep(Duration::from_millis(200));
    Snapshot {
        bytes: LIVE_BYTES.load(Ordering::SeqCst),
        allocs: LIVE_ALLOCS.load(Ordering::SeqCst),
        rss: rss_bytes(),
    }
}

/// Per-task cost of one runtime.
struct Cost {
    which: Which,
    bytes: f64,
    allocs: f64,
    rss: f64,
    leaked: isize,
}

/// Builds one runtime, parks `tasks` tasks on it and returns what they
/// cost; the runtime is dropped (cancelling them) before returning.
fn measure(which: Which, workers: usize, tasks: usize) -> std::io::Result<Cost> {
    let before_build = snapshot().bytes;
    let (before, after) = match which {
        Which::Runtime => {
            let rt = runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .build()?;
            let warm = Countdown::new(1000);
            for _ in 0..1000 {
                let w = warm.clone();
                drop(rt.handle().spawn(async move { w.tick() }));
            }
            warm.wait();
            drop(warm);
            let before = snapshot();
            let latch = Countdown::new(tasks);
            for _ in 0..tasks {
                let l = latch.clone();
                drop(rt.handle().spawn(async move {
                    l.tick();
                    std::future::pending::<()>().await;
                }));
            }
            latch.wait();
            drop(latch);
            let after = snapshot();
            drop(rt);
            (before, after)
        }
        Which::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()?;
            let warm = Countdown::new(1000);
            for _ in 0..1000 {
                let w = warm.clone();
                drop(rt.handle().spawn(async move { w.tick() }));
            }
            warm.wait();
            drop(warm);
            let before = snapshot();
            let latch = Countdown::new(tasks);
            for _ in 0..tasks {
                let l = latch.clone();
                drop(rt.handle().spawn(async move {
                    l.tick();
                    std::future::pending::<()>().await;
                }));
            }
            latch.wait();
            drop(latch);
            let after = snapshot();
            drop(rt);
            (before, after)
        }
        Which::Smol => {
            let pool = SmolPool::new(workers)?;
            let warm = Countdown::new(1000);
            for _ in 0..1000 {
                let w = warm.clone();
                pool.executor().spawn(async move { w.tick() }).detach();
            }
            warm.wait();
            drop(warm);
            let before = snapshot();
            let latch = Countdown::new(tasks);
            for _ in 0..tasks {
                let l = latch.clone();
                pool.executor()
                    .spawn(async move {
                        l.tick();
                        std::future::pending::<()>().await;
                    })
                    .detach();
            }
            latch.wait();
            drop(latch);
            let after = snapshot();
            drop(pool);
            (before, after)
        }
    };
    let dropped = snapshot();
    let n = tasks as f64;
    Ok(Cost {
        which,
        bytes: (after.bytes - before.bytes) as f64 / n,
        allocs: (after.allocs - before.allocs) as f64 / n,
        rss: (after.rss - before.rss) as f64 / n,
        leaked: dropped.bytes - before_build,
    })
}

struct Args {
    workers: usize,
    tasks: usize,
    raw: bool,
    only: Option<Which>,
}

const USAGE: &str =
    "usage: idle_memory [--workers N] [--tasks N] [--raw] [--only runtime|tokio|smol]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        workers: DEFAULT_WORKERS,
        tasks: 500_000,
        raw: false,
        only: None,
    };
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next_flag()? {
        match flag.as_str() {
            "--workers" => args.workers = flags.positive()?,
            "--tasks" => args.tasks = flags.positive()?,
            "--raw" => args.raw = true,
            "--only" => args.only = Some(flags.which()?),
            _ => return Err(flags.unknown()),
        }
    }
    Ok(args)
}

/// `--only`: measure one runtime in this process and print one line
/// `cost <bytes> <allocs> <rss> <leaked>`.
fn measure_here(which: Which, args: &Args) -> Result<(), String> {
    let c = measure(which, args.workers, args.tasks)
        .map_err(|e| format!("cannot build {}: {e}", which.name()))?;
    println!("cost {} {} {} {}", c.bytes, c.allocs, c.rss, c.leaked);
    Ok(())
}

/// Measures `which` in a child process of its own, so that neither its
/// heap nor its RSS is affected by the other runtimes' (freed) memory.
fn measure_in_child(which: Which, args: &Args) -> Result<Cost, String> {
    let child_args = [
        "--workers".to_owned(),
        args.workers.to_string(),
        "--tasks".to_owned(),
        args.tasks.to_string(),
    ];
    let text = child::run_self_for(which, &child_args)?;
    let fields = child::cost_fields(which, &text)?;
    let num = |i: usize| -> Result<f64, String> {
        fields.get(i).and_then(|v| v.parse().ok()).ok_or(format!(
            "bad result from the {} child: {text:?}",
            which.name()
        ))
    };
    Ok(Cost {
        which,
        bytes: num(0)?,
        allocs: num(1)?,
        rss: num(2)?,
        leaked: num(3)? as isize,
    })
}

fn run(args: &Args) -> Result<(), String> {
    if let Some(which) = args.only {
        return measure_here(which, args);
    }
    let mut costs = Vec::new();
    for which in Which::ALL {
        let c = measure_in_child(which, args)?;
        eprintln!(
            "idle_memory: {:<7} {:.1} B/task, {:.2} allocations/task, RSS {:.1} B/task, \
             {} B still live after drop",
            which.name(),
            c.bytes,
            c.allocs,
            c.rss,
            c.leaked
        );
        costs.push(c);
    }
    if args.raw {
        for c in &costs {
            println!("idle_memory {} {:.1}", c.which.name(), c.bytes);
        }
        return Ok(());
    }
    println!("machine: {}", report::machine());
    println!(
        "workers: {} per runtime, {} parked tasks each",
        args.workers, args.tasks
    );
    println!("ratio = smallest peer / runtime (> 1.00: runtime uses less)\n");
    println!("| runtime | heap bytes / task | allocations / task | RSS bytes / task |");
    println!("| --- | ---: | ---: | ---: |");
    for c in &costs {
        println!(
            "| {} | {:.1} | {:.2} | {:.1} |",
            c.which.name(),
            c.bytes,
            c.allocs,
            c.rss
        );
    }
    let peer = costs[1].bytes.min(costs[2].bytes);
    println!(
        "\nratio (heap): {:.2}",
        peer / costs[0].bytes.max(f64::MIN_POSITIVE)
    );
    Ok(())
}

fn main() -> ExitCode {
    let result = parse_args().and_then(|args| run(&args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("idle_memory: {msg}");
            ExitCode::FAILURE
        }
    }
}
