//! Local tasks: `runtime::task::spawn_local` and `LocalSet` for futures that
//! are not `Send` (asyncio's single-threaded loop). Every test body runs
//! under a watchdog.
mod common;
use common::{rt, watchdog, DropFlag, LIMIT};
use runtime::task::{spawn_local, LocalSet};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

fn current_thread() -> runtime::Runtime {
    runtime::Builder::new_current_thread()
        .build()
        .expect("build runtime")
}

/// A future that never completes and records, when dropped, how many times
/// and on which thread.
struct Pending {
    drops: Arc<AtomicUsize>,
    threads: Arc<Mutex<Vec<ThreadId>>>,
    _not_send: Rc<()>,
}

impl std::future::Future for Pending {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Pending
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        self.threads
            .lock()
            .unwrap()
            .push(std::thread::current().id());
    }
}

#[test]
fn an_rc_refcell_is_shared_by_local_tasks_on_a_current_thread_runtime() {
    watchdog(LIMIT, || {
        let total = current_thread().block_on(async {
            let counter = Rc::new(RefCell::new(0));
            let tasks: Vec<_> = (0..10)
                .map(|i| {
                    let counter = counter.clone();
                    spawn_local(async move {
                        runtime::yield_now().await;
                        *counter.borrow_mut() += i;
                        Rc::strong_count(&counter)
                    })
                })
                .collect();
            for task in tasks {
                assert!(task.await.unwrap() >= 2);
            }
            let total = *counter.borrow();
            total
        });
        assert_eq!(total, 45);
    });
}

#[test]
fn local_tasks_run_in_spawn_order_and_interleave_at_awaits_like_asyncio() {
    watchdog(LIMIT, || {
        let local = LocalSet::new();
        let log = current_thread().block_on(local.run_until(async {
            let log = Rc::new(RefCell::new(Vec::new()));
            let tasks: Vec<_> = ["a", "b", "c"]
                .into_iter()
                .map(|name| {
                    let log = log.clone();
                    spawn_local(async move {
                        log.borrow_mut().push(format!("{name}1"));
                        runtime::yield_now().await;
                        log.borrow_mut().push(format!("{name}2"));
                    })
                })
                .collect();
            // Nothing ran yet: spawning does not poll (create_task).
            assert!(log.borrow().is_empty());
            for task in tasks {
                task.await.unwrap();
            }
            Rc::try_unwrap(log).unwrap().into_inner()
        }));
        assert_eq!(log, ["a1", "b1", "c1", "a2", "b2", "c2"]);
    });
}

#[test]
fn a_wake_from_a_plain_thread_reaches_the_local_task() {
    watchdog(LIMIT, || {
        let rt = rt(2, "local-wake");
        let local = LocalSet::new();
        let got = rt.block_on(local.run_until(async {
            let (tx, rx) = runtime::sync::oneshot::channel::<u32>();
            let not_send = Rc::new(5);
            let task = spawn_local(async move { *not_send + rx.await.unwrap() });
            // Let the task park on the channel before the thread sends.
            runtime::yield_now().await;
            let sender = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(10));
                tx.send(37).unwrap();
            });
            let got = task.await.unwrap();
            sender.join().unwrap();
            got
        }));
        assert_eq!(got, 42);
    });
}

#[test]
fn a_wake_from_a_multi_thread_task_reaches_the_local_task() {
    watchdog(LIMIT, || {
        let rt = rt(2, "local-mt");
        let local = LocalSet::new();
        let rounds = rt.block_on(local.run_until(async {
            let (to_local, mut from_worker) = runtime::sync::mpsc::channel::<u32>(1);
            let (to_worker, mut from_local) = runtime::sync::mpsc::channel::<u32>(1);
            let seen = Rc::new(RefCell::new(Vec::new()));
            let local_task = spawn_local({
                let seen = seen.clone();
                async move {
                    while let Some(n) = from_worker.recv().await {
                        seen.borrow_mut().push(n);
                        if to_worker.send(n + 1).await.is_err() {
                            break;
                        }
                    }
                }
            });
            let worker = runtime::spawn(async move {
                let mut n = 0;
                for _ in 0..200 {
                    to_local.send(n).await.unwrap();
                    n = from_local.recv().await.unwrap();
                }
                n
            });
            let last = worker.await.unwrap();
            local_task.await.unwrap();
            assert_eq!(seen.borrow().len(), 200);
            last
        }));
        assert_eq!(rounds, 200);
    });
}

