//! The seeds' `asyncio.TaskGroup` examples: results after the group, the
//! first failure cancelling the siblings, every failure in the
//! `ExceptionGroup` (`GroupError`) with `except*`-style filtering by error
//! type, and a group failing while tasks are still being spawned into it.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::sync::{Event, Semaphore};
use runtime::task::{TaskOutcome, TaskState};
use runtime::time::{sleep, timeout, Duration};
use runtime::{spawn, Failure, FailureKind, GroupError, TaskGroup};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

struct DropSignal(Arc<Semaphore>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        self.0.add_permits(1);
    }
}

/// Seed 002: `async with TaskGroup() as tg: tg.create_task(process(i))`,
/// then `[t.result() for t in results]` after the block.
#[test]
fn results_are_read_from_the_handles_after_the_group() {
    watchdog(LIMIT, || {
        rt(2, "tg-seed-ok").block_on(async {
            async fn process(item: u32) -> Result<u32, String> {
                sleep(Duration::from_millis(1)).await;
                Ok(item * 2)
            }
            let tg = TaskGroup::<String>::new();
            let tasks: Vec<_> = (0..5).map(|i| tg.spawn(process(i))).collect();
            tg.join().await.unwrap();
            let mut results = Vec::new();
            for t in tasks {
                assert!(t.is_finished(), "all tasks are done after the group");
                results.push(t.await.unwrap().unwrap());
            }
            assert_eq!(results, [0, 2, 4, 6, 8]);
        });
    });
}

/// Seed 001: items A..E, C raises ValueError. The first failure cancels the
/// siblings (their Drop runs before `join` returns), and `join` reports the
/// error with the failing task's name. The failing task's own handle gives a
/// `JoinError` with `is_failed()` (its error went to the group).
#[test]
fn the_first_failure_cancels_the_siblings() {
    watchdog(LIMIT, || {
        rt(2, "tg-seed-fail").block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let tg = TaskGroup::<String>::new();
            let mut handles = Vec::new();
            for item in ["A", "B", "C", "D", "E"] {
                let dropped = dropped.clone();
                let handle = tg.spawn_named(format!("process-{item}"), async move {
                    struct Counted(Arc<AtomicUsize>);
                    impl Drop for Counted {
                        fn drop(&mut self) {
                            self.0.fetch_add(1, SeqCst);
                        }
                    }
                    let _counted = Counted(dropped);
                    if item == "C" {
                        sleep(Duration::from_millis(2)).await;
                        return Err(format!("Error processing {item}"));
                    }
                    std::future::pending::<()>().await; // the others take "1 s"
                    Ok(format!("Processed {item}"))
                });
                handles.push((item, handle));
            }
            let err = tg.join().await.unwrap_err();
            assert_eq!(dropped.load(SeqCst), 5, "every member's future was dropped");
            assert_eq!(err.len(), 1);
            let failure = err.iter().next().unwrap();
            assert_eq!(failure.name(), Some("process-C"));
            assert_eq!(
                failure.error().map(String::as_str),
                Some("Error processing C")
            );
            assert!(!failure.is_panic());
            assert!(err.to_string().contains("task 'process-C'"), "{err}");
            for (item, handle) in handles {
                let e = handle.await.unwrap_err();
                if item == "C" {
                    assert!(e.is_failed() && !e.is_cancelled(), "{e}");
                } else {
                    assert!(e.is_cancelled(), "{item}: {e}");
                }
            }
        });
    });
}

#[derive(Debug)]
#[allow(dead_code)] // the payloads are read through Debug
enum AppError {
    Value(String),
    Os(std::io::Error),
}

/// `except* ValueError as eg:`: split a `GroupError` into the failures
/// whose error matches and the rest.
fn except_star<E>(
    err: GroupError<E>,
    matches: impl Fn(&E) -> bool,
) -> (Vec<Failure<E>>, Vec<Failure<E>>) {
    err.into_failures()
        .into_iter()
        .partition(|f| f.error().is_some_and(&matches))
}

