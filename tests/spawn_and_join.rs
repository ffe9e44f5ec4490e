//! Spawning and awaiting tasks: from inside, through a Handle from outside,
//! and 100k at once.
mod common;
use common::{rt, watchdog, LIMIT};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn spawn_and_await_inside_a_task() {
    watchdog(LIMIT, || {
        let rt = rt(2, "inside");
        let out = rt.block_on(async {
            let outer = runtime::spawn(async {
                let inner = runtime::spawn(async { 40 });
                inner.await.unwrap() + 2
            });
            outer.await.unwrap()
        });
        assert_eq!(out, 42);
    });
}

#[test]
fn spawn_through_a_handle_from_a_plain_thread() {
    watchdog(LIMIT, || {
        let rt = rt(2, "outside");
        let handle = rt.handle().clone();
        let from_thread = std::thread::spawn(move || {
            let tasks: Vec<_> = (0..100u32)
                .map(|i| handle.spawn(async move { i }))
                .collect();
            handle.block_on(async move {
                let mut sum = 0;
                for t in tasks {
                    sum += t.await.unwrap();
                }
                sum
            })
        })
        .join()
        .unwrap();
        assert_eq!(from_thread, (0..100).sum::<u32>());
    });
}

#[test]
fn hundred_thousand_tasks_all_complete_with_their_results() {
    watchdog(LIMIT, || {
        let rt = rt(2, "many");
        let results = rt.block_on(async {
            let tasks: Vec<_> = (0..100_000u64)
                .map(|i| runtime::spawn(async move { i * 3 }))
                .collect();
            let mut out = Vec::with_capacity(tasks.len());
            for t in tasks {
                out.push(t.await.unwrap());
            }
            out
        });
        assert_eq!(results.len(), 100_000);
        assert!(results.iter().enumerate().all(|(i, &v)| v == i as u64 * 3));
    });
}

#[test]
fn current_thread_runs_tasks_on_the_calling_thread() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        let caller = std::thread::current().id();
        let ids = rt.block_on(async {
            let tasks: Vec<_> = (0..50)
                .map(|_| runtime::spawn(async { std::thread::current().id() }))
                .collect();
            let mut ids = Vec::new();
            for t in tasks {
                ids.push(t.await.unwrap());
            }
            ids
        });
        assert!(ids.iter().all(|&id| id == caller));
    });
}

#[test]
fn tasks_spread_over_both_workers() {
    watchdog(LIMIT, || {
        let rt = rt(2, "spread");
        let threads = rt.block_on(async {
            let tasks: Vec<_> = (0..64)
                .map(|_| {
                    runtime::spawn(async {
                        // Busy enough that one worker cannot take them all.
                        std::thread::sleep(std::time::Duration::from_millis(2));
                        std::thread::current().name().map(str::to_owned)
                    })
                })
                .collect();
            let mut names = std::collections::HashSet::new();
            for t in tasks {
                names.insert(t.await.unwrap());
            }
            names
        });
        assert_eq!(threads.len(), 2, "both workers ran tasks: {threads:?}");
    });
}

#[test]
fn names_and_ids_inside_and_outside() {
    watchdog(LIMIT, || {
        let rt = rt(2, "names");
        rt.block_on(async {
            let t = runtime::task::Builder::new()
                .name("fetch-1")
                .spawn(async { (runtime::task::id(), runtime::task::name()) });
            assert_eq!(t.name().as_deref(), Some("fetch-1"));
            t.set_name("fetch-renamed");
            assert_eq!(t.name().as_deref(), Some("fetch-renamed"));
            let id = t.id();
            let (inner_id, _inner_name) = t.await.unwrap();
            assert_eq!(inner_id, id);

            let unnamed = runtime::spawn(async { runtime::task::name() });
            assert_eq!(unnamed.name(), None);
            assert_eq!(unnamed.await.unwrap(), None);
        });
        assert!(runtime::task::try_id().is_none(), "no task outside");
    });
}

#[test]
fn a_dropped_task_still_runs() {
    watchdog(LIMIT, || {
        let rt = rt(2, "detach");
        let ran = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = std::sync::mpsc::channel();
        let r = ran.clone();
        drop(rt.spawn(async move {
            r.fetch_add(1, SeqCst);
            tx.send(()).unwrap();
        }));
        rx.recv().unwrap();
        assert_eq!(ran.load(SeqCst), 1);
        let r = ran.clone();
        rt.spawn(async move { r.fetch_add(1, SeqCst) }).detach();
        drop(rt); // shutdown waits for nothing here, but the count is 1 or 2
        assert!(ran.load(SeqCst) >= 1);
    });
}

#[test]
fn spawn_blocking_runs_off_the_workers_and_returns() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("blk")
            .max_blocking_threads(4)
            .build()
            .unwrap();
        let out = rt.block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|i| {
                    runtime::spawn_blocking(move || {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        (i, std::thread::current().name().unwrap_or("").to_owned())
                    })
                })
                .collect();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.unwrap());
            }
            out
        });
        for (i, (j, name)) in out.iter().enumerate() {
            assert_eq!(i, *j);
            assert!(name.starts_with("blk-blocking"), "ran on {name}");
        }
        assert!(rt.handle().num_blocking_threads() <= 4);
    });
}

#[test]
fn run_is_asyncio_run() {
    watchdog(LIMIT, || {
        let v = runtime::run(async { runtime::spawn(async { 7 }).await.unwrap() });
        assert_eq!(v, 7);
    });
}
