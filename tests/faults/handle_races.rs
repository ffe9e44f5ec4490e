//! Fault family "handle races": `Task` handles dropped, cancelled and
//! awaited while their tasks complete on two workers. Counted futures and
//! outputs check that each is dropped exactly once. Every case runs in a
//! child process under a watchdog (`support::isolated`).
#[macro_use]
mod support;

use std::time::Duration;
use support::DropCounter;

const LIMIT: Duration = Duration::from_secs(40);

/// Spins a task-dependent few hundred iterations, so that a batch of
/// `cancel()`s spreads over the time the workers take to run it and meets
/// tasks before, during and after their poll.
fn spin(id: runtime::task::TaskId) {
    let n = (id.as_u64() % 16) * 40;
    for _ in 0..n {
        std::hint::spin_loop();
    }
}

/// Spawns task `i`: it holds a guard counted in `futures`, yields once if
/// `i % 3 == 0`, and returns a guard counted in `outputs`.
fn spawn_counted(
    rt: &runtime::Runtime,
    futures: &DropCounter,
    outputs: &DropCounter,
    i: usize,
) -> runtime::Task<support::Counted> {
    let guard = futures.guard();
    let outputs = outputs.clone();
    rt.spawn(async move {
        let _guard = guard;
        if i % 3 == 0 {
            runtime::yield_now().await;
        }
        outputs.guard()
    })
}

/// Cancels every task of the batch (after a task-dependent spin, so the
/// cancels meet tasks in every state), pairing each with what `cancel()`
/// said: `true` if it was still running.
fn cancel_all(
    tasks: &mut Vec<runtime::Task<support::Counted>>,
) -> Vec<(runtime::Task<support::Counted>, bool)> {
    tasks
        .drain(..)
        .map(|t| {
            spin(t.id());
            let was_running = t.cancel();
            (t, was_running)
        })
        .collect()
}

fn two_workers() -> runtime::Runtime {
    runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("build runtime")
}

// Dropping the `Task` (detaching) from outside while the task completes:
// the output is dropped exactly once, by whichever side ends up owning it.
case!(task_drops_race_completion, LIMIT, {
    let n = support::size(20_000, 100_000);
    let rt = two_workers();
    let futures = DropCounter::default();
    let outputs = DropCounter::default();
    let mut tasks = Vec::with_capacity(1024);
    for i in 0..n {
        tasks.push(spawn_counted(&rt, &futures, &outputs, i));
        if tasks.len() == 1024 {
            // Drop the batch while the workers are running it.
            tasks.clear();
        }
    }
    tasks.clear();
    drop(rt);
    eprintln!(
        "task_drops_race_completion: {n} tasks, {} outputs made",
        outputs.created()
    );
    assert_eq!(futures.created(), n);
    assert_eq!(futures.dropped(), n, "futures dropped");
    assert_eq!(
        outputs.dropped(),
        outputs.created(),
        "outputs created vs dropped"
    );
});

// `cancel()` from outside racing completion: `false` means the task had
// finished, so its value is there; `true` gives a cancelled `JoinError` or,
// if it completed in the poll it was cancelled in, its value. Either way
// every future and output is dropped exactly once.
case!(cancel_races_completion, LIMIT, {
    let n = support::size(20_000, 100_000);
    let rt = two_workers();
    let futures = DropCounter::default();
    let outputs = DropCounter::default();
    let (mut ok, mut cancelled) = (0usize, 0usize);
    let mut tasks: Vec<runtime::Task<support::Counted>> = Vec::with_capacity(1024);
    let mut finish = |tasks: &mut Vec<(runtime::Task<support::Counted>, bool)>| {
        for (task, was_running) in tasks.drain(..) {
            match rt.block_on(task) {
                Ok(output) => {
                    ok += 1;
                    drop(output);
                }
                Err(err) => {
                    assert!(err.is_cancelled(), "unexpected failure: {err}");
                    assert!(
                        was_running,
                        "cancel() said finished, yet the task was cancelled"
                    );
                    cancelled += 1;
                }
            }
        }
    };
    for i in 0..n {
        tasks.push(spawn_counted(&rt, &futures, &outputs, i));
        if tasks.len() == 1024 {
            // Cancel the batch while the workers are running it.
            finish(&mut cancel_all(&mut tasks));
        }
    }
    finish(&mut cancel_all(&mut tasks));
    drop(rt);
    eprintln!("cancel_races_completion: {n} tasks, {ok} completed, {cancelled} cancelled");
    assert_eq!(ok + cancelled, n);
    assert_eq!(futures.dropped(), n, "futures dropped");
    assert_eq!(
        outputs.dropped(),
        outputs.created(),
        "outputs created vs dropped"
    );
    assert_eq!(
        outputs.created(),
        ok,
        "an output exists only for a task that completed"
    );
});
