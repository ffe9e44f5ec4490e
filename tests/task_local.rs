//! `runtime::task_local!`: scopes nest, survive awaits and worker moves,
//! are restored after a panic, and are not inherited by spawned tasks.
mod common;
use common::{rt, watchdog, LIMIT};
use futures_util::FutureExt;
use runtime::task::AccessError;
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

runtime::task_local! {
    static ID: u32;
    pub static NAME: String;
}

fn current_thread() -> runtime::Runtime {
    runtime::Builder::new_current_thread()
        .build()
        .expect("build runtime")
}

#[test]
fn nested_scopes_hide_and_restore_the_outer_value() {
    watchdog(LIMIT, || {
        current_thread().block_on(async {
            assert!(ID.try_get().is_err());
            ID.scope(1, async {
                assert_eq!(ID.get(), 1);
                ID.scope(2, async {
                    assert_eq!(ID.get(), 2);
                    runtime::yield_now().await;
                    ID.scope(3, async { assert_eq!(ID.get(), 3) }).await;
                    assert_eq!(ID.get(), 2);
                })
                .await;
                assert_eq!(ID.get(), 1);
                // Two keys are independent.
                NAME.scope("n".into(), async {
                    assert_eq!(ID.get(), 1);
                    assert_eq!(NAME.with(|n| n.clone()), "n");
                })
                .await;
                assert!(NAME.try_get().is_err());
            })
            .await;
            assert!(
                ID.try_get().is_err(),
                "nothing is left behind after the scope"
            );
        });
    });
}

#[test]
fn outside_a_scope_with_panics_and_try_with_errors_naming_the_key() {
    let err: AccessError = ID.try_with(|v| *v).unwrap_err();
    assert_eq!(err.key_name(), "ID");
    assert!(err.to_string().contains("ID.scope(value, future)"), "{err}");
    let panic = std::panic::catch_unwind(|| ID.get()).unwrap_err();
    let msg = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(
        msg.contains("task-local `ID` read outside of a scope"),
        "{msg}"
    );
    assert!(msg.contains("does not inherit"), "{msg}");
}

#[test]
fn entering_a_scope_inside_with_of_the_same_key_panics_clearly() {
    let panic =
        std::panic::catch_unwind(|| ID.sync_scope(1, || ID.with(|_| ID.sync_scope(2, || ()))))
            .unwrap_err();
    let msg = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(msg.contains("from inside its own `with` closure"), "{msg}");
    assert!(
        ID.try_get().is_err(),
        "the outer scope was unwound and restored"
    );
}

/// A task whose scope outlives several awaits keeps its value on whichever
/// worker polls it. The task forces a move: before yielding it wakes a hog
/// task into its own worker's LIFO slot that holds that worker until the
/// task has been polled elsewhere (or a short while passes, then it retries).
#[test]
fn scope_follows_the_task_across_workers() {
    watchdog(LIMIT, || {
        rt(2, "tl-move").block_on(async {
            let threads = runtime::spawn(ID.scope(42, async {
                let mut seen = HashSet::new();
                while seen.len() < 2 {
                    let here = std::thread::current().id();
                    seen.insert(here);
                    let moved = Arc::new(AtomicBool::new(false));
                    let flag = moved.clone();
                    let hog = runtime::spawn(async move {
                        let start = Instant::now();
                        while !flag.load(SeqCst) && start.elapsed() < Duration::from_millis(200) {
                            std::thread::yield_now();
                        }
                    });
                    runtime::yield_now().await;
                    assert_eq!(ID.get(), 42, "the value is there after the await");
                    if std::thread::current().id() != here {
                        moved.store(true, SeqCst);
                    }
                    seen.insert(std::thread::current().id());
                    hog.await.unwrap();
                    assert_eq!(ID.get(), 42);
                }
                seen.len()
            }));
            assert_eq!(threads.await.unwrap(), 2);
            // Other tasks on those workers never saw it.
            let others: Vec<_> = (0..8)
                .map(|_| runtime::spawn(async { ID.try_get().is_err() }))
                .collect();
            for t in others {
                assert!(t.await.unwrap());
            }
        });
    });
}

#[test]
fn a_panic_inside_a_scope_restores_the_outer_value() {
    watchdog(LIMIT, || {
        current_thread().block_on(async {
            ID.scope(1, async {
                let caught = AssertUnwindSafe(ID.scope(2, async {
                    assert_eq!(ID.get(), 2);
                    runtime::yield_now().await;
                    panic!("inside the inner scope");
                }))
                .catch_unwind()
                .await;
                assert!(caught.is_err());
                assert_eq!(ID.get(), 1, "the outer value is back after the unwind");
            })
            .await;
            // A spawned task that panics inside its scope leaves nothing on
            // the thread (on a current-thread runtime the same thread polls
            // this future next).
            let err = runtime::spawn(ID.scope(5, async { panic!("task panics in scope") }))
                .await
                .unwrap_err();
            assert!(err.is_panic());
            assert!(ID.try_get().is_err());
        });
    });
}

#[test]
fn spawned_tasks_do_not_inherit_until_re_scoped() {
    watchdog(LIMIT, || {
        for flavour in [current_thread(), rt(2, "tl-spawn")] {
            flavour.block_on(ID.scope(7, async {
                let child = runtime::spawn(async { ID.try_get() }).await.unwrap();
                assert_eq!(child.unwrap_err().key_name(), "ID");
                let blocking = runtime::spawn_blocking(|| ID.try_get()).await.unwrap();
                assert!(blocking.is_err());
                // The explicit pattern: capture and scope the child again.
                let id = ID.get();
                let child = runtime::spawn(ID.scope(id, async { ID.get() + 1 }));
                assert_eq!(child.await.unwrap(), 8);
                // Changing the value in the child does not affect the parent.
                let child = runtime::spawn(
                    ID.scope(ID.get(), async { ID.scope(100, async { ID.get() }).await }),
                );
                assert_eq!(child.await.unwrap(), 100);
                assert_eq!(ID.get(), 7);
            }));
        }
    });
}

#[test]
fn a_cancelled_scoped_task_drops_its_future_inside_the_scope() {
    struct ReadOnDrop(Arc<Mutex<Option<Result<u32, AccessError>>>>);
    impl Drop for ReadOnDrop {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = Some(ID.try_get());
        }
    }
    watchdog(LIMIT, || {
        rt(2, "tl-drop").block_on(async {
            let seen = Arc::new(Mutex::new(None));
            let guard = ReadOnDrop(seen.clone());
            let (started_tx, started_rx) = runtime::sync::oneshot::channel();
            let task = runtime::spawn(ID.scope(9, async move {
                let _guard = guard;
                started_tx.send(()).unwrap();
                std::future::pending::<()>().await;
            }));
            started_rx.await.unwrap();
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
            assert_eq!(*seen.lock().unwrap(), Some(Ok(9)));
        });
    });
}

#[test]
fn sync_scope_restores_after_a_panic() {
    let r = std::panic::catch_unwind(|| {
        ID.sync_scope(1, || {
            let inner = std::panic::catch_unwind(|| ID.sync_scope(2, || panic!("inner")));
            assert!(inner.is_err());
            ID.get()
        })
    });
    assert_eq!(r.unwrap(), 1);
    assert!(ID.try_get().is_err());
}
