//! How the cancellation cases cut a wait short, and what they count with.
//!
//! A waiter's operation is wrapped in [`cut`], which lets it run to the end
//! ([`Cut::Keep`]) or abandons it mid-flight in one of the ways a program
//! does: dropping it after a few polls, a `timeout` expiring, a `select!`
//! branch losing to a timer. The fourth way, `Task::cancel`, hits whole
//! waiter tasks from outside ([`cancel_some`]). Every outcome is recorded
//! by the waiter in the same poll that saw it (no `.await` between the
//! operation's return and the record), so a task cancelled at its next
//! await cannot lose a result the counts rely on.
#![allow(unreachable_pub)]

use crate::support::{Counted, DropCounter, Rng};
use runtime::{JoinError, Runtime, Task};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

/// How a wait is cut short (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// Runs to completion.
    Keep,
    /// Polled once plus this many more times (yielding between), then
    /// dropped.
    Drop(u32),
    /// Wrapped in `time::timeout` of this many milliseconds.
    Timeout(u64),
    /// Raced in `select!` against a sleep of this many milliseconds.
    Select(u64),
}

impl Cut {
    /// A random way: a third keep, the rest spread over the cuts.
    pub fn pick(rng: &mut Rng) -> Cut {
        match rng.below(9) {
            0..=2 => Cut::Keep,
            3 | 4 => Cut::Drop(rng.below(4) as u32),
            5 | 6 => Cut::Timeout(rng.below(3)),
            _ => Cut::Select(rng.below(3)),
        }
    }

    /// A random way that always cuts (never [`Cut::Keep`]).
    pub fn pick_cutting(rng: &mut Rng) -> Cut {
        loop {
            let how = Cut::pick(rng);
            if how != Cut::Keep {
                return how;
            }
        }
    }
}

/// Runs `fut` as `how` says: `Some(output)` if it completed, `None` if it
/// was cut short (and dropped, before this returns).
pub async fn cut<F: Future>(how: Cut, fut: F) -> Option<F::Output> {
    match how {
        Cut::Keep => Some(fut.await),
        Cut::Drop(more) => {
            let mut fut = pin!(fut);
            let mut left = more;
            poll_fn(|cx| match fut.as_mut().poll(cx) {
                Poll::Ready(v) => Poll::Ready(Some(v)),
                Poll::Pending if left == 0 => Poll::Ready(None),
                Poll::Pending => {
                    left -= 1;
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            })
            .await
        }
        Cut::Timeout(ms) => runtime::time::timeout(Duration::from_millis(ms), fut)
            .await
            .ok(),
        Cut::Select(ms) => runtime::select! {
            v = fut => Some(v),
            _ = runtime::time::sleep(Duration::from_millis(ms)) => None,
        },
    }
}

/// Cancels (`Task::cancel`) about `percent` % of `tasks`, never the first
/// `spare` ones (the waiters a case needs to make progress), each after a
/// random number of yields: mid-flight.
pub async fn cancel_some<T>(tasks: &[Task<T>], spare: usize, percent: u64, rng: &mut Rng) -> usize {
    let mut cancelled = 0;
    for task in tasks.iter().skip(spare) {
        if rng.chance(percent) {
            // Spread out: some before the task's first poll, most while it
            // waits or holds.
            for _ in 0..rng.below(40) {
                runtime::yield_now().await;
            }
            task.cancel();
            cancelled += 1;
        }
    }
    cancelled
}

/// How long a hand-off (a notification, a queued item) may take before it
/// counts as lost: far beyond any scheduling delay (one takes microseconds).
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Yields until `cond()` or [`PATIENCE`] passes; fails naming `what`.
pub async fn until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < PATIENCE, "{what}");
        runtime::yield_now().await;
    }
}

/// Awaits every task: each must complete or be cancelled (a panic is the
/// case failing). Returns the outputs of those that completed and how many
/// were cancelled.
pub async fn join_all<T>(tasks: Vec<Task<T>>) -> (Vec<T>, usize) {
    let mut done = Vec::new();
    let mut cancelled = 0;
    for task in tasks {
        match task.await {
            Ok(v) => done.push(v),
            Err(e) if e.is_cancelled() => cancelled += 1,
            Err(e) => panic_with(e),
        }
    }
    (done, cancelled)
}

fn panic_with(e: JoinError) -> ! {
    if e.is_panic() {
        std::panic::resume_unwind(e.into_panic())
    }
    panic!("a waiter failed: {e}")
}

/// The runtimes a case runs on: current-thread, then 2 workers.
pub fn flavors() -> [(&'static str, Runtime); 2] {
    [
        (
            "current-thread",
            runtime::Builder::new_current_thread()
                .build()
                .expect("build runtime"),
        ),
        (
            "2 workers",
            runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .expect("build runtime"),
        ),
    ]
}

/// An item of a queue or channel: an id (to find losses and duplicates)
/// and a drop guard (every item made is dropped exactly once).
#[derive(Debug)]
pub struct Item {
    pub id: u64,
    _guard: Counted,
}

impl Item {
    pub fn new(id: u64, drops: &DropCounter) -> Item {
        Item {
            id,
            _guard: drops.guard(),
        }
    }
}

impl std::fmt::Debug for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Counted")
    }
}

/// Checks that `sent` and `got` hold the same ids, each once: nothing lost,
/// nothing duplicated. `what` names the round in the message.
#[track_caller]
pub fn same_ids(what: &str, mut sent: Vec<u64>, mut got: Vec<u64>) {
    sent.sort_unstable();
    got.sort_unstable();
    let dup_sent = sent.windows(2).any(|w| w[0] == w[1]);
    assert!(
        !dup_sent,
        "{what}: an id was sent twice (the case is wrong)"
    );
    if let Some(w) = got.windows(2).find(|w| w[0] == w[1]) {
        panic!("{what}: item {} received twice", w[0]);
    }
    let lost: Vec<_> = sent
        .iter()
        .filter(|id| got.binary_search(id).is_err())
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|id| sent.binary_search(id).is_err())
        .collect();
    assert!(
        lost.is_empty() && extra.is_empty(),
        "{what}: {} sent, {} received or left; lost {:?}, never sent {:?}",
        sent.len(),
        got.len(),
        &lost[..lost.len().min(10)],
        &extra[..extra.len().min(10)]
    );
}