#[test]
fn a_panic_in_a_local_task_is_a_join_error_with_the_task_name() {
    watchdog(LIMIT, || {
        let local = LocalSet::new();
        current_thread().block_on(local.run_until(async {
            let task = runtime::task::Builder::new()
                .name("local-boom")
                .spawn_local(async {
                    assert_eq!(runtime::task::name().as_deref(), Some("local-boom"));
                    let _not_send = Rc::new(());
                    panic!("boom in a local task");
                });
            assert_eq!(task.name().as_deref(), Some("local-boom"));
            let (tx, rx) = std::sync::mpsc::channel();
            task.add_done_callback(move |outcome| tx.send(outcome).unwrap());
            let err = task.await.unwrap_err();
            assert!(err.is_panic());
            assert!(err.to_string().contains("local-boom"), "{err}");
            assert_eq!(rx.recv().unwrap(), runtime::task::TaskOutcome::Panicked);
            let payload = err.into_panic();
            assert_eq!(
                payload.downcast_ref::<&str>(),
                Some(&"boom in a local task")
            );
            // The set keeps running after a panic.
            assert_eq!(spawn_local(async { 7 }).await.unwrap(), 7);
        }));
    });
}

#[test]
fn an_unseen_local_failure_follows_the_runtimes_policy() {
    watchdog(LIMIT, || {
        // ShutdownRuntime: block_on panics with the report, as it does for
        // the runtime's own tasks.
        let rt = runtime::Builder::new_current_thread()
            .unhandled_failure(runtime::Policy::ShutdownRuntime)
            .build()
            .unwrap();
        let payload = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                let task = runtime::task::Builder::new()
                    .name("unseen-local")
                    .spawn_local(async { panic!("nobody reads this local failure") });
                drop(task); // detached: nobody will see the failure
                std::future::pending::<()>().await
            })
        }))
        .unwrap_err();
        let text = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(text.contains("ShutdownRuntime"), "{text}");
        assert!(text.contains("unseen-local"), "{text}");
    });
}

#[test]
fn dropping_a_local_set_drops_each_pending_task_once_on_its_thread() {
    watchdog(LIMIT, || {
        let rt = rt(2, "local-drop");
        let drops = Arc::new(AtomicUsize::new(0));
        let threads = Arc::new(Mutex::new(Vec::new()));
        let local = LocalSet::new();
        let mut handles = Vec::new();
        // Some polled once (they park), some never polled at all.
        for _ in 0..5 {
            handles.push(local.spawn_local(Pending {
                drops: drops.clone(),
                threads: threads.clone(),
                _not_send: Rc::new(()),
            }));
        }
        rt.block_on(local.run_until(runtime::yield_now()));
        for _ in 0..3 {
            handles.push(local.spawn_local(Pending {
                drops: drops.clone(),
                threads: threads.clone(),
                _not_send: Rc::new(()),
            }));
        }
        assert_eq!(local.len(), 8);
        assert_eq!(drops.load(SeqCst), 0);
        // A waker of one of them, woken from another thread after the drop.
        drop(local);
        assert_eq!(drops.load(SeqCst), 8, "every future dropped exactly once");
        let me = std::thread::current().id();
        assert!(threads.lock().unwrap().iter().all(|&t| t == me));
        for handle in handles {
            // The handles see the cancellation; `Task<()>` is Send.
            let err = rt.block_on(handle).unwrap_err();
            assert!(err.is_cancelled());
        }
        assert_eq!(drops.load(SeqCst), 8);
    });
}

