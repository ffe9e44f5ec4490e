//! The slow-poll watchdog: reports a task that keeps a worker busy past the
//! threshold, while it still blocks, and again when it lets go.
//!
//! # Protocol
//!
//! Workers do not read the clock around polls (two clock reads per poll
//! would cost more than the target overhead). Instead each worker bumps its
//! `poll_seq` at the start and end of every poll (odd = polling) and records
//! the id of the task it polls (`stats.rs`). While any worker is unparked,
//! this thread wakes every quarter of the threshold and, per worker,
//! compares `poll_seq` with what it saw last time:
//!
//! - odd and unchanged: the same poll is still running. Its duration is at
//!   least the time since the watchdog first saw it; once that reaches the
//!   threshold, the task is reported ("has been blocking worker N for ...")
//!   with its name, id and spawn location. The sample interval is also
//!   added to the task's busy time (shown by `Handle::dump`).
//! - changed after a report: the slow poll ended; it is reported again with
//!   its total duration (accurate to a quarter of the threshold).
//!
//! The thread also advances the runtime's coarse clock (milliseconds since
//! start), which spawns read to stamp each task's age for `dump` without a
//! clock read of their own.
//!
//! # An idle runtime does not wake it
//!
//! Ticking while nothing runs would cost an idle runtime four wake-ups per
//! threshold (40 a second by default) for nothing. So after a pass that saw
//! no poll running, the watchdog asks `Idle::watchdog_wait` to sleep
//! without a timeout; it does so only if every worker is parked, and the
//! first worker counted unparked again (`Idle::worker_to_notify`,
//! `Idle::unpark_self`) wakes it. The no-lost-wake-up argument is beside
//! that code (`idle.rs`) and in `README.md` ("The watchdog's sleep"); the
//! loom model is `loom-tests/tests/watchdog_sleep.rs`. A poll can only
//! start on an unparked worker, so the watchdog is ticking again before
//! any poll it has to time begins: a slow poll is reported as late as
//! before (by one tick after the threshold), however long the runtime
//! idled first. While the watchdog sleeps the coarse clock is stopped
//! ([`CoarseClock::stop`]): a spawn then reads the real clock instead (one
//! clock read, only while the runtime is idle).
//!
//! Task names are looked up through the live-task registry by id, under the
//! shard lock, so the watchdog never touches a task that may be freed.
//!
//! # Rescuing the LIFO slot
//!
//! A task woken by the running task waits in that worker's LIFO slot, which
//! no other worker steals from. If the running task then blocks its worker
//! (a blocking call, a long computation), the woken task would wait for the
//! whole poll. So on every pass, for a worker whose `poll_seq` is odd and
//! unchanged since the previous pass (the same poll has run for at least
//! one tick), the watchdog takes the slot's task and hands it to the
//! injector (`lifo::rescue`; the slot's protocol, and why the task still
//! runs exactly once, is in `lifo.rs`). A task pushed into the slot of a
//! stuck worker therefore waits less than two ticks. The tick is a quarter
//! of the threshold, at most [`RESCUE_TICK`] while rescuing, so with the
//! default 100 ms threshold a rescued task waits under 50 ms.
//!
//! Rescuing needs this thread even when slow-poll reports are off
//! (`slow_poll_threshold(None)`): a multi-thread runtime with two or more
//! workers and the LIFO slot on starts it anyway, in rescue-only mode (no
//! reports, tick [`RESCUE_TICK`]). It sleeps while every worker is parked,
//! as above, so an idle runtime pays nothing for it; a busy one pays
//! 1 / `RESCUE_TICK` wake-ups a second. With one worker (nobody to hand the
//! task to), the current-thread flavor, or `disable_lifo_slot`, there is
//! nothing to rescue.

use super::Shared;
use crate::diagnostics::{emit, Level, Report, Subject};
use crate::loom::sync::atomic::{AtomicU32, Ordering::*};
use crate::loom::sync::Arc;
use std::time::{Duration, Instant};

/// The coarse clock's value while the watchdog sleeps: read the real one.
const STOPPED: u32 = u32::MAX;

/// The longest tick while the watchdog rescues LIFO slots: a task in the
/// slot of a worker stuck in a poll waits less than two of these.
pub(crate) const RESCUE_TICK: Duration = Duration::from_millis(25);

/// Milliseconds since the runtime started, advanced by the watchdog.
pub(crate) struct CoarseClock {
    start: Instant,
    ms: AtomicU32,
}

impl CoarseClock {
    pub(crate) fn new() -> CoarseClock {
        CoarseClock {
            start: Instant::now(),
            ms: AtomicU32::new(0),
        }
    }

    /// A spawn's timestamp: 0 means "unknown" (no watchdog running).
    pub(crate) fn stamp(&self) -> u32 {
        match self.ms.load(Relaxed) {
            STOPPED => self.now(),
            ms => ms,
        }
    }

    /// Milliseconds since start, plus one (0 is "unknown"), below `STOPPED`.
    fn now(&self) -> u32 {
        let ms = self
            .start
            .elapsed()
            .as_millis()
            .min(u128::from(STOPPED - 2)) as u32;
        ms + 1
    }

