//! TaskGroup: structured concurrency with every failure reported.
mod common;
use common::{rt, watchdog, DropFlag, LIMIT};
use runtime::task::TaskOutcome;
use runtime::time::{sleep, Duration};
use runtime::TaskGroup;
use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};

#[test]
fn results_of_a_successful_group() {
    watchdog(LIMIT, || {
        rt(2, "tg-ok").block_on(async {
            let group = TaskGroup::<String>::new();
            let tasks: Vec<_> = (0..5)
                .map(|i| group.spawn(async move { Ok::<_, String>(i * 2) }))
                .collect();
            group.join().await.unwrap();
            for (i, t) in tasks.into_iter().enumerate() {
                assert!(
                    t.is_finished(),
                    "join returns only after every task finished"
                );
                assert_eq!(t.await.unwrap().unwrap(), i * 2);
            }
        });
    });
}

#[test]
fn first_failure_cancels_siblings_and_join_returns_every_error() {
    watchdog(LIMIT, || {
        rt(2, "tg-fail").block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let group = TaskGroup::<String>::new();
            let mut siblings = Vec::new();
            for i in 0..10 {
                let guard = DropFlag(dropped.clone());
                siblings.push(group.spawn_named(format!("sleeper-{i}"), async move {
                    let _guard = guard;
                    pending::<()>().await;
                    Ok(())
                }));
            }
            let bad = group.spawn_named("bad-1", async {
                sleep(Duration::from_millis(5)).await;
                Err::<(), _>("value error".to_string())
            });
            let err = group.join().await.unwrap_err();
            assert_eq!(dropped.load(SeqCst), 10, "every sibling's Drop ran");
            for s in siblings {
                assert!(s.await.unwrap_err().is_cancelled());
            }
            let bad_err = bad.await.unwrap_err();
            assert!(bad_err.is_failed(), "{bad_err}");
            assert_eq!(err.len(), 1);
            let failure = err.iter().next().unwrap();
            assert_eq!(failure.name(), Some("bad-1"));
            assert_eq!(failure.error().map(String::as_str), Some("value error"));
            let text = err.to_string();
            assert!(
                text.contains("1 task of the group failed") && text.contains("bad-1"),
                "{text}"
            );
        });
    });
}

#[test]
fn several_failures_and_a_panic_are_all_reported() {
    watchdog(LIMIT, || {
        rt(2, "tg-many").block_on(async {
            let group = TaskGroup::<std::io::Error>::new();
            // All fail at once: whichever is first cancels the others, but
            // those already past their last await still report.
            let (tx, rx) = mpsc::channel::<()>();
            let gate = Arc::new(std::sync::Mutex::new(rx));
            for i in 0..3 {
                let gate = gate.clone();
                group.spawn_named(format!("io-{i}"), async move {
                    runtime::spawn_blocking(move || {
                        let _ = gate.lock().unwrap().recv();
                    })
                    .await
                    .unwrap();
                    Err::<(), _>(std::io::Error::other(format!("io {i}")))
                });
            }
            group.spawn_named("panicker", async {
                sleep(Duration::from_millis(1)).await;
                if true {
                    panic!("kaboom");
                }
                Ok::<(), std::io::Error>(())
            });
            drop(tx); // release the blocking waits
            let err = group.join().await.unwrap_err();
            assert!(!err.is_empty());
            assert!(err.iter().all(|f| f.name().is_some()));
            let messages: Vec<String> = err.iter().map(|f| f.to_string()).collect();
            assert!(
                messages
                    .iter()
                    .any(|m| m.contains("kaboom") || m.contains("io ")),
                "{messages:?}"
            );
        });
    });
}

#[test]
fn spawns_after_a_failure_are_refused() {
    watchdog(LIMIT, || {
        rt(2, "tg-refuse").block_on(async {
            let ran = Arc::new(AtomicUsize::new(0));
            let group = TaskGroup::<&'static str>::new();
            let bad = group.spawn(async { Err::<(), _>("no") });
            let _ = (&mut { bad }).await;
            while !group.is_closed() {
                runtime::yield_now().await;
            }
            // The group is closed: these never run their bodies.
            let late: Vec<_> = (0..100)
                .map(|_| {
                    let ran = ran.clone();
                    group.spawn(async move {
                        ran.fetch_add(1, SeqCst);
                        Ok(())
                    })
                })
                .collect();
            let err = group.join().await.unwrap_err();
            assert_eq!(err.len(), 1);
            assert_eq!(ran.load(SeqCst), 0);
            for t in late {
                assert!(t.await.unwrap_err().is_cancelled());
            }
        });
    });
}

#[test]
fn dropping_an_unjoined_group_cancels_its_tasks() {
    watchdog(LIMIT, || {
        rt(2, "tg-drop").block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let group = TaskGroup::<()>::new();
            let tasks: Vec<_> = (0..20)
                .map(|_| {
                    let guard = DropFlag(dropped.clone());
                    group.spawn(async move {
                        let _g = guard;
                        pending::<()>().await;
                        Ok(())
                    })
                })
                .collect();
            drop(group);
            for t in tasks {
                assert!(t.await.unwrap_err().is_cancelled());
            }
            assert_eq!(dropped.load(SeqCst), 20);
        });
    });
}