/// Seed 002: `except* ValueError` / `except* OSError` over the group's
/// errors. Both members fail: the OSError one is still inside its last poll
/// when the ValueError one fails (it spins until the group is closed, then
/// returns its own error), so the group records both, in order.
#[test]
fn except_star_filters_the_group_error_by_error_type() {
    watchdog(LIMIT, || {
        rt(2, "tg-except").block_on(async {
            let tg = TaskGroup::<AppError>::new();
            let observer = tg.clone();
            let os_running = Arc::new(AtomicBool::new(false));
            tg.spawn_named("might_also_fail", {
                let os_running = os_running.clone();
                async move {
                    os_running.store(true, SeqCst);
                    while !observer.is_closed() {
                        std::hint::spin_loop();
                    }
                    Err::<(), _>(AppError::Os(std::io::Error::other("disk on fire")))
                }
            });
            tg.spawn_named("might_fail", async move {
                while !os_running.load(SeqCst) {
                    runtime::yield_now().await;
                }
                Err::<(), _>(AppError::Value("bad value".into()))
            });
            let err = tg.join().await.unwrap_err();
            assert_eq!(err.len(), 2, "{err:?}");
            assert_eq!(err.errors().count(), 2);
            assert_eq!(err.panics().count(), 0);

            let mut handled = Vec::new();
            let (value_errors, rest) = except_star(err, |e| matches!(e, AppError::Value(_)));
            for f in &value_errors {
                handled.push(format!(
                    "ValueError occurred: {:?} in {}",
                    f.error().unwrap(),
                    f.name().unwrap()
                ));
            }
            let (os_errors, rest): (Vec<_>, Vec<_>) = rest
                .into_iter()
                .partition(|f| matches!(f.error(), Some(AppError::Os(_))));
            for f in os_errors {
                let name = f.name().unwrap().to_string();
                match f.into_error() {
                    Some(AppError::Os(e)) => {
                        handled.push(format!("OSError occurred: {e} in {name}"))
                    }
                    other => panic!("{other:?}"),
                }
            }
            assert!(rest.is_empty(), "nothing left unhandled");
            assert_eq!(
                handled,
                [
                    "ValueError occurred: Value(\"bad value\") in might_fail",
                    "OSError occurred: disk on fire in might_also_fail",
                ]
            );
        });
    });
}

/// A member that panics is a failure too; `GroupError::panics` lists it and
/// its `FailureKind` is `Panic` (asyncio: any exception type in the group).
#[test]
fn a_panicking_member_fails_the_group() {
    watchdog(LIMIT, || {
        rt(2, "tg-panic").block_on(async {
            let drops = Arc::new(Semaphore::new(0));
            let tg = TaskGroup::<String>::new();
            for _ in 0..3 {
                let guard = DropSignal(drops.clone());
                tg.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                    Ok(())
                });
            }
            tg.spawn_named("exploder", async {
                sleep(Duration::from_millis(1)).await;
                if true {
                    panic!("exploded");
                }
                Ok(())
            });
            let err = tg.join().await.unwrap_err();
            assert_eq!(err.panics().collect::<Vec<_>>(), ["exploded"]);
            let f = err.iter().next().unwrap();
            assert!(f.is_panic() && f.error().is_none());
            assert!(matches!(f.kind(), FailureKind::Panic(m) if m == "exploded"));
            assert!(err.to_string().contains("task 'exploder'"), "{err}");
            drops.acquire_many(3).await.unwrap().forget();
        });
    });
}

/// The group fails while another task is spawning into it in a loop:
/// `join` reports the one failure, every member (started or not) is
/// cancelled and its future dropped, and the members spawned after the
/// failure never run their bodies.
///
/// The failure is triggered between two spawns (the spawner lets the failer
/// go, and goes on spawning once the group is closed): a failure landing
/// *inside* `spawn` can strand a member, see
/// `spawning_racing_a_failure_never_strands_a_member` below.
#[test]
fn a_group_that_fails_while_tasks_are_still_being_spawned() {
    watchdog(LIMIT, || {
        rt(2, "tg-spawning").block_on(async {
            let tg = TaskGroup::<String>::new();
            let drops = Arc::new(Semaphore::new(0));
            let late_ran = Arc::new(AtomicUsize::new(0));
            let fail_now = Arc::new(Event::new());
            let spawner = spawn({
                let (g, drops, late_ran, fail_now) = (
                    tg.clone(),
                    drops.clone(),
                    late_ran.clone(),
                    fail_now.clone(),
                );
                async move {
                    let mut handles = Vec::new();
                    for i in 0..100 {
                        let (guard, late_ran) = (DropSignal(drops.clone()), late_ran.clone());
                        let closed = g.is_closed();
                        handles.push(g.spawn(async move {
                            let _guard = guard;
                            if closed {
                                late_ran.fetch_add(1, SeqCst);
                            }
                            std::future::pending::<()>().await;
                            Ok(())
                        }));
                        if i == 49 {
                            fail_now.set();
                            while !g.is_closed() {
                                runtime::yield_now().await;
                            }
                        }
                        runtime::yield_now().await;
                    }
                    handles
                }
            });
            tg.spawn_named("failer", {
                let fail_now = fail_now.clone();
                async move {
                    fail_now.wait().await;
                    Err::<(), _>("failed mid-spawn".to_string())
                }
            });
            let err = tg.join().await.unwrap_err();
            assert_eq!(err.len(), 1);
            assert_eq!(err.errors().next().unwrap(), "failed mid-spawn");
            let handles = spawner.await.unwrap();
            assert_eq!(handles.len(), 100);
            for h in handles {
                assert!(h.await.unwrap_err().is_cancelled());
            }
            drops.acquire_many(100).await.unwrap().forget();
            assert_eq!(late_ran.load(SeqCst), 0, "refused members never ran");
        });
    });
}

