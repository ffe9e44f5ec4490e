//! `latency`: request/response round trips while CPU-bound background tasks
//! take half of the workers' time (issue 17, item 4). Run by the `latency`
//! binary; `ratio` shows its rows.
//!
//! **Requests.** One server task owns the receiving end of a bounded mpsc
//! channel (capacity = clients). [`Config::clients`] client tasks (default
//! 16) each do [`Config::per_client`] round trips back to back (a closed
//! loop, as a load generator with that many connections): make a oneshot
//! channel, read `Instant::now()`, send `(i, reply sender)` to the server,
//! await the reply, read the clock again. The server answers each request
//! with `i + 1` (checked). The sample is the time from just before the
//! send to just after the reply arrived: the server's wake-up, its poll,
//! the reply's wake-up of the client and its poll, and any queueing behind
//! the other clients' requests and the background tasks.
//!
//! **Background load.** [`Load::spinners`] tasks (one per worker) each
//! follow a fixed schedule of [`Load::period`] periods (4 ms) measured from
//! the run's start: in each period a spinner spins for [`Load::busy`]
//! (2 ms with the default 50% share) in slices of [`Load::slice`]
//! (100 µs), awaiting the runtime's `yield_now` between slices, then
//! sleeps (the runtime's own `sleep_until`) until its next period starts.
//! Spinner `j` is offset by `j / spinners` of a period, so with 2 workers
//! one spinner is spinning at any moment: half of the two workers' time.
//! A slice spins until `Instant` says it has lasted [`Load::slice`]: the
//! load is calibrated by time, not iterations, and is the same on every
//! runtime (same tasks, slices and schedule). Because the periods are
//! fixed instants and the busy time per period is fixed, a timer that
//! fires late (runtime's and Tokio's wheels have 1 ms ticks, smol's timers
//! do not) shifts a spin phase inside its period but does not change the
//! share. Each run reports the **achieved** share: the slices' total time /
//! (workers × the run's wall time), and the process's CPU time / (workers
//! × wall time).
//!
//! The run's window is from the spinners' start until the last client got
//! its last reply; then the spinners are told to stop (a flag checked
//! before each slice and after each sleep, so at most one slice per
//! spinner runs past the window and is counted).

use crate::runtimes::{in_runtime, in_tokio, Runtimes, SmolPool, Which};
use crate::stats::{process_cpu_time, thread_cpu_time};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one run does.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Worker threads of each runtime (the background share is of these).
    pub workers: usize,
    /// Concurrent client tasks.
    pub clients: usize,
    /// Round trips per client.
    pub per_client: usize,
    /// Share of the workers' time the spinners take, in (0, 1].
    pub share: f64,
    /// A client's pause before each request (the runtime's `sleep`); zero:
    /// back to back.
    pub think: Duration,
}

impl Config {
    /// The default shape: 16 clients × 500 round trips, 50% background.
    pub fn new(workers: usize) -> Config {
        Config {
            workers,
            clients: 16,
            per_client: 250,
            share: 0.5,
            think: Duration::from_millis(1),
        }
    }

    /// The background load for this configuration.
    pub fn load(&self) -> Load {
        let period = Duration::from_millis(4);
        Load {
            spinners: self.workers,
            slice: Duration::from_micros(100),
            period,
            busy: period.mul_f64(self.share.clamp(0.0, 1.0)),
        }
    }

    /// Round trips per run.
    pub fn samples(&self) -> usize {
        self.clients * self.per_client
    }
}

/// The spinners' schedule (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Spinner tasks (one per worker).
    pub spinners: usize,
    /// Spin time between two `yield_now`s.
    pub slice: Duration,
    /// Length of one period of a spinner's schedule.
    pub period: Duration,
    /// Spin time per spinner per period.
    pub busy: Duration,
}

