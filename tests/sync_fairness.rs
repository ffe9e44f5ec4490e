//! Issue 5: waiters are served in FIFO order on the real runtime, for
//! `Mutex::lock`, `Semaphore::acquire_many` and `Queue::get`. Each waiter
//! is spawned and the test waits until `all_tasks()` shows it parked (idle
//! after its first poll, so it is queued) before spawning the next: the
//! queue order is then known, whatever worker each task ran on.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::spawn;
use runtime::sync::{Event, Mutex, Queue, Semaphore};
use runtime::task::{Task, TaskId, TaskState};
use runtime::time::{sleep, Duration};
use std::sync::{Arc, Mutex as StdMutex};

/// Waits until task `id` has been polled and is idle: it is waiting.
async fn until_parked(id: TaskId) {
    loop {
        let parked = runtime::all_tasks()
            .iter()
            .any(|t| t.id == id && t.state == TaskState::Idle && t.polls >= 1);
        if parked {
            return;
        }
        sleep(Duration::from_millis(1)).await;
    }
}

async fn until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        sleep(Duration::from_millis(1)).await;
    }
}

#[derive(Clone, Default)]
struct Log(Arc<StdMutex<Vec<usize>>>);

impl Log {
    fn push(&self, i: usize) {
        self.0.lock().unwrap().push(i);
    }
    fn get(&self) -> Vec<usize> {
        self.0.lock().unwrap().clone()
    }
}

/// Mutex waiters get the lock in the order they queued, and a newcomer's
/// `try_lock` cannot barge in while they wait.
#[test]
fn mutex_waiters_are_served_fifo() {
    watchdog(LIMIT, || {
        rt(2, "fair-mutex").block_on(async {
            const N: usize = 16;
            let mutex = Arc::new(Mutex::new(Vec::new()));
            let go = Arc::new(Event::new());
            let held = mutex.lock().await;
            let mut waiters: Vec<Task<()>> = Vec::new();
            for i in 0..N {
                let (mutex, go) = (mutex.clone(), go.clone());
                let task = spawn(async move {
                    let mut order = mutex.lock().await;
                    order.push(i);
                    go.wait().await; // hold it across an await
                });
                until_parked(task.id()).await;
                waiters.push(task);
            }
            drop(held);
            // Waiter 0 now holds the lock (waiting for `go`): a newcomer
            // cannot take it, although nobody is inside a poll holding it.
            assert!(
                mutex.try_lock().is_err(),
                "the lock went to the first waiter"
            );
            sleep(Duration::from_millis(2)).await;
            assert!(mutex.try_lock().is_err(), "still held by waiter 0");
            go.set();
            for w in waiters {
                w.await.unwrap();
            }
            let order = mutex.try_lock().unwrap().clone();
            assert_eq!(order, (0..N).collect::<Vec<_>>());
        });
    });
}

/// Semaphore waiters are served strictly in order: a waiter for 2 permits
/// at the head keeps later waiters for 1 from overtaking it; permits freed
/// meanwhile accumulate for the head.
#[test]
fn semaphore_waiters_are_served_fifo_even_for_bigger_requests() {
    watchdog(LIMIT, || {
        rt(2, "fair-sem").block_on(async {
            let sem = Arc::new(Semaphore::new(2));
            sem.acquire_many(2).await.unwrap().forget(); // all permits held
            let wants = [1usize, 2, 1, 1, 2, 1];
            let log = Log::default();
            let mut waiters = Vec::new();
            for (i, &n) in wants.iter().enumerate() {
                let (sem, log) = (sem.clone(), log.clone());
                let task = spawn(async move {
                    let permit = sem.acquire_many(n).await.unwrap();
                    log.push(i);
                    permit.forget(); // keep them: the test hands out permits
                });
                until_parked(task.id()).await;
                waiters.push(task);
            }
            assert!(sem.try_acquire().is_err());
            let mut expected = Vec::new();
            for (i, &n) in wants.iter().enumerate() {
                for k in 0..n {
                    sem.add_permits(1);
                    // A released permit goes to the head waiter at once.
                    assert_eq!(sem.available_permits(), 0, "waiter {i} permit {k}");
                    if k + 1 < n {
                        // Still one short: nobody behind it may run.
                        runtime::yield_now().await;
                        assert_eq!(log.get(), expected, "waiter {i} needs {n}");
                    }
                }
                expected.push(i);
                until(|| log.get().len() == expected.len()).await;
                assert_eq!(log.get(), expected);
            }
            for w in waiters {
                w.await.unwrap();
            }
            sem.add_permits(1);
            assert_eq!(sem.available_permits(), 1);
        });
    });
}

/// Queue getters are served in the order they queued: with one item put at
/// a time, getter `i` receives item `i`.
#[test]
fn queue_getters_are_served_fifo() {
    watchdog(LIMIT, || {
        rt(2, "fair-queue").block_on(async {
            const N: usize = 12;
            let queue = Queue::<usize>::new(0);
            let got = Arc::new(StdMutex::new(vec![None; N]));
            let mut getters = Vec::new();
            for i in 0..N {
                let (queue, got) = (queue.clone(), got.clone());
                let task = spawn(async move {
                    let item = queue.get().await.unwrap();
                    got.lock().unwrap()[i] = Some(item);
                });
                until_parked(task.id()).await;
                getters.push(task);
            }
            for item in 0..N {
                queue.put(item).await.unwrap();
                assert!(
                    queue.try_get().is_err(),
                    "the item is promised to getter {item}"
                );
                until(|| got.lock().unwrap()[item].is_some()).await;
            }
            for g in getters {
                g.await.unwrap();
            }
            let got: Vec<usize> = got.lock().unwrap().iter().map(|g| g.unwrap()).collect();
            assert_eq!(got, (0..N).collect::<Vec<_>>());
        });
    });
}
