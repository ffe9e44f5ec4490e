//! Semaphores and locks with waiters cut short: permits come back to the
//! initial count, never more are out than exist, and a lock whose hand-off
//! went to a cut waiter is passed on (the next waiter gets it; at the end
//! it is free).
#![allow(unreachable_pub)]

use super::cut::{cancel_some, cut, join_all, Cut};
use crate::support::Rng;
use runtime::sync::{BoundedSemaphore, Mutex, RwLock, Semaphore};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

/// What a holder does while it holds: 0 to 2 yields (so other waiters
/// queue up behind it, and a `Task::cancel` can land while it holds).
async fn hold(r: &mut Rng) {
    for _ in 0..r.below(3) {
        runtime::yield_now().await;
    }
}

/// Tracks permits out: `take(n)` fails the case if more than `max` would
/// be out at once.
struct Out {
    now: AtomicUsize,
    max: usize,
}

impl Out {
    /// Counts `n` permits out until the returned guard drops (a holder
    /// cancelled mid-hold gives them back with its future).
    fn take(&self, n: usize) -> Taken<'_> {
        let out = self.now.fetch_add(n, SeqCst) + n;
        assert!(out <= self.max, "{out} permits out of {}", self.max);
        Taken(&self.now, n)
    }
}

/// Permits (or, for the rwlock, holders) counted in until dropped.
struct Taken<'a>(&'a AtomicUsize, usize);

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(self.1, SeqCst);
    }
}

/// `waiters` tasks each make `ops` acquisitions of 1 to `permits` permits
/// (`acquire`, `acquire_many`, `acquire_many_owned` at random) with random
/// cuts, a quarter of the tasks cancelled mid-flight (holding permits or
/// waiting). Never more than `permits` out at once; afterwards all
/// `permits` are available again, and all can be taken at once.
pub async fn semaphore_round(what: &str, permits: usize, ops: usize, rng: &mut Rng) {
    let sem = Arc::new(Semaphore::new(permits));
    let out = Arc::new(Out {
        now: AtomicUsize::new(0),
        max: permits,
    });
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (sem, out, mut r) = (sem.clone(), out.clone(), rng.fork());
        tasks.push(runtime::spawn(async move {
            let (mut got, mut cuts) = (0usize, 0usize);
            for _ in 0..ops {
                let n = 1 + r.below(permits as u64) as usize;
                let how = Cut::pick(&mut r);
                match r.below(3) {
                    0 if n == 1 => match cut(how, sem.acquire()).await {
                        Some(p) => {
                            let _p = p.expect("not closed");
                            let _out = out.take(1);
                            got += 1;
                            hold(&mut r).await;
                        }
                        None => cuts += 1,
                    },
                    1 => match cut(how, sem.clone().acquire_many_owned(n)).await {
                        Some(p) => {
                            let _p = p.expect("not closed");
                            let _out = out.take(n);
                            got += 1;
                            hold(&mut r).await;
                        }
                        None => cuts += 1,
                    },
                    _ => match cut(how, sem.acquire_many(n)).await {
                        Some(p) => {
                            let p = p.expect("not closed");
                            assert_eq!(p.num_permits(), n);
                            let _out = out.take(n);
                            got += 1;
                            hold(&mut r).await;
                        }
                        None => cuts += 1,
                    },
                }
            }
            (got, cuts)
        }));
    }
    let cancelled = cancel_some(&tasks, 1, 25, rng).await;
    let (outcomes, _) = join_all(tasks).await;
    println!("{what}: (acquired, cut) per finished waiter {outcomes:?}, {cancelled} cancelled");
    assert_eq!(
        sem.available_permits(),
        permits,
        "{what}: permits available after every waiter is gone"
    );
    let all = sem.try_acquire_many(permits);
    assert!(
        all.is_ok(),
        "{what}: cannot take all {permits} permits at the end: {all:?}"
    );
}