/// Spins for `d` of wall-clock time (by `Instant`, not by iterations);
/// returns the wall time it took and the CPU time the thread got in it
/// (less when the kernel ran another process meanwhile).
fn spin_for(d: Duration) -> (Duration, Duration) {
    let cpu = thread_cpu_time();
    let start = Instant::now();
    loop {
        let spent = start.elapsed();
        if spent >= d {
            return (spent, thread_cpu_time().saturating_sub(cpu));
        }
        std::hint::spin_loop();
    }
}

/// Spinner `j`'s loop on any runtime, given its `yield_now` and
/// `sleep_until`; returns the CPU time its slices got.
async fn spinner<Y, YF, S, SF>(
    load: Load,
    j: usize,
    start: Instant,
    stop: Arc<AtomicBool>,
    yield_now: Y,
    sleep_until: S,
) -> Duration
where
    Y: Fn() -> YF,
    YF: Future,
    S: Fn(Instant) -> SF,
    SF: Future,
{
    let offset = load.period.mul_f64(j as f64 / load.spinners as f64);
    let mut spun = Duration::ZERO;
    for k in 0u32.. {
        // A deadline already past is not awaited: Tokio's timer would
        // wait for its driver's next turn to fire it.
        let at = start + offset + load.period * k;
        if Instant::now() < at {
            sleep_until(at).await;
        }
        let mut this_period = Duration::ZERO;
        while this_period < load.busy {
            if stop.load(Ordering::Relaxed) {
                return spun;
            }
            let (wall, cpu) = spin_for(load.slice.min(load.busy - this_period));
            this_period += wall;
            spun += cpu;
            yield_now().await;
        }
        if stop.load(Ordering::Relaxed) {
            return spun;
        }
    }
    spun
}

/// What a run's root task returns.
struct Raw {
    samples: Vec<Duration>,
    window: Duration,
    spun: Duration,
}

/// One run on one runtime.
#[derive(Debug, Clone)]
pub struct Run {
    /// Round-trip times, sorted.
    pub samples: Vec<Duration>,
    /// From the spinners' start until the last reply.
    pub window: Duration,
    /// The CPU time the spinners' slices got.
    pub spun: Duration,
    /// Process CPU time (all threads) over the whole run.
    pub cpu: Duration,
    workers: usize,
}

impl Run {
    /// The `q` quantile (0 < q ≤ 1) by nearest rank.
    pub fn quantile(&self, q: f64) -> Duration {
        quantile(&self.samples, q)
    }

    /// The background's achieved share of the workers' time.
    pub fn spin_share(&self) -> f64 {
        self.spun.as_secs_f64() / (self.workers as f64 * self.window.as_secs_f64())
    }

    /// Process CPU time / the workers' time in the window (all work: the
    /// spinners, the requests, the runtime's own threads).
    pub fn cpu_share(&self) -> f64 {
        self.cpu.as_secs_f64() / (self.workers as f64 * self.window.as_secs_f64())
    }
}