#[test]
fn a_wake_after_the_set_is_dropped_is_harmless() {
    watchdog(LIMIT, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let local = LocalSet::new();
        let waker_slot = Arc::new(Mutex::new(None::<std::task::Waker>));
        let flag = DropFlag(drops.clone());
        let slot = waker_slot.clone();
        let task = local.spawn_local(std::future::poll_fn(move |cx| {
            let _keep = (&flag, Rc::new(()));
            *slot.lock().unwrap() = Some(cx.waker().clone());
            std::task::Poll::<()>::Pending
        }));
        current_thread().block_on(local.run_until(runtime::yield_now()));
        let waker = waker_slot.lock().unwrap().take().expect("polled once");
        drop(local);
        assert_eq!(drops.load(SeqCst), 1);
        // The last reference may go on another thread: the future is gone.
        std::thread::spawn(move || {
            waker.wake_by_ref();
            drop(task);
            waker.wake();
        })
        .join()
        .unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn spawn_local_outside_a_local_set_panics_naming_the_fix() {
    watchdog(LIMIT, || {
        let message = |payload: Box<dyn std::any::Any + Send>| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .expect("a String payload")
        };
        // A plain thread.
        let payload = catch_unwind(|| drop(spawn_local(async {}))).unwrap_err();
        let text = message(payload);
        assert!(
            text.contains(
                "runtime::task::spawn_local called outside a LocalSet or a current-thread runtime"
            ),
            "{text}"
        );
        assert!(text.contains("LocalSet::run_until"), "{text}");
        // A multi-thread runtime's block_on without a LocalSet, and one of
        // its worker tasks.
        let rt = rt(2, "local-panic");
        let payload = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async { drop(spawn_local(async {})) })
        }))
        .unwrap_err();
        assert!(message(payload).contains("outside a LocalSet"));
        let err = rt
            .block_on(rt.spawn(async { drop(spawn_local(async {})) }))
            .unwrap_err();
        let text = message(err.into_panic());
        assert!(text.contains("outside a LocalSet"), "{text}");
        // The builder's variant names itself.
        let payload = catch_unwind(|| {
            drop(
                runtime::task::Builder::new()
                    .name("x")
                    .spawn_local(async {}),
            )
        })
        .unwrap_err();
        assert!(message(payload).starts_with("runtime::task::Builder::spawn_local called"));
    });
}

#[test]
fn a_local_set_runs_in_a_multi_thread_runtime_block_on_and_on_its_blocking_pool() {
    watchdog(LIMIT, || {
        let rt = rt(2, "local-host");
        // In block_on.
        let local = LocalSet::new();
        let n = rt.block_on(local.run_until(async {
            let rc = Rc::new(40);
            let worker = runtime::spawn(async { 1 });
            let rc2 = rc.clone();
            let local_task = spawn_local(async move { *rc2 + 1 });
            local_task.await.unwrap() + worker.await.unwrap()
        }));
        assert_eq!(n, 42);
        // From a worker's task: the set runs on a blocking-pool thread with
        // the runtime entered, so its local tasks can use timers and spawn.
        let n = rt.block_on(rt.spawn(async {
            let handle = runtime::Handle::current();
            runtime::spawn_blocking(move || {
                let local = LocalSet::new();
                handle.block_on(local.run_until(async {
                    let rc = Rc::new(RefCell::new(0));
                    let rc2 = rc.clone();
                    spawn_local(async move {
                        runtime::time::sleep(Duration::from_millis(1)).await;
                        *rc2.borrow_mut() += 21;
                    })
                    .await
                    .unwrap();
                    let from_worker = runtime::spawn(async { 21 }).await.unwrap();
                    let v = *rc.borrow();
                    v + from_worker
                }))
            })
            .await
            .unwrap()
        }));
        assert_eq!(n.unwrap(), 42);
    });
}

#[test]
fn awaiting_the_set_drives_every_task_to_completion() {
    watchdog(LIMIT, || {
        let local = LocalSet::new();
        let done = Rc::new(RefCell::new(Vec::new()));
        for i in 0..4 {
            let done = done.clone();
            local.spawn_local(async move {
                for _ in 0..i {
                    runtime::time::sleep(Duration::from_millis(1)).await;
                }
                // Tasks may spawn more tasks; the set waits for them too.
                let inner = done.clone();
                spawn_local(async move { inner.borrow_mut().push(i + 10) });
                done.borrow_mut().push(i);
            });
        }
        assert_eq!(local.len(), 4);
        current_thread().block_on(local);
        let mut done = done.borrow().clone();
        done.sort();
        assert_eq!(done, [0, 1, 2, 3, 10, 11, 12, 13]);
    });
}

