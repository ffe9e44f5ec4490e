//! `latency`: request/response round trips while CPU-bound background tasks
//! take half of the workers' time (issue 17, item 4). Run by the `latency`
//! binary; `ratio` shows its rows.
//!
//! **Requests.** One server task owns the receiving end of a bounded mpsc
//! channel (capacity = clients). [`Config::clients`] client tasks (default
//! 16) each do [`Config::per_client`] round trips (default 125, so 2 000
//! per run): sleep for the think time [`Config::think`] (default 1 ms, the
//! runtime's own `sleep`; zero makes it a closed loop, as a load generator
//! with that many connections), make a oneshot channel, read
//! `Instant::now()`, send `(i, reply sender)` to the server, await the
//! reply, read the clock again. The server answers each request with
//! `i + 1` (checked) and the `Instant` at which it handled it, which
//! splits the slowest round trips (at or above the p99) into the wait for
//! the server and the wait for the reply ([`Run::tail_legs`], in the
//! progress lines). The sample is the time from just before the send to
//! just after the reply arrived: the server's wake-up, its poll, the
//! reply's wake-up of the client and its poll, and any queueing behind the
//! other clients' requests and the background tasks. How long each think
//! sleep really took is recorded too: the timer's lateness under the load
//! (a request that arrives by I/O is noticed the same way, by whoever
//! drives the reactor).
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
//! share. Each run reports the **achieved** share: the CPU time the
//! slices got (`CLOCK_THREAD_CPUTIME_ID` around each slice, so time the
//! kernel gave to other processes is not counted) / (workers × the run's
//! wall time), and the process's CPU time / (workers × wall time).
//!
//! The run's window is from the spinners' start until the last client got
//! its last reply; then the spinners are told to stop (a flag checked
//! before each slice and after each sleep, so at most one slice per
//! spinner runs past the window and is counted).

mod peers;
mod summary;

pub use summary::{table, Summary, QUANTILES};

use crate::runtimes::{Runtimes, Which};
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
    /// The default shape: 16 clients × 125 round trips, a 1 ms think time,
    /// 50% background.
    pub fn new(workers: usize) -> Config {
        Config {
            workers,
            clients: 16,
            per_client: 125,
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

/// What the spinners did in a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpinTotals {
    /// The CPU time their slices got.
    pub cpu: Duration,
    /// Periods begun.
    pub periods: u32,
    /// Periods whose start had already passed when the spinner got to
    /// them (it was behind its schedule, so it did not sleep).
    pub behind: u32,
}

impl std::ops::AddAssign for SpinTotals {
    fn add_assign(&mut self, o: SpinTotals) {
        self.cpu += o.cpu;
        self.periods += o.periods;
        self.behind += o.behind;
    }
}

/// Spinner `j`'s loop on any runtime, given its `yield_now` and
/// `sleep_until`.
pub(crate) async fn spinner<Y, YF, S, SF>(
    load: Load,
    j: usize,
    start: Instant,
    stop: Arc<AtomicBool>,
    yield_now: Y,
    sleep_until: S,
) -> SpinTotals
where
    Y: Fn() -> YF,
    YF: Future,
    S: Fn(Instant) -> SF,
    SF: Future,
{
    let offset = load.period.mul_f64(j as f64 / load.spinners as f64);
    let mut spun = SpinTotals::default();
    for k in 0u32.. {
        // A deadline already past is not awaited: Tokio's timer would
        // wait for its driver's next turn to fire it.
        let at = start + offset + load.period * k;
        spun.periods += 1;
        if Instant::now() < at {
            sleep_until(at).await;
        } else if k > 0 {
            spun.behind += 1;
        }
        let mut this_period = Duration::ZERO;
        while this_period < load.busy {
            if stop.load(Ordering::Relaxed) {
                return spun;
            }
            let (wall, cpu) = spin_for(load.slice.min(load.busy - this_period));
            this_period += wall;
            spun.cpu += cpu;
            yield_now().await;
        }
        if stop.load(Ordering::Relaxed) {
            return spun;
        }
    }
    spun
}

/// What a run's root task returns.
pub(crate) struct Raw {
    /// (round trip, until the server handled the request) per request.
    samples: Vec<(Duration, Duration)>,
    thinks: Vec<Duration>,
    window: Duration,
    spun: SpinTotals,
}

/// A round trip sent at `sent` that the server handled at `served`, read
/// now that the reply is back: (the whole round trip, the part until the
/// server handled the request).
pub(crate) fn leg_times(sent: Instant, served: Instant) -> (Duration, Duration) {
    (sent.elapsed(), served.saturating_duration_since(sent))
}

/// One run on one runtime.
#[derive(Debug, Clone)]
pub struct Run {
    /// Round-trip times, sorted.
    pub samples: Vec<Duration>,
    /// Where the slowest round trips (at or above the p99) waited: the
    /// median, over them, of the time until the server handled the request
    /// and of the time from there until the client had the reply.
    pub tail_legs: (Duration, Duration),
    /// How long each think-time sleep really took, sorted (empty without
    /// think time): the timer's lateness under the load.
    pub thinks: Vec<Duration>,
    /// From the spinners' start until the last reply.
    pub window: Duration,
    /// What the spinners did (their slices' CPU time, periods begun and
    /// begun behind schedule).
    pub spun: SpinTotals,
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
        self.spun.cpu.as_secs_f64() / (self.workers as f64 * self.window.as_secs_f64())
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
        Which::Runtime => peers::on_runtime(&rts.runtime, cfg),
        Which::Tokio => peers::on_tokio(&rts.tokio, cfg),
        Which::Smol => peers::on_smol(&rts.smol, cfg),
    };
    let cpu = process_cpu_time() - cpu;
    assert_eq!(
        raw.samples.len(),
        cfg.samples(),
        "{}: lost samples",
        which.name()
    );
    let mut samples: Vec<Duration> = raw.samples.iter().map(|s| s.0).collect();
    samples.sort_unstable();
    let p99 = quantile(&samples, 0.99);
    let (to_server, back): (Vec<Duration>, Vec<Duration>) = raw
        .samples
        .iter()
        .filter(|s| s.0 >= p99)
        .map(|&(total, to_server)| (to_server, total.saturating_sub(to_server)))
        .unzip();
    let tail_legs = (
        crate::stats::median(&to_server).unwrap_or_default(),
        crate::stats::median(&back).unwrap_or_default(),
    );
    let mut thinks = raw.thinks;
    thinks.sort_unstable();
    Run {
        samples,
        tail_legs,
        thinks,
        window: raw.window,
        spun: raw.spun,
        cpu,
        workers: cfg.workers,
    }
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