/// The `q` quantile of sorted `samples` by nearest rank (zero when empty).
pub fn quantile(samples: &[Duration], q: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

/// Runs the workload once on `which`.
pub fn run(rts: &Runtimes, which: Which, cfg: Config) -> Run {
    let cpu = process_cpu_time();
    let raw = match which {
        Which::Runtime => on_runtime(&rts.runtime, cfg),
        Which::Tokio => on_tokio(&rts.tokio, cfg),
        Which::Smol => on_smol(&rts.smol, cfg),
    };
    let cpu = process_cpu_time() - cpu;
    let mut samples = raw.samples;
    assert_eq!(
        samples.len(),
        cfg.samples(),
        "{}: lost samples",
        which.name()
    );
    samples.sort_unstable();
    Run {
        samples,
        window: raw.window,
        spun: raw.spun,
        cpu,
        workers: cfg.workers,
    }
}

/// A request: the number and where to send the answer.
type Request<R> = (u64, R);

fn on_runtime(rt: &runtime::Runtime, cfg: Config) -> Raw {
    use runtime::sync::{mpsc, oneshot};
    in_runtime(rt, async move {
        let load = cfg.load();
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let spinners: Vec<_> = (0..load.spinners)
            .map(|j| {
                let s = spinner(load, j, start, stop.clone(), runtime::yield_now, |t| {
                    runtime::time::sleep_until(t)
                });
                runtime::spawn(s)
            })
            .collect();
        let (tx, mut rx) = mpsc::channel::<Request<oneshot::Sender<u64>>>(cfg.clients);
        let server = runtime::spawn(async move {
            while let Some((i, reply)) = rx.recv().await {
                let _ = reply.send(i + 1);
            }
        });
        let clients: Vec<_> = (0..cfg.clients)
            .map(|_| {
                let tx = tx.clone();
                runtime::spawn(async move {
                    let mut samples = Vec::with_capacity(cfg.per_client);
                    for i in 0..cfg.per_client as u64 {
                        if !cfg.think.is_zero() {
                            runtime::time::sleep(cfg.think).await;
                        }
                        let (reply, answer) = oneshot::channel();
                        let t = Instant::now();
                        tx.send((i, reply)).await.expect("server gone");
                        let v = answer.await.expect("no reply");
                        samples.push(t.elapsed());
                        assert_eq!(v, i + 1, "runtime: bad reply");
                    }
                    samples
                })
            })
            .collect();
        drop(tx);
        let mut samples = Vec::with_capacity(cfg.samples());
        for c in clients {
            samples.extend(c.await.expect("client failed"));
        }
        let window = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut spun = Duration::ZERO;
        for s in spinners {
            spun += s.await.expect("spinner failed");
        }
        server.await.expect("server failed");
        Raw {
            samples,
            window,
            spun,
        }
    })
}

fn on_tokio(rt: &tokio::runtime::Runtime, cfg: Config) -> Raw {
    use tokio::sync::{mpsc, oneshot};
    in_tokio(rt, async move {
        let load = cfg.load();
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let spinners: Vec<_> = (0..load.spinners)
            .map(|j| {
                let s = spinner(load, j, start, stop.clone(), tokio::task::yield_now, |t| {
                    tokio::time::sleep_until(tokio::time::Instant::from_std(t))
                });
                tokio::spawn(s)
            })
            .collect();
        let (tx, mut rx) = mpsc::channel::<Request<oneshot::Sender<u64>>>(cfg.clients);
        let server = tokio::spawn(async move {
            while let Some((i, reply)) = rx.recv().await {
                let _ = reply.send(i + 1);
            }
        });
        let clients: Vec<_> = (0..cfg.clients)
            .map(|_| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut samples = Vec::with_capacity(cfg.per_client);
                    for i in 0..cfg.per_client as u64 {
                        if !cfg.think.is_zero() {
                            tokio::time::sleep(cfg.think).await;
                        }
                        let (reply, answer) = oneshot::channel();
                        let t = Instant::now();
                        tx.send((i, reply)).await.expect("server gone");
                        let v = answer.await.expect("no reply");
                        samples.push(t.elapsed());
                        assert_eq!(v, i + 1, "tokio: bad reply");
                    }
                    samples
                })
            })
            .collect();
        drop(tx);
        let mut samples = Vec::with_capacity(cfg.samples());
        for c in clients {
            samples.extend(c.await.expect("client failed"));
        }
        let window = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut spun = Duration::ZERO;
        for s in spinners {
            spun += s.await.expect("spinner failed");
        }
        server.await.expect("server failed");
        Raw {
            samples,
            window,
            spun,
        }
    })
}

