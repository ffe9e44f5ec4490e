//! Issue 5: the blocking forms (`blocking_lock`, `blocking_get`,
//! `blocking_recv`, ...) work from plain threads and `spawn_blocking`, next
//! to tasks using the async forms; on a runtime thread (inside a task or a
//! `block_on` future) they panic with a message containing "called from a
//! runtime thread" instead of stalling the worker.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::spawn;
use runtime::sync::{mpsc, oneshot, Event, Mutex, Queue, RwLock};
use std::sync::Arc;

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// A plain thread blocks in `blocking_lock` while a task holds the lock,
/// and gets it when the task releases it; then threads and tasks contend.
#[test]
fn blocking_lock_from_a_plain_thread_works() {
    watchdog(LIMIT, || {
        let rt = rt(2, "blk-mutex");
        let mutex = Arc::new(Mutex::new(0u64));
        let held = Arc::new(Event::new());
        let release = Arc::new(Event::new());
        let holder = rt.spawn({
            let (mutex, held, release) = (mutex.clone(), held.clone(), release.clone());
            async move {
                let mut guard = mutex.lock().await;
                held.set();
                release.wait().await;
                *guard += 1;
            }
        });
        rt.block_on(held.wait());
        let thread = std::thread::spawn({
            let mutex = mutex.clone();
            move || {
                let mut guard = mutex.blocking_lock(); // waits for the task
                *guard += 10;
                *guard
            }
        });
        std::thread::sleep(std::time::Duration::from_millis(5));
        release.set();
        assert_eq!(thread.join().unwrap(), 11, "the thread ran after the task");
        rt.block_on(holder).unwrap();

        // Two threads and two tasks, 1000 increments each.
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let mutex = mutex.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        *mutex.blocking_lock() += 1;
                    }
                })
            })
            .collect();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let mutex = mutex.clone();
                rt.spawn(async move {
                    for _ in 0..1000 {
                        let mut guard = mutex.lock().await;
                        *guard += 1;
                        drop(guard);
                        runtime::yield_now().await;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(*mutex.blocking_lock(), 11 + 4000);
    });
}

/// Inside a task, `blocking_lock` panics (the task ends with a panic
/// `JoinError`, the worker survives); so does calling it directly in a
/// `block_on` future. In `spawn_blocking` it is fine.
#[test]
fn blocking_lock_inside_a_task_panics_with_a_clear_message() {
    watchdog(LIMIT, || {
        let rt = rt(2, "blk-panic");
        let mutex = Arc::new(Mutex::new(5));
        rt.block_on(async {
            let m = mutex.clone();
            let err = spawn(async move {
                let _guard = m.blocking_lock();
            })
            .await
            .unwrap_err();
            assert!(err.is_panic());
            let message = err.panic_message().unwrap();
            assert!(
                message.contains("called from a runtime thread"),
                "{message}"
            );
            assert!(message.contains("Mutex::blocking_lock"), "{message}");

            // Directly in the block_on future: the same panic.
            let m = mutex.clone();
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                let _guard = m.blocking_lock();
            }))
            .unwrap_err();
            assert!(panic_text(&*caught).contains("called from a runtime thread"));

            // The lock was never taken, and the runtime still works.
            assert_eq!(*mutex.lock().await, 5);
            let m = mutex.clone();
            let v = runtime::spawn_blocking(move || *m.blocking_lock() + 1)
                .await
                .unwrap();
            assert_eq!(v, 6);
        });
    });
}

/// The other blocking forms refuse runtime threads the same way.
#[test]
fn every_blocking_form_refuses_runtime_threads() {
    watchdog(LIMIT, || {
        let rt = rt(2, "blk-all");
        rt.block_on(async {
            let queue = Queue::<u32>::new(1);
            let rw = Arc::new(RwLock::new(0));
            let (tx, mut rx) = mpsc::channel::<u32>(1);
            type Check = Box<dyn FnOnce() + Send>;
            let checks: Vec<(&str, Check)> = vec![
                ("Queue::blocking_get", {
                    let q = queue.clone();
                    Box::new(move || {
                        let _ = q.blocking_get();
                    })
                }),
                ("Queue::blocking_put", {
                    let q = queue.clone();
                    Box::new(move || {
                        let _ = q.blocking_put(1);
                    })
                }),
                ("RwLock::blocking_read", {
                    let rw = rw.clone();
                    Box::new(move || drop(rw.blocking_read()))
                }),
                (
                    "mpsc::Receiver::blocking_recv",
                    Box::new(move || {
                        let _ = rx.blocking_recv();
                    }),
                ),
                (
                    "blocking_send",
                    Box::new(move || {
                        let _ = tx.blocking_send(1);
                    }),
                ),
            ];
            for (what, check) in checks {
                let err = spawn(async move { check() }).await.unwrap_err();
                let message = err.panic_message().unwrap_or_default();
                assert!(
                    message.contains(what) && message.contains("called from a runtime thread"),
                    "{what}: {message}"
                );
            }
        });
    });
}

/// Plain threads feed tasks and tasks feed plain threads through the
/// blocking forms of Queue, mpsc and oneshot.
#[test]
fn plain_threads_and_tasks_talk_through_the_blocking_forms() {
    watchdog(LIMIT, || {
        let rt = rt(2, "blk-talk");
        // Thread -> task through a bounded queue.
        let queue = Queue::<u64>::new(4);
        let consumer = rt.spawn({
            let queue = queue.clone();
            async move {
                let mut sum = 0;
                while let Ok(v) = queue.get().await {
                    sum += v;
                }
                sum
            }
        });
        let producer = std::thread::spawn({
            let queue = queue.clone();
            move || {
                for v in 1..=1000 {
                    queue.blocking_put(v).unwrap();
                }
                queue.close();
            }
        });
        producer.join().unwrap();
        assert_eq!(rt.block_on(consumer).unwrap(), 500_500);

        // Task -> thread through mpsc.
        let (tx, mut rx) = mpsc::channel::<u64>(2);
        let sender = rt.spawn(async move {
            for v in 1..=100 {
                tx.send(v).await.unwrap();
            }
        });
        let receiver = std::thread::spawn(move || {
            let mut sum = 0;
            while let Some(v) = rx.blocking_recv() {
                sum += v;
            }
            sum
        });
        assert_eq!(receiver.join().unwrap(), 5050);
        rt.block_on(sender).unwrap();

        // A task answers a plain thread's request through a oneshot.
        let (reply_tx, reply_rx) = oneshot::channel();
        rt.spawn(async move {
            runtime::yield_now().await;
            reply_tx.send("answer").unwrap();
        })
        .detach();
        let answer = std::thread::spawn(move || reply_rx.blocking_recv().unwrap());
        assert_eq!(answer.join().unwrap(), "answer");
    });
}
