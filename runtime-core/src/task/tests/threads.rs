//! The task system's hand-overs between threads: the same paths as the
//! single-threaded tests in `mod.rs`, raced, and through the real scheduler.

use super::*;

/// Several threads run the queue while others wake, cancel and join the
/// tasks, so the state machine's hand-overs happen between threads (and
/// miri's data-race detector sees them).
#[test]
fn threads_race_wakes_cancels_and_joins() {
    let tasks_n = if cfg!(miri) { 6 } else { 200 };
    let s = TestScheduler::new();
    let done = Arc::new(AtomicBool::new(false));
    let runners: Vec<_> = (0..2)
        .map(|_| {
            let (s, done) = (s.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(SeqCst) {
                    if !s.run_one() {
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let controls: Vec<_> = (0..tasks_n).map(|_| ParkedControl::new()).collect();
    let tasks: Vec<_> = controls.iter().map(|c| s.spawn(c.future())).collect();
    let wakers: Vec<_> = controls
        .iter()
        .map(|c| loop {
            if let Some(w) = c.slot.lock().unwrap().take() {
                break w;
            }
            std::thread::yield_now();
        })
        .collect();
    let waker_thread = {
        let ready: Vec<_> = controls.iter().map(|c| c.ready.clone()).collect();
        std::thread::spawn(move || {
            for (i, (waker, ready)) in wakers.into_iter().zip(ready).enumerate() {
                if i % 2 == 0 {
                    ready.store(true, SeqCst);
                }
                if i % 3 == 0 {
                    waker.wake_by_ref();
                } else {
                    waker.wake();
                }
            }
        })
    };
    let mut results = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        if i % 2 == 1 {
            task.cancel();
        }
        if i % 5 == 4 {
            task.detach();
        } else {
            results.push((i, block_on_thread(task)));
        }
    }
    waker_thread.join().unwrap();
    done.store(true, SeqCst);
    for r in runners {
        r.join().unwrap();
    }
    // A detached task may have been woken after the runners stopped.
    s.run_all();
    for (i, result) in results {
        if i % 2 == 0 {
            assert_eq!(result.unwrap(), "done");
        } else {
            assert!(result.unwrap_err().is_cancelled());
        }
    }
    for ctl in &controls {
        assert_eq!(ctl.drops.get(), 1);
        drop(ctl.slot.lock().unwrap().take());
    }
    assert_eq!(s.freed(), tasks_n);
}

/// The same paths through the real multi-thread scheduler (under miri its
/// queues are the lock-based stand-in of `scheduler/queue.rs`): spawns from
/// outside and from inside the workers (`scheduler/handle.rs`), yields
/// (local queue), wakes from a task (LIFO slot) and from a plain thread
/// (injector), `spawn_blocking` (`scheduler/blocking.rs`), cancellation, and
/// a shutdown that cancels tasks still pending and frees each exactly once.
#[test]
fn the_real_scheduler_spawns_wakes_cancels_and_shuts_down() {
    use crate::scheduler::{spawn, spawn_blocking, yield_now, Builder};
    let tasks_n = if cfg!(miri) { 6 } else { 200 };
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let forever = ParkedControl::new();
    let left_pending = rt.spawn(forever.future());
    let woken = ParkedControl::new();
    let sum = rt.block_on(async {
        let tasks: Vec<_> = (0..tasks_n)
            .map(|i| {
                spawn(async move {
                    for _ in 0..3 {
                        yield_now().await;
                    }
                    // A task spawned and awaited from a worker.
                    spawn(async move { i }).await.unwrap()
                })
            })
            .collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.unwrap();
        }
        let blocking = spawn_blocking(|| 5);
        let parked = spawn(woken.future());
        let cancelled = spawn(std::future::pending::<()>());
        yield_now().await;
        cancelled.cancel();
        assert!(cancelled.await.unwrap_err().is_cancelled());
        // Wake the parked task from a plain thread, through the injector.
        let waker = loop {
            if let Some(w) = woken.slot.lock().unwrap().take() {
                break w;
            }
            yield_now().await;
        };
        woken.ready.store(true, SeqCst);
        std::thread::spawn(move || waker.wake()).join().unwrap();
        assert_eq!(parked.await.unwrap(), "done");
        sum + blocking.await.unwrap()
    });
    assert_eq!(sum, tasks_n * (tasks_n - 1) / 2 + 5);
    drop(rt);
    assert!(block_on_thread(left_pending).unwrap_err().is_cancelled());
    assert_eq!(forever.drops.get(), 1);
    assert_eq!(woken.drops.get(), 1);
    drop(forever.slot.lock().unwrap().take());
}
