//! Fault family "starvation": tasks that never stop being ready (spinning
//! on `yield_now`, or on a channel that always has an item) and a task that
//! blocks its worker thread must not stop timers or other tasks from
//! running. Every case runs in a child process under a watchdog
//! (`support::isolated`).
//!
//! The bounds are generous on purpose (a loaded CI machine can pause a
//! thread for a long time): they catch starvation, which is unbounded, not
//! slowness. The measured figures are printed.
#[macro_use]
mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

/// How long a 10 ms timer may take to fire next to the spinners before the
/// case calls it starvation (the figure is 200 ms; this bound stays
/// independent of a loaded machine's scheduling).
const TIMER_BOUND: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug)]
enum Flavor {
    CurrentThread,
    Workers(usize),
}

fn build(flavor: Flavor) -> runtime::Runtime {
    match flavor {
        Flavor::CurrentThread => runtime::Builder::new_current_thread().build(),
        Flavor::Workers(n) => runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .build(),
    }
    .expect("build runtime")
}

#[derive(Clone, Copy, Debug)]
enum Spin {
    /// `loop { yield_now().await }`
    Yield,
    /// `loop { tx.send(i); rx.recv().await }` on an unbounded channel: the
    /// receive is always ready.
    Unbounded,
    /// The same on a bounded channel of capacity 1 (`send(..).await` then
    /// `recv().await`): both always ready.
    Bounded,
}

/// One task that keeps itself ready until `stop`, counting its rounds.
async fn spinner(kind: Spin, stop: Arc<AtomicBool>, rounds: Arc<AtomicUsize>) {
    match kind {
        Spin::Yield => {
            while !stop.load(SeqCst) {
                runtime::yield_now().await;
                rounds.fetch_add(1, SeqCst);
            }
        }
        Spin::Unbounded => {
            let (tx, mut rx) = runtime::sync::mpsc::unbounded_channel();
            while !stop.load(SeqCst) {
                tx.send(1u64).expect("send");
                rx.recv().await.expect("recv");
                rounds.fetch_add(1, SeqCst);
            }
        }
        Spin::Bounded => {
            let (tx, mut rx) = runtime::sync::mpsc::channel(1);
            while !stop.load(SeqCst) {
                tx.send(1u64).await.expect("send");
                rx.recv().await.expect("recv");
                rounds.fetch_add(1, SeqCst);
            }
        }
    }
}

/// With one spinner per worker (one on a current-thread runtime), a task
/// sleeping 10 ms wakes within `TIMER_BOUND`, five times in a row.
fn timer_next_to_spinners(kind: Spin) {
    for flavor in [
        Flavor::CurrentThread,
        Flavor::Workers(1),
        Flavor::Workers(2),
    ] {
        let spinners = match flavor {
            Flavor::CurrentThread => 1,
            Flavor::Workers(n) => n,
        };
        let rt = build(flavor);
        let stop = Arc::new(AtomicBool::new(false));
        let rounds = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..spinners)
            .map(|_| rt.spawn(spinner(kind, stop.clone(), rounds.clone())))
            .collect();
        let mut worst = Duration::ZERO;
        rt.block_on(async {
            // The spinners are running before the timers start.
            while rounds.load(SeqCst) < 1000 {
                runtime::time::sleep(Duration::from_millis(1)).await;
            }
            for _ in 0..5 {
                let timer = runtime::spawn(async {
                    let start = Instant::now();
                    runtime::time::sleep(Duration::from_millis(10)).await;
                    start.elapsed()
                });
                let took = timer.await.expect("timer task");
                worst = worst.max(took);
            }
        });
        stop.store(true, SeqCst);
        rt.block_on(async {
            for task in tasks {
                task.await.expect("spinner task");
            }
        });
        eprintln!(
            "{kind:?} spinners on {flavor:?}: a 10 ms sleep took at most {worst:?} \
             ({} spinner rounds)",
            rounds.load(SeqCst)
        );
        assert!(
            worst < TIMER_BOUND,
            "{kind:?} spinners on {flavor:?}: a 10 ms sleep took {worst:?}"
        );
    }
}

case!(yield_spinners_cannot_delay_a_timer, LIMIT, {
    timer_next_to_spinners(Spin::Yield);
});

case!(unbounded_channel_spinners_cannot_delay_a_timer, LIMIT, {
    timer_next_to_spinners(Spin::Unbounded);
});

case!(bounded_channel_spinners_cannot_delay_a_timer, LIMIT, {
    timer_next_to_spinners(Spin::Bounded);
});

