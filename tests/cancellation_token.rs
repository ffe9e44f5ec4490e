//! `runtime::CancellationToken`: cancel, wait, child tokens, drop guards,
//! and the link to `TaskGroup`.
mod common;
use common::{rt, watchdog, DropFlag, LIMIT};
use runtime::time::{sleep, Duration};
use runtime::{CancellationToken, TaskGroup};
use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn cancel_wakes_every_waiter_of_the_token_its_clones_and_its_descendants() {
    watchdog(LIMIT, || {
        rt(2, "ct-wake").block_on(async {
            let root = CancellationToken::new();
            let child = root.child_token();
            let grandchild = child.child_token();
            let mut waiters = Vec::new();
            for token in [root.clone(), child.clone(), grandchild.clone()] {
                for _ in 0..20 {
                    let token = token.clone();
                    waiters.push(runtime::spawn(async move { token.cancelled().await }));
                }
            }
            assert!(!grandchild.is_cancelled());
            root.cancel();
            assert!(
                child.is_cancelled() && grandchild.is_cancelled(),
                "cancel returns after the whole subtree is cancelled"
            );
            for w in waiters {
                w.await.unwrap();
            }
            root.cancelled().await; // already cancelled: at once
            root.cancel(); // idempotent
        });
    });
}

#[test]
fn a_child_cancels_only_itself_and_its_own_children() {
    let root = CancellationToken::new();
    let a = root.child_token();
    let b = root.child_token();
    let a1 = a.child_token();
    a.cancel();
    assert!(a.is_cancelled() && a1.is_cancelled());
    assert!(
        !root.is_cancelled(),
        "cancelling a child does not reach its parent"
    );
    assert!(!b.is_cancelled(), "nor its siblings");
    let late = a.child_token();
    assert!(
        late.is_cancelled(),
        "a child of a cancelled token is born cancelled"
    );
    root.cancel();
    assert!(b.is_cancelled());
}

#[test]
fn dropping_an_intermediate_token_keeps_the_grandchild_linked() {
    let root = CancellationToken::new();
    let grandchild = {
        let child = root.child_token();
        child.child_token()
        // `child` is dropped here; its node stays while `grandchild` lives
    };
    assert!(!grandchild.is_cancelled());
    root.cancel();
    assert!(
        grandchild.is_cancelled(),
        "the cancel still reaches the grandchild"
    );
}

#[test]
fn owned_wait_drop_guard_and_run_until_cancelled() {
    watchdog(LIMIT, || {
        rt(2, "ct-owned").block_on(async {
            let token = CancellationToken::new();
            let waiting = runtime::spawn(token.clone().cancelled_owned());
            {
                let _guard = token.clone().drop_guard();
                // leaving the scope cancels
            }
            waiting.await.unwrap();
            assert!(token.is_cancelled());

            let token = CancellationToken::new();
            let kept = token.clone().drop_guard().disarm();
            assert!(!token.is_cancelled(), "a disarmed guard cancels nothing");
            drop(kept);

            assert_eq!(token.run_until_cancelled(async { 5 }).await, Some(5));
            let dropped = Arc::new(AtomicUsize::new(0));
            let guard = DropFlag(dropped.clone());
            let canceller = {
                let token = token.clone();
                runtime::spawn(async move {
                    sleep(Duration::from_millis(2)).await;
                    token.cancel();
                })
            };
            let out = token
                .run_until_cancelled(async move {
                    let _guard = guard;
                    pending::<u32>().await
                })
                .await;
            assert_eq!(out, None);
            assert_eq!(dropped.load(SeqCst), 1, "the future was dropped");
            canceller.await.unwrap();
            // Already cancelled: the token wins over a ready future.
            assert_eq!(token.run_until_cancelled(async { 1 }).await, None);
        });
    });
}