#[test]
fn a_busy_local_set_does_not_starve_its_host_threads_other_tasks() {
    watchdog(LIMIT, || {
        // Current-thread: the LocalSet and the runtime's tasks share the one
        // thread. The local spinners never stop on their own; the runtime
        // task must still run and stop them.
        let stop = Arc::new(AtomicBool::new(false));
        let local = LocalSet::new();
        let polls = current_thread().block_on(local.run_until(async {
            let polls = Rc::new(RefCell::new(0u64));
            for _ in 0..3 {
                let polls = polls.clone();
                let stop = stop.clone();
                spawn_local(async move {
                    while !stop.load(SeqCst) {
                        *polls.borrow_mut() += 1;
                        runtime::yield_now().await;
                    }
                });
            }
            let stop2 = stop.clone();
            runtime::spawn(async move { stop2.store(true, SeqCst) })
                .await
                .unwrap();
            let n = *polls.borrow();
            n
        }));
        assert!(stop.load(SeqCst));
        assert!(polls > 0, "the spinners ran");
        // The same with a local task that never yields by itself but uses a
        // budgeted resource (a channel that is always ready).
        let local = LocalSet::new();
        current_thread().block_on(local.run_until(async {
            let (tx, mut rx) = runtime::sync::mpsc::unbounded_channel::<()>();
            let stop = Rc::new(std::cell::Cell::new(false));
            let stop2 = stop.clone();
            spawn_local(async move {
                while !stop2.get() {
                    tx.send(()).unwrap();
                    rx.recv().await.unwrap();
                }
            });
            runtime::spawn(async {}).await.unwrap();
            stop.set(true);
        }));
    });
}

#[test]
// The spawned task hands back the local task's handle, awaited after.
#[allow(clippy::async_yields_async)]
fn spawn_local_works_in_a_current_thread_runtimes_spawned_tasks() {
    watchdog(LIMIT, || {
        let rt = current_thread();
        let n = rt.block_on(async {
            runtime::spawn(async {
                // A Send task of the runtime, on the block_on thread.
                let rc = Rc::new(41);
                spawn_local(async move { *rc + 1 })
            })
            .await
            .unwrap()
            .await
            .unwrap()
        });
        assert_eq!(n, 42);
    });
}

#[test]
// The handle leaves block_on on purpose: its task is cancelled there.
#[allow(clippy::async_yields_async)]
fn local_tasks_pending_when_block_on_returns_are_dropped_on_that_thread() {
    watchdog(LIMIT, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let threads = Arc::new(Mutex::new(Vec::new()));
        let rt = current_thread();
        let handle = rt.block_on(async {
            let h = spawn_local(Pending {
                drops: drops.clone(),
                threads: threads.clone(),
                _not_send: Rc::new(()),
            });
            runtime::yield_now().await;
            h
        });
        assert_eq!(drops.load(SeqCst), 1);
        assert_eq!(threads.lock().unwrap()[..], [std::thread::current().id()]);
        assert!(rt.block_on(handle).unwrap_err().is_cancelled());
    });
}

#[test]
fn a_local_task_cancelled_from_another_thread_is_dropped_on_its_own() {
    watchdog(LIMIT, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let threads = Arc::new(Mutex::new(Vec::new()));
        let local = LocalSet::new();
        let rt = current_thread();
        let task = local.spawn_local(Pending {
            drops: drops.clone(),
            threads: threads.clone(),
            _not_send: Rc::new(()),
        });
        let abort = task.abort_handle();
        let err = rt.block_on(local.run_until(async move {
            runtime::yield_now().await;
            std::thread::spawn(move || assert!(abort.cancel()))
                .join()
                .unwrap();
            task.await.unwrap_err()
        }));
        assert!(err.is_cancelled());
        assert_eq!(drops.load(SeqCst), 1);
        assert_eq!(threads.lock().unwrap()[..], [std::thread::current().id()]);
    });
}