// A task blocks its worker thread (std::thread::sleep, 300 ms at a time)
// on a 2-worker runtime; meanwhile the other worker runs the tasks the
// blocked one spawned onto its own queue (they must be stolen), tasks
// spawned from outside, and tasks woken by timers. The blocker keeps
// blocking in 300 ms slices until they are all done (or 10 s pass), so the
// case does not depend on the other worker getting a CPU within one slice;
// it fails if they are not all done while the worker is still blocked.
case!(blocked_worker_does_not_stop_the_other, LIMIT, {
    const EACH: usize = 50;
    let rt = build(Flavor::Workers(2));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicBool::new(false));
    let small = |done: Arc<AtomicUsize>| async move {
        runtime::yield_now().await;
        runtime::time::sleep(Duration::from_millis(1)).await;
        done.fetch_add(1, SeqCst);
    };
    let blocker = rt.spawn({
        let (done, started) = (done.clone(), started.clone());
        async move {
            // Onto this worker's own queue: the other worker must steal them.
            let local: Vec<_> = (0..EACH)
                .map(|_| runtime::spawn(small(done.clone())))
                .collect();
            started.store(true, SeqCst);
            let start = Instant::now();
            let mut slices = 0;
            while done.load(SeqCst) < 2 * EACH && start.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(300));
                slices += 1;
            }
            (done.load(SeqCst), slices, start.elapsed(), local)
        }
    });
    support::wait_for(Duration::from_secs(10), "the blocker to start", || {
        started.load(SeqCst)
    });
    let outside: Vec<_> = (0..EACH).map(|_| rt.spawn(small(done.clone()))).collect();
    let (seen, slices, blocked, local) = support::block_on_plain(blocker).expect("blocker task");
    eprintln!(
        "blocked_worker: {seen} of {} tasks done while the worker was blocked \
         ({slices} slices of 300 ms, {blocked:?})",
        2 * EACH
    );
    assert_eq!(seen, 2 * EACH, "tasks run while one worker was blocked");
    rt.block_on(async {
        for task in local.into_iter().chain(outside) {
            task.await.expect("small task");
        }
    });
});

// The same with a task *woken* by the blocker just before it blocks: the
// wake goes to the blocked worker's LIFO slot, which no other worker steals
// from. The watchdog thread takes it out and hands it to the other worker
// (runtime-core/src/scheduler/lifo.rs; README "Rescuing the LIFO slot"),
// with slow-poll reports on (the default) and off. Found by this case: the
// woken task used to wait for the whole blocking poll (3 s here).
fn task_woken_by_a_blocker(rt: runtime::Runtime, label: &str) {
    let polled = Arc::new(AtomicBool::new(false));
    let woke = Arc::new(AtomicBool::new(false));
    let blocker = rt.spawn({
        let (polled, woke) = (polled.clone(), woke.clone());
        async move {
            let (tx, rx) = runtime::sync::oneshot::channel::<()>();
            let receiver = runtime::spawn({
                let (polled, woke) = (polled.clone(), woke.clone());
                async move {
                    polled.store(true, SeqCst);
                    rx.await.expect("oneshot");
                    woke.store(true, SeqCst);
                    Instant::now()
                }
            });
            while !polled.load(SeqCst) {
                runtime::yield_now().await;
            }
            // Let the receiver reach its await (it set `polled` just before).
            runtime::time::sleep(Duration::from_millis(5)).await;
            let sent = Instant::now();
            tx.send(()).expect("send");
            // Block this worker in 300 ms slices until the woken task ran
            // (so a slow CPU hand-off does not fail the case), 3 s at most.
            let mut slices = 0;
            while !woke.load(SeqCst) && sent.elapsed() < Duration::from_secs(3) {
                std::thread::sleep(Duration::from_millis(300));
                slices += 1;
            }
            (woke.load(SeqCst), slices, sent, receiver)
        }
    });
    let (ran, slices, sent, receiver) = support::block_on_plain(blocker).expect("blocker task");
    let rescues: u64 = rt
        .handle()
        .metrics()
        .per_worker
        .iter()
        .map(|w| w.lifo_rescues)
        .sum();
    let ran_at = support::block_on_plain(receiver).expect("receiver task");
    eprintln!(
        "task_woken_by_a_blocker ({label}): the woken task ran while its waker's worker was \
         blocked: {ran} ({slices} slices of 300 ms; it ran {:?} after the wake; LIFO rescues: \
         {rescues})",
        ran_at.saturating_duration_since(sent)
    );
    assert!(ran, "{label}: the woken task waited for the blocked worker");
}

case!(task_woken_by_a_blocker_still_runs, LIMIT, {
    task_woken_by_a_blocker(build(Flavor::Workers(2)), "slow-poll reports on");
});

case!(task_woken_by_a_blocker_runs_with_reports_off, LIMIT, {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .slow_poll_threshold(None)
        .build()
        .expect("build runtime");
    task_woken_by_a_blocker(rt, "slow-poll reports off");
});