    fn advance(&self) {
        self.ms.store(self.now(), Relaxed);
    }

    /// The watchdog is about to sleep without a timeout: stamps read the
    /// real clock until it advances this one again.
    fn stop(&self) {
        self.ms.store(STOPPED, Relaxed);
    }

    /// How long ago `stamp` was taken, if known.
    pub(crate) fn age(&self, stamp: u32) -> Option<Duration> {
        let now = self.stamp();
        (stamp != 0 && now != 0)
            .then(|| Duration::from_millis(u64::from(now.saturating_sub(stamp))))
    }
}

/// The running watchdog thread; stopped and joined by `stop`.
pub(crate) struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<crate::loom::thread::JoinHandle<()>>,
}

struct WorkerView {
    seq: u64,
    task: u64,
    first_seen: Instant,
    reported: bool,
    /// The task as it was when first reported: the closing report names it
    /// even though it may have finished (left the registry) by then.
    subject: Option<Subject>,
}

impl Watchdog {
    /// Starts the thread: reporting polls longer than `threshold` if it is
    /// set, rescuing LIFO slots if `rescue`.
    pub(crate) fn start(
        shared: Arc<Shared>,
        threshold: Option<Duration>,
        rescue: bool,
        thread_name: String,
    ) -> std::io::Result<Watchdog> {
        // Start the coarse clock now, so tasks spawned before the first tick
        // get an age too.
        shared.clock.advance();
        let tick = match (threshold, rescue) {
            (Some(threshold), false) => threshold / 4,
            (Some(threshold), true) => (threshold / 4).min(RESCUE_TICK),
            (None, _) => RESCUE_TICK,
        }
        .max(Duration::from_millis(1));
        let shared2 = shared.clone();
        let thread = crate::loom::thread::Builder::new()
            .name(thread_name)
            .spawn(move || run(&shared2, threshold, rescue, tick))?;
        Ok(Watchdog {
            shared,
            thread: Some(thread),
        })
    }

    pub(crate) fn stop(&mut self) {
        self.shared.idle.stop_watchdog();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(shared: &Shared, threshold: Option<Duration>, rescue: bool, tick: Duration) {
    let mut views: Vec<WorkerView> = (0..shared.remotes.len())
        .map(|_| WorkerView {
            seq: 0,
            task: 0,
            first_seen: Instant::now(),
            reported: false,
            subject: None,
        })
        .collect();
    let tick_ms = u32::try_from(tick.as_millis()).unwrap_or(u32::MAX);
    // Whether the last pass saw no poll running (every `poll_seq` even).
    let mut quiet = false;
    loop {
        // One more pass after being stopped, so a slow poll that ended just
        // before shutdown still gets its closing report.
        let stopping = shared
            .idle
            .watchdog_wait(tick, quiet, || shared.clock.stop());
        shared.clock.advance();
        let now = Instant::now();
        quiet = true;
        for (index, view) in views.iter_mut().enumerate() {
            let stats = &shared.remotes[index].stats;
            let seq = stats.poll_seq.load(Acquire);
            let task = stats.current_task.load(Relaxed);
            quiet &= seq % 2 == 0;
            if seq != view.seq {
                if view.reported {
                    let ran = now - view.first_seen;
                    report(view.subject.as_ref(), view.task, index, ran, false);
                }
                *view = WorkerView {
                    seq,
                    task,
                    first_seen: now,
                    reported: false,
                    subject: None,
                };
                continue;
            }
            if seq % 2 == 0 {
                continue; // idle, or between polls
            }
            // The same poll as on the last pass: it has run for a tick at
            // least, so a task in this worker's LIFO slot would wait for it.
            if rescue {
                super::lifo::rescue(shared, index);
            }
            let Some(threshold) = threshold else {
                continue; // rescue-only mode
            };
            shared.registry.with_task(task, |header| {
                header.meta.add_busy_ms(tick_ms);
            });
            let ran = now - view.first_seen;
            if ran >= threshold && !view.reported {
                view.reported = true;
                view.subject = shared.registry.with_task(task, crate::task::report_subject);
                report(view.subject.as_ref(), task, index, ran, true);
            }
        }
        if stopping {
            return;
        }
    }
}

fn report(subject: Option<&Subject>, task: u64, worker: usize, ran: Duration, still_running: bool) {
    let described = match subject {
        Some(subject) => subject.describe(),
        None => format!("task (id {task})"),
    };
    let ms = ran.as_secs_f64() * 1000.0;
    let (kind, message) = if still_running {
        (
            "slow_poll",
            format!(
                "slow poll: {described} has been blocking worker {worker} for {ms:.0} ms and is \
                 still running (a blocking call in async code? use spawn_blocking)"
            ),
        )
    } else {
        (
            "slow_poll_end",
            format!("slow poll: {described} blocked worker {worker} for about {ms:.0} ms"),
        )
    };
    emit(&Report {
        kind,
        level: Level::Warn,
        task: subject.cloned(),
        message,
    });
}