/// BUG (runtime-core/src/group/task_group/mod.rs): a failure that lands while
/// another thread is inside `TaskGroup::spawn` can strand the new member.
/// `spawn_inner` schedules the task *before* inserting it into `members`; if
/// a worker polls it in between (its first-poll check sees the group still
/// open) and another member fails (`Shared::close` cancels only the members
/// already recorded), the new member is never cancelled, and `join` waits
/// for it forever. Seen here within a few hundred rounds: `all_tasks()` then
/// shows the stranded members `Idle` (not `Cancelling`) after one poll.
/// A fix: when inserting the member, check `closed` under the same lock and
/// cancel the new task if the group has closed meanwhile.
#[test]

fn spawning_racing_a_failure_never_strands_a_member() {
    watchdog(LIMIT, || {
        rt(4, "tg-race").block_on(async {
            for round in 0..3_000u32 {
                let tg = TaskGroup::<u32>::new();
                let spawned = Arc::new(AtomicUsize::new(0));
                let spawners: Vec<_> = (0..3)
                    .map(|_| {
                        let (g, spawned) = (tg.clone(), spawned.clone());
                        spawn(async move {
                            while !g.is_closed() {
                                g.spawn(std::future::pending::<Result<(), u32>>());
                                spawned.fetch_add(1, SeqCst);
                            }
                        })
                    })
                    .collect();
                tg.spawn(async move {
                    while spawned.load(SeqCst) < 20 + (round as usize % 50) {
                        runtime::yield_now().await;
                    }
                    Err::<(), _>(round)
                });
                let Ok(joined) = timeout(Duration::from_secs(5), tg.join()).await else {
                    let stuck: Vec<String> = runtime::all_tasks()
                        .iter()
                        .map(|i| format!("{:?} after {} polls", i.state, i.polls))
                        .collect();
                    panic!("round {round}: join still waiting after 5 s; live tasks: {stuck:?}");
                };
                let errors: Vec<u32> = joined.unwrap_err().errors().copied().collect();
                assert_eq!(errors, [round]);
                for s in spawners {
                    s.await.unwrap();
                }
            }
        });
    });
}

/// Seed 002 naming: `tg.create_task(coro, name=...)`; `all_tasks()` sees the
/// group's named tasks while they run.
#[test]
fn all_tasks_sees_the_groups_named_tasks() {
    watchdog(LIMIT, || {
        rt(2, "tg-alltasks").block_on(async {
            let tg = TaskGroup::<()>::new();
            let handles: Vec<_> = (0..3)
                .map(|i| {
                    tg.spawn_named(format!("member-{i}"), async {
                        std::future::pending::<()>().await;
                        Ok(())
                    })
                })
                .collect();
            assert_eq!(handles[1].name().as_deref(), Some("member-1"));
            handles[2].set_name("renamed-member");
            loop {
                let infos = runtime::all_tasks();
                let mut names: Vec<String> = infos
                    .iter()
                    .filter(|i| i.state == TaskState::Idle && i.polls > 0)
                    .filter_map(|i| i.name.clone())
                    .collect();
                names.sort();
                if names == ["member-0", "member-1", "renamed-member"] {
                    break;
                }
                sleep(Duration::from_millis(1)).await;
            }
            tg.cancel();
            assert!(tg.is_closed());
            tg.join().await.unwrap();
            for h in handles {
                assert!(h.await.unwrap_err().is_cancelled());
            }
            assert!(!runtime::all_tasks()
                .iter()
                .any(|i| i.name.as_deref().is_some_and(|n| n.contains("member"))));
        });
    });
}