#[test]
fn nested_groups_propagate_cancellation() {
    watchdog(LIMIT, || {
        rt(2, "tg-nest").block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let outer = TaskGroup::<String>::new();
            let d = dropped.clone();
            outer.spawn_named("inner-owner", async move {
                let inner = TaskGroup::<String>::new();
                for _ in 0..5 {
                    let guard = DropFlag(d.clone());
                    inner.spawn(async move {
                        let _g = guard;
                        pending::<()>().await;
                        Ok(())
                    });
                }
                inner.join().await.map_err(|e| e.to_string())
            });
            outer.spawn_named("failer", async {
                sleep(Duration::from_millis(10)).await;
                Err::<(), _>("outer failure".to_string())
            });
            let err = outer.join().await.unwrap_err();
            assert_eq!(err.len(), 1);
            assert_eq!(
                dropped.load(SeqCst),
                5,
                "the inner group's tasks were cancelled"
            );
        });
    });
}

#[test]
fn ten_thousand_task_group() {
    watchdog(LIMIT, || {
        rt(2, "tg-10k").block_on(async {
            let group = TaskGroup::<()>::new();
            let sum = Arc::new(AtomicUsize::new(0));
            for i in 0..10_000 {
                let sum = sum.clone();
                group.spawn(async move {
                    runtime::yield_now().await;
                    sum.fetch_add(i, SeqCst);
                    Ok(())
                });
            }
            group.join().await.unwrap();
            assert_eq!(sum.load(SeqCst), (0..10_000).sum::<usize>());
        });
    });
}

#[test]
fn all_tasks_sees_the_groups_named_tasks() {
    watchdog(LIMIT, || {
        rt(2, "tg-names").block_on(async {
            let group = TaskGroup::<()>::new();
            for i in 0..3 {
                group.spawn_named(format!("member-{i}"), async {
                    pending::<()>().await;
                    Ok(())
                });
            }
            let names: Vec<String> = runtime::all_tasks()
                .into_iter()
                .filter_map(|t| t.name)
                .collect();
            for i in 0..3 {
                assert!(names.contains(&format!("member-{i}")), "{names:?}");
            }
            group.cancel();
            group.join().await.unwrap();
        });
    });
}

#[test]
fn done_callbacks_fire_once_with_the_outcome() {
    watchdog(LIMIT, || {
        rt(2, "done-cb").block_on(async {
            let (tx, rx) = mpsc::channel();
            let ok = runtime::spawn(async { 1 });
            let tx2 = tx.clone();
            ok.add_done_callback(move |o| tx2.send(("ok", o)).unwrap());
            ok.await.unwrap();
            let cancelled = runtime::spawn(pending::<()>());
            let tx2 = tx.clone();
            cancelled.add_done_callback(move |o| tx2.send(("cancelled", o)).unwrap());
            cancelled.cancel();
            let _ = cancelled.await;
            let panicked = runtime::spawn(async { panic!("cb") });
            let tx2 = tx.clone();
            panicked.add_done_callback(move |o| tx2.send(("panicked", o)).unwrap());
            let _ = panicked.await;
            // Registered after completion: runs at once.
            let done = runtime::spawn(async {});
            while !done.is_finished() {
                runtime::yield_now().await;
            }
            let tx2 = tx.clone();
            done.add_done_callback(move |o| tx2.send(("late", o)).unwrap());
            // A panicking callback is reported, not fatal.
            let t = runtime::spawn(async {});
            t.add_done_callback(|_| panic!("callback panics"));
            t.await.unwrap();
            drop(tx);
            let got: Vec<_> = rx.iter().collect();
            assert_eq!(
                got,
                [
                    ("ok", TaskOutcome::Completed),
                    ("cancelled", TaskOutcome::Cancelled),
                    ("panicked", TaskOutcome::Panicked),
                    ("late", TaskOutcome::Completed),
                ]
            );
            assert_eq!(format!("{:?}", TaskOutcome::Cancelled), "Cancelled");
        });
    });
}

#[test]
fn done_callbacks_race_completion_and_run_exactly_once() {
    watchdog(LIMIT, || {
        let rt = rt(2, "cb-race");
        let count = Arc::new(AtomicUsize::new(0));
        for _ in 0..2_000 {
            let t = rt.spawn(async {});
            let c = count.clone();
            t.add_done_callback(move |_| {
                c.fetch_add(1, SeqCst);
            });
            rt.block_on(t).unwrap();
        }
        // A callback may run on a worker just after the join returns.
        while count.load(SeqCst) < 2_000 {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(count.load(SeqCst), 2_000);
    });
}

#[test]
fn the_scoped_form_always_joins() {
    watchdog(LIMIT, || {
        rt(2, "tg-scope").block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let d = dropped.clone();
            let result = runtime::task_group(|tg| async move {
                let guard = DropFlag(d);
                tg.spawn_named("waiter", async move {
                    let _g = guard;
                    pending::<()>().await;
                    Ok(())
                });
                tg.spawn_named("failer", async {
                    Err::<(), _>("scoped failure".to_string())
                });
                "body done"
            })
            .await;
            let err = result.unwrap_err();
            assert_eq!(err.len(), 1);
            assert_eq!(
                dropped.load(SeqCst),
                1,
                "the sibling was cancelled before return"
            );
            let ok = runtime::task_group(|tg| async move {
                tg.spawn(async { Ok::<_, String>(()) });
                7
            })
            .await;
            assert_eq!(ok.unwrap(), 7);
        });
    });
}