/// smol: async-channel, a bounded(1) channel as the oneshot.
fn on_smol(pool: &SmolPool, cfg: Config) -> Raw {
    use smol::channel::{bounded, Sender};
    let ex = pool.executor().clone();
    pool.run(async move {
        let load = cfg.load();
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let spinners: Vec<_> = (0..load.spinners)
            .map(|j| {
                let s = spinner(
                    load,
                    j,
                    start,
                    stop.clone(),
                    smol::future::yield_now,
                    smol::Timer::at,
                );
                ex.spawn(s)
            })
            .collect();
        let (tx, rx) = bounded::<Request<Sender<u64>>>(cfg.clients);
        let server = ex.spawn(async move {
            while let Ok((i, reply)) = rx.recv().await {
                let _ = reply.try_send(i + 1);
            }
        });
        let clients: Vec<_> = (0..cfg.clients)
            .map(|_| {
                let tx = tx.clone();
                ex.spawn(async move {
                    let mut samples = Vec::with_capacity(cfg.per_client);
                    for i in 0..cfg.per_client as u64 {
                        if !cfg.think.is_zero() {
                            smol::Timer::after(cfg.think).await;
                        }
                        let (reply, answer) = bounded(1);
                        let t = Instant::now();
                        tx.send((i, reply)).await.expect("server gone");
                        let v = answer.recv().await.expect("no reply");
                        samples.push(t.elapsed());
                        assert_eq!(v, i + 1, "smol: bad reply");
                    }
                    samples
                })
            })
            .collect();
        drop(tx);
        let mut samples = Vec::with_capacity(cfg.samples());
        for c in clients {
            samples.extend(c.await);
        }
        let window = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut spun = Duration::ZERO;
        for s in spinners {
            spun += s.await;
        }
        server.await;
        Raw {
            samples,
            window,
            spun,
        }
    })
}

/// The medians over reps of one runtime's runs: what the table shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Median of the runs' p50, p99 and p999.
    pub quantiles: [Duration; 3],
    /// Median achieved background share.
    pub spin_share: f64,
    /// Median process CPU / workers' time.
    pub cpu_share: f64,
}

/// The quantiles the table reports.
pub const QUANTILES: [(f64, &str); 3] = [(0.5, "p50"), (0.99, "p99"), (0.999, "p999")];

impl Summary {
    /// The medians of `runs` (`None` when there are none).
    pub fn of(runs: &[Run]) -> Option<Summary> {
        use crate::stats::{median, median_f64};
        let q = |i: usize| {
            median(
                &runs
                    .iter()
                    .map(|r| r.quantile(QUANTILES[i].0))
                    .collect::<Vec<_>>(),
            )
        };
        Some(Summary {
            quantiles: [q(0)?, q(1)?, q(2)?],
            spin_share: median_f64(&runs.iter().map(Run::spin_share).collect::<Vec<_>>())?,
            cpu_share: median_f64(&runs.iter().map(Run::cpu_share).collect::<Vec<_>>())?,
        })
    }

    /// One `--raw` line: `latency <runtime> <p50 ns> <p99 ns> <p999 ns>
    /// <spin share> <CPU share>`.
    pub fn raw_line(&self, which: Which) -> String {
        let [a, b, c] = self.quantiles.map(|d| d.as_nanos());
        format!(
            "latency {} {a} {b} {c} {} {}",
            which.name(),
            self.spin_share,
            self.cpu_share
        )
    }

    /// Parses the `--raw` output: one summary per runtime, in
    /// [`Which::ALL`] order; `None` unless all three are there.
    pub fn parse(raw: &str) -> Option<[Summary; 3]> {
        let mut found = [None; 3];
        for line in raw.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let ["latency", name, p50, p99, p999, spin, cpu] = words[..] else {
                continue;
            };
            let Some(i) = Which::ALL.iter().position(|w| w.name() == name) else {
                continue;
            };
            let ns = |v: &str| v.parse::<u64>().ok().map(Duration::from_nanos);
            found[i] = Some(Summary {
                quantiles: [ns(p50)?, ns(p99)?, ns(p999)?],
                spin_share: spin.parse().ok()?,
                cpu_share: cpu.parse().ok()?,
            });
        }
        let [Some(a), Some(b), Some(c)] = found else {
            return None;
        };
        Some([a, b, c])
    }
}