#[test]
fn cancelled_in_select_and_a_dropped_waiter() {
    watchdog(LIMIT, || {
        rt(2, "ct-select").block_on(async {
            let token = CancellationToken::new();
            for _ in 0..100 {
                // A waiter polled once and dropped gives back its slot.
                runtime::select! {
                    _ = token.cancelled() => unreachable!("not cancelled"),
                    _ = runtime::yield_now() => {}
                }
            }
            let worker = runtime::spawn({
                let token = token.clone();
                async move {
                    let mut rounds = 0u32;
                    loop {
                        runtime::select! {
                            biased;
                            _ = token.cancelled() => return rounds,
                            _ = sleep(Duration::from_millis(1)) => rounds += 1,
                        }
                    }
                }
            });
            sleep(Duration::from_millis(3)).await;
            token.cancel();
            worker.await.unwrap();
        });
    });
}

#[test]
fn cancelling_the_token_cancels_the_group_and_join_is_ok() {
    watchdog(LIMIT, || {
        rt(2, "ct-group").block_on(async {
            let shutdown = CancellationToken::new();
            let dropped = Arc::new(AtomicUsize::new(0));
            let group = TaskGroup::<String>::new().with_token(shutdown.child_token());
            let mut members = Vec::new();
            for i in 0..5 {
                let guard = DropFlag(dropped.clone());
                members.push(group.spawn_named(format!("server-{i}"), async move {
                    let _guard = guard;
                    pending::<()>().await;
                    Ok(())
                }));
            }
            let canceller = {
                let shutdown = shutdown.clone();
                runtime::spawn(async move { shutdown.cancel() })
            };
            canceller.await.unwrap();
            assert!(group.is_closed(), "the token's cancel closed the group");
            let late = group.spawn(async { Ok::<_, String>(1) });
            assert!(
                late.await.unwrap_err().is_cancelled(),
                "spawns after it are refused"
            );
            assert!(
                group.join().await.is_ok(),
                "a cancelled member is not a failure"
            );
            assert_eq!(
                dropped.load(SeqCst),
                5,
                "join returned after every member was gone"
            );
            for m in members {
                assert!(m.await.unwrap_err().is_cancelled());
            }
        });
    });
}

#[test]
fn group_with_a_cancelled_token_failures_before_it_and_no_reverse_link() {
    watchdog(LIMIT, || {
        rt(2, "ct-group2").block_on(async {
            // A token already cancelled closes the group at once.
            let done = CancellationToken::new();
            done.cancel();
            let group = TaskGroup::<String>::new().with_token(done);
            assert!(group.is_closed());
            let refused = group.spawn(async { Ok::<_, String>(()) });
            assert!(group.join().await.is_ok());
            assert!(refused.await.unwrap_err().is_cancelled());

            // A failure before the cancellation is reported by join.
            let token = CancellationToken::new();
            let group = TaskGroup::<String>::new().with_token(token.clone());
            let failed = group.spawn_named("bad", async { Err::<(), _>("boom".to_string()) });
            let _ = failed.await;
            token.cancel();
            let err = group.join().await.unwrap_err();
            assert_eq!(err.errors().collect::<Vec<_>>(), ["boom"]);

            // The group's failure does not cancel its token.
            let token = CancellationToken::new();
            let group = TaskGroup::<String>::new().with_token(token.clone());
            group.spawn(async { Err::<(), _>("x".to_string()) });
            assert!(group.join().await.is_err());
            assert!(!token.is_cancelled());
            token.cancel(); // the link ended with the group: nothing to do
        });
    });
}

#[test]
fn many_short_lived_children_of_a_long_lived_token() {
    watchdog(LIMIT, || {
        rt(2, "ct-many").block_on(async {
            let root = CancellationToken::new();
            for _ in 0..10_000 {
                let child = root.child_token();
                let group = TaskGroup::<()>::new().with_token(child.clone());
                group.spawn(async { Ok(()) });
                group.join().await.unwrap();
                if child.is_cancelled() {
                    unreachable!();
                }
            }
            let last = root.child_token();
            root.cancel();
            assert!(last.is_cancelled());
        });
    });
}