/// asyncio's manual style on a `BoundedSemaphore`: acquire, `forget`,
/// later `release()`, with cuts and cancels. A `release` of a permit taken
/// never fails (the bound counts permits promised to a cut waiter as still
/// in circulation only while they are), and at the end every permit is
/// back and one more `release` is refused.
pub async fn bounded_semaphore_round(what: &str, permits: usize, ops: usize, rng: &mut Rng) {
    let sem = Arc::new(BoundedSemaphore::new(permits));
    let out = Arc::new(Out {
        now: AtomicUsize::new(0),
        max: permits,
    });
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (sem, out, mut r) = (sem.clone(), out.clone(), rng.fork());
        tasks.push(runtime::spawn(async move {
            for _ in 0..ops {
                let manual = r.chance(50);
                if let Some(p) = cut(Cut::pick(&mut r), sem.acquire()).await {
                    let p = p.expect("not closed");
                    let out = out.take(1);
                    if manual {
                        p.forget();
                        // The permit is out of circulation from here to
                        // the release: a cancel in between would leak
                        // it by the manual style's own rules, so no
                        // await here.
                        drop(out);
                        sem.release().expect("releasing a forgotten permit");
                    } else {
                        hold(&mut r).await;
                        drop(out);
                        drop(p);
                    }
                }
            }
        }));
    }
    let cancelled = cancel_some(&tasks, 1, 25, rng).await;
    join_all(tasks).await;
    println!("{what}: {cancelled} waiters cancelled");
    assert_eq!(
        sem.available_permits(),
        permits,
        "{what}: permits at the end"
    );
    assert!(
        sem.release().is_err(),
        "{what}: a release past the bound was accepted"
    );
}

/// `Mutex<u64>`: each holder reads the counter, yields, writes it plus one
/// (a second holder at once would lose an update); cuts and cancels. The
/// counter equals the completed increments, and the lock is free at the
/// end.
pub async fn mutex_round(what: &str, ops: usize, rng: &mut Rng) {
    let m = Arc::new(Mutex::new(0u64));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (m, done, mut r) = (m.clone(), done.clone(), rng.fork());
        tasks.push(runtime::spawn(async move {
            for _ in 0..ops {
                let guard = if r.chance(30) {
                    cut(Cut::pick(&mut r), m.clone().lock_owned())
                        .await
                        .map(either_left)
                } else {
                    cut(Cut::pick(&mut r), m.lock()).await.map(either_right)
                };
                if let Some(mut g) = guard {
                    let v = *g.get();
                    hold(&mut r).await;
                    *g.get() = v + 1;
                    done.fetch_add(1, SeqCst);
                }
            }
        }));
    }
    let cancelled = cancel_some(&tasks, 1, 25, rng).await;
    join_all(tasks).await;
    let g = m.try_lock().expect("the mutex is free at the end");
    println!("{what}: {} increments, {cancelled} cancelled", *g);
    assert_eq!(*g as usize, done.load(SeqCst), "{what}: increments lost");
}

/// Either kind of mutex guard.
enum Guard<'a> {
    Owned(runtime::sync::OwnedMutexGuard<u64>),
    Borrowed(runtime::sync::MutexGuard<'a, u64>),
}

impl Guard<'_> {
    fn get(&mut self) -> &mut u64 {
        match self {
            Guard::Owned(g) => g,
            Guard::Borrowed(g) => g,
        }
    }
}

fn either_left<'a>(g: runtime::sync::OwnedMutexGuard<u64>) -> Guard<'a> {
    Guard::Owned(g)
}

fn either_right(g: runtime::sync::MutexGuard<'_, u64>) -> Guard<'_> {
    Guard::Borrowed(g)
}

/// `RwLock<u64>` with readers and writers (a third of the operations),
/// cut and cancelled: a reader never sees a writer inside, a writer is
/// alone, the value equals the completed writes, and at the end the lock
/// can be written.
pub async fn rwlock_round(what: &str, ops: usize, rng: &mut Rng) {
    let lock = Arc::new(RwLock::new(0u64));
    let inside = Arc::new(AtomicUsize::new(0)); // readers + 1000 per writer
    let writes = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (lock, inside, writes, mut r) =
            (lock.clone(), inside.clone(), writes.clone(), rng.fork());
        tasks.push(runtime::spawn(async move {
            for _ in 0..ops {
                if r.chance(33) {
                    if let Some(mut g) = cut(Cut::pick(&mut r), lock.write()).await {
                        let was = inside.fetch_add(1000, SeqCst);
                        let _in = Taken(&inside, 1000);
                        assert_eq!(was, 0, "a writer got in with others inside ({was})");
                        let v = *g;
                        hold(&mut r).await;
                        *g = v + 1;
                        writes.fetch_add(1, SeqCst);
                    }
                } else if let Some(g) = cut(Cut::pick(&mut r), lock.read()).await {
                    let was = inside.fetch_add(1, SeqCst);
                    let _in = Taken(&inside, 1);
                    assert!(was < 1000, "a reader got in beside a writer");
                    let _ = *g;
                    hold(&mut r).await;
                }
            }
        }));
    }
    let cancelled = cancel_some(&tasks, 1, 25, rng).await;
    join_all(tasks).await;
    let g = lock.try_write().expect("the rwlock is free at the end");
    println!("{what}: {} writes, {cancelled} cancelled", *g);
    assert_eq!(*g as usize, writes.load(SeqCst), "{what}: writes lost");
}