/// The table as Markdown: one row per quantile, then the achieved load.
/// Ratios are peer / runtime: above 1.00, `runtime`'s round trip is
/// shorter.
pub fn table(cfg: &Config, s: &[Summary; 3]) -> String {
    use crate::stats::fmt_duration;
    let mut out = format!(
        "| latency: {} clients × {} round trips, {} workers, {:.0}% background | runtime | tokio | smol \
         | tokio / runtime | smol / runtime |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
        cfg.clients,
        cfg.per_client,
        cfg.workers,
        cfg.share * 100.0
    );
    for (i, (_, name)) in QUANTILES.iter().enumerate() {
        let [rt, tokio, smol] = [0, 1, 2].map(|r| s[r].quantiles[i]);
        let ratio = |peer: Duration| peer.as_secs_f64() / rt.as_secs_f64().max(f64::MIN_POSITIVE);
        out.push_str(&format!(
            "| round trip {name} | {} | {} | {} | {:.2} | {:.2} |\n",
            fmt_duration(rt),
            fmt_duration(tokio),
            fmt_duration(smol),
            ratio(tokio),
            ratio(smol)
        ));
    }
    let pct = |f: fn(&Summary) -> f64| s.map(|x| format!("{:.1}%", f(&x) * 100.0));
    let [a, b, c] = pct(|x| x.spin_share);
    out.push_str(&format!(
        "| background share (achieved) | {a} | {b} | {c} | | |\n"
    ));
    let [a, b, c] = pct(|x| x.cpu_share);
    out.push_str(&format!(
        "| process CPU / workers' time | {a} | {b} | {c} | | |\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let us = Duration::from_micros;
        let samples: Vec<Duration> = (1..=1000).map(us).collect();
        assert_eq!(quantile(&samples, 0.5), us(500));
        assert_eq!(quantile(&samples, 0.99), us(990));
        assert_eq!(quantile(&samples, 0.999), us(999));
        assert_eq!(quantile(&samples, 1.0), us(1000));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn raw_lines_round_trip_and_the_table_shows_ratios() {
        let us = Duration::from_micros;
        let s = |p99| Summary {
            quantiles: [us(10), us(p99), us(400)],
            spin_share: 0.5,
            cpu_share: 0.9,
        };
        let sums = [s(100), s(200), s(50)];
        let raw: String = Which::ALL
            .iter()
            .zip(&sums)
            .map(|(w, x)| x.raw_line(*w) + "\n")
            .collect();
        assert_eq!(Summary::parse(&format!("noise\n{raw}")), Some(sums));
        assert_eq!(Summary::parse("latency runtime 1 2 3 0.5 0.5\n"), None);
        let out = table(&Config::new(2), &sums);
        assert!(
            out.contains("| round trip p99 | 100.00 µs | 200.00 µs | 50.00 µs | 2.00 | 0.50 |"),
            "{out}"
        );
        assert!(
            out.contains("| background share (achieved) | 50.0% |"),
            "{out}"
        );
    }

    #[test]
    fn the_default_load_is_half_of_two_workers() {
        let load = Config::new(2).load();
        assert_eq!(load.spinners, 2);
        assert_eq!(load.busy * 2, load.period);
        assert_eq!(load.slice, Duration::from_micros(100));
    }

    /// One short run per runtime: every sample arrives (checked in `run`),
    /// sorted. (Whether the spinners got to spin in so short a run depends
    /// on timing, so it is not asserted.) Watchdog: 60 s.
    #[test]
    fn every_runtime_completes_a_small_run() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rts = Runtimes::new(2).expect("runtimes");
            let cfg = Config {
                workers: 2,
                clients: 4,
                per_client: 50,
                share: 0.5,
                think: Duration::ZERO,
            };
            for which in Which::ALL {
                let r = run(&rts, which, cfg);
                assert_eq!(r.samples.len(), 200, "{}", which.name());
                assert!(r.samples.windows(2).all(|w| w[0] <= w[1]));
            }
            done.send(()).expect("test waits");
        });
        finished
            .recv_timeout(Duration::from_secs(60))
            .expect("the runs did not finish within 60 s (or panicked)");
    }
}