/// Cancelling a group is not a failure: `join` is `Ok`. A done callback on a
/// failed member learns `TaskOutcome::Failed`.
#[test]
fn cancel_is_not_a_failure_and_members_report_their_outcome() {
    watchdog(LIMIT, || {
        rt(2, "tg-outcome").block_on(async {
            let tg = TaskGroup::<String>::new();
            let (tx, rx) = std::sync::mpsc::channel();
            let waiting = tg.spawn(async {
                std::future::pending::<()>().await;
                Ok(())
            });
            let tx2 = tx.clone();
            waiting.add_done_callback(move |o| tx2.send(o).unwrap());
            sleep(Duration::from_millis(1)).await;
            tg.cancel();
            tg.join().await.unwrap();
            assert_eq!(rx.recv().unwrap(), TaskOutcome::Cancelled);

            let tg = TaskGroup::<String>::new();
            let failing = tg.spawn(async { Err::<(), _>("no".to_string()) });
            failing.add_done_callback(move |o| tx.send(o).unwrap());
            assert_eq!(tg.join().await.unwrap_err().len(), 1);
            assert_eq!(rx.recv().unwrap(), TaskOutcome::Failed);
            let e = failing.await.unwrap_err();
            assert!(e.is_failed());
            assert_eq!(e.outcome(), TaskOutcome::Failed);
        });
    });
}

/// The task awaiting `join` is cancelled (here: a timeout gives up on it,
/// which drops the join future): the group's members are cancelled, as in
/// asyncio where cancelling the body of `async with TaskGroup()` cancels
/// the group. Their futures are dropped soon after (not before `join`'s
/// drop returns: Drop cannot wait).
#[test]
fn dropping_the_join_future_cancels_the_members() {
    watchdog(LIMIT, || {
        rt(2, "tg-dropjoin").block_on(async {
            let drops = Arc::new(Semaphore::new(0));
            let tg = TaskGroup::<()>::new();
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let guard = DropSignal(drops.clone());
                    tg.spawn(async move {
                        let _guard = guard;
                        std::future::pending::<()>().await;
                        Ok(())
                    })
                })
                .collect();
            assert!(timeout(Duration::from_millis(5), tg.join()).await.is_err());
            drops.acquire_many(4).await.unwrap().forget();
            for h in handles {
                assert!(h.await.unwrap_err().is_cancelled());
            }

            // The same when the task owning the group is cancelled.
            let inside = Arc::new(Event::new());
            let owner = spawn({
                let (drops, inside) = (drops.clone(), inside.clone());
                async move {
                    let tg = TaskGroup::<()>::new();
                    for _ in 0..4 {
                        let guard = DropSignal(drops.clone());
                        tg.spawn(async move {
                            let _guard = guard;
                            std::future::pending::<()>().await;
                            Ok(())
                        });
                    }
                    inside.set();
                    tg.join().await
                }
            });
            inside.wait().await;
            owner.cancel();
            assert!(owner.await.unwrap_err().is_cancelled());
            drops.acquire_many(4).await.unwrap().forget();
        });
    });
}

/// Members can spawn more members through a clone of the group (asyncio:
/// passing `tg` into the tasks), and the group waits for all of them.
#[test]
fn members_spawn_more_members_through_a_clone() {
    watchdog(LIMIT, || {
        rt(2, "tg-clone").block_on(async {
            let tg = TaskGroup::<String>::new();
            let total = Arc::new(AtomicUsize::new(0));
            for i in 0..4 {
                let (g, total) = (tg.clone(), total.clone());
                tg.spawn(async move {
                    for j in 0..4 {
                        let total = total.clone();
                        g.spawn(async move {
                            sleep(Duration::from_millis(1)).await;
                            total.fetch_add(i * 10 + j, SeqCst);
                            Ok(())
                        });
                    }
                    Ok(())
                });
            }
            tg.join().await.unwrap();
            let expected: usize = (0..4).flat_map(|i| (0..4).map(move |j| i * 10 + j)).sum();
            assert_eq!(total.load(SeqCst), expected);
        });
    });
}