#[test]
fn a_join_set_collects_local_tasks_and_cancels_the_rest_on_drop() {
    watchdog(LIMIT, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let threads = Arc::new(Mutex::new(Vec::new()));
        let local = LocalSet::new();
        current_thread().block_on(local.run_until(async {
            let shared = Rc::new(RefCell::new(Vec::new()));
            let mut set = runtime::JoinSet::new();
            for i in 0..4u32 {
                let shared = shared.clone();
                set.spawn_local(async move {
                    runtime::yield_now().await;
                    shared.borrow_mut().push(i);
                    i
                });
            }
            let mut got = Vec::new();
            while let Some(result) = set.join_next().await {
                got.push(result.unwrap());
            }
            got.sort();
            assert_eq!(got, [0, 1, 2, 3]);
            assert_eq!(shared.borrow().len(), 4);
            // Members still pending when the set is dropped are cancelled,
            // their futures dropped on this thread.
            let mut pending = runtime::JoinSet::new();
            for _ in 0..3 {
                pending.spawn_local(Pending {
                    drops: drops.clone(),
                    threads: threads.clone(),
                    _not_send: Rc::new(()),
                });
            }
            // A member on another set (run when that set is polled).
            let other = LocalSet::new();
            let on_other = Rc::new(std::cell::Cell::new(false));
            let flag = on_other.clone();
            pending.spawn_local_on(async move { flag.set(true) }, &other);
            other.run_until(runtime::yield_now()).await;
            assert!(on_other.get());
            runtime::yield_now().await;
            drop(pending);
            runtime::yield_now().await;
        }));
        assert_eq!(drops.load(SeqCst), 3);
        let me = std::thread::current().id();
        assert!(threads.lock().unwrap().iter().all(|&t| t == me));
        // Outside any set, the JoinSet variant panics naming itself.
        let payload = catch_unwind(|| {
            let mut set = runtime::JoinSet::<()>::new();
            set.spawn_local(async {});
        })
        .unwrap_err();
        let text = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(
            text.starts_with("runtime::JoinSet::spawn_local called outside a LocalSet"),
            "{text}"
        );
    });
}

runtime::task_local! {
    static REQUEST: u32;
}

#[test]
fn local_tasks_do_not_inherit_task_locals_unless_scoped() {
    watchdog(LIMIT, || {
        current_thread().block_on(REQUEST.scope(7, async {
            assert_eq!(REQUEST.get(), 7);
            let plain = spawn_local(async { REQUEST.try_get().ok() });
            let scoped = spawn_local(REQUEST.scope(REQUEST.get(), async {
                runtime::yield_now().await;
                REQUEST.get()
            }));
            assert_eq!(plain.await.unwrap(), None);
            assert_eq!(scoped.await.unwrap(), 7);
        }));
    });
}

#[test]
fn local_tasks_do_not_see_a_scope_around_their_set() {
    watchdog(LIMIT, || {
        let rt = rt(1, "local-scope");
        let local = LocalSet::new();
        let (outer, plain, own) = rt.block_on(REQUEST.scope(
            1,
            local.run_until(async {
                let plain = spawn_local(async {
                    runtime::yield_now().await;
                    REQUEST.try_get().ok()
                });
                let own = spawn_local(REQUEST.scope(2, async {
                    runtime::yield_now().await;
                    // A nested scope inside the local task, and back.
                    let inner = REQUEST.scope(3, async { REQUEST.get() }).await;
                    (REQUEST.get(), inner)
                }));
                let outer = REQUEST.get();
                (outer, plain.await.unwrap(), own.await.unwrap())
            }),
        ));
        assert_eq!(outer, 1, "the future run by run_until is inside the scope");
        assert_eq!(
            plain, None,
            "a local task does not see the scope around its set"
        );
        assert_eq!(own, (2, 3));
        assert!(REQUEST.try_get().is_err());
    });
}

#[runtime::test(start_paused = true, timeout = "60s")]
async fn local_tasks_on_the_paused_clock_sleep_an_hour_at_once_and_in_order() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let start = runtime::time::now();
    let tasks: Vec<_> = [3600u64, 60, 1]
        .into_iter()
        .map(|secs| {
            let log = log.clone();
            spawn_local(async move {
                runtime::time::sleep(Duration::from_secs(secs)).await;
                log.borrow_mut().push(secs);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(log.borrow()[..], [1, 60, 3600]);
    assert!(runtime::time::now() - start >= Duration::from_secs(3600));
}
