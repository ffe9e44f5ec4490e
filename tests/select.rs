//! `runtime::select!`: branch order (random and `biased;`), `else`,
//! patterns that disable a branch, `if` preconditions, `&mut` futures,
//! loops and control flow in handlers, and what gets dropped when.
mod common;
use common::{rt, watchdog, DropFlag, LIMIT};
use runtime::select;
use runtime::sync::{mpsc, oneshot};
use runtime::time::{sleep, Duration};
use std::future::{pending, ready};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

fn current_thread() -> runtime::Runtime {
    runtime::Builder::new_current_thread()
        .build()
        .expect("build runtime")
}

#[test]
fn first_ready_wins_and_the_others_are_dropped_before_the_handler() {
    watchdog(LIMIT, || {
        rt(2, "sel-first").block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let guard = DropFlag(dropped.clone());
            let loser = async move {
                let _guard = guard;
                pending::<u32>().await
            };
            let seen = dropped.clone();
            let out = select! {
                v = loser => v,
                v = async { 7 } => {
                    assert_eq!(seen.load(SeqCst), 1, "the loser is dropped before the handler runs");
                    v + 1
                }
            };
            assert_eq!(out, 8);
        });
    });
}

#[test]
fn biased_polls_in_order_and_random_order_lets_every_branch_win() {
    watchdog(LIMIT, || {
        current_thread().block_on(async {
            for _ in 0..100 {
                let winner = select! {
                    biased;
                    _ = ready(()) => 0,
                    _ = ready(()) => 1,
                    _ = ready(()) => 2,
                };
                assert_eq!(winner, 0, "biased: the first ready branch wins");
            }
            let mut wins = [0u32; 3];
            for _ in 0..600 {
                let winner: usize = select! {
                    _ = ready(()) => 0,
                    _ = ready(()) => 1,
                    _ = ready(()) => 2,
                };
                wins[winner] += 1;
            }
            // Each wins about 200 times; never winning has probability ~(2/3)^600.
            assert!(
                wins.iter().all(|&w| w > 0),
                "every branch wins sometimes: {wins:?}"
            );
        });
    });
}

#[test]
fn a_mismatched_pattern_disables_its_branch_and_else_runs_when_none_is_left() {
    watchdog(LIMIT, || {
        rt(2, "sel-else").block_on(async {
            // `None` does not match `Some(v)`: the other branch goes on.
            let (tx, mut rx) = mpsc::channel::<u32>(1);
            drop(tx);
            let out = select! {
                Some(v) = rx.recv() => format!("value {v}"),
                _ = sleep(Duration::from_millis(5)) => "timer".to_string(),
            };
            assert_eq!(out, "timer");

            // Every branch mismatches: `else`.
            let out = select! {
                Some(v) = ready(None::<u32>) => v,
                Ok(v) = ready(Err::<u32, ()>(())) => v,
                else => 99,
            };
            assert_eq!(out, 99);

            // Every precondition false: `else`, and the futures never run.
            let polled = Arc::new(AtomicUsize::new(0));
            let p = polled.clone();
            let probe = async move {
                p.fetch_add(1, SeqCst);
            };
            let out = select! {
                _ = probe, if false => "probe",
                _ = pending::<()>(), if 1 + 1 == 3 => "pending",
                else => "else",
            };
            assert_eq!(out, "else");
            assert_eq!(polled.load(SeqCst), 0, "a disabled branch is never polled");

            // Only `else`.
            let out = select! { else => 5 };
            assert_eq!(out, 5);
        });
    });
}

#[test]
fn no_branch_left_and_no_else_panics_with_a_message() {
    watchdog(LIMIT, || {
        rt(1, "sel-panic").block_on(async {
            let task = runtime::spawn(async {
                select! {
                    Some(v) = ready(None::<u32>) => v,
                }
            });
            let err = task.await.unwrap_err();
            assert!(err.is_panic());
            let msg = err.panic_message().unwrap_or_default();
            assert!(msg.contains("every branch is disabled"), "{msg}");
            assert!(msg.contains("else"), "{msg}");
        });
    });
}

#[test]
fn preconditions_then_futures_are_evaluated_in_branch_order() {
    watchdog(LIMIT, || {
        current_thread().block_on(async {
            let log = Mutex::new(Vec::new());
            let note = |what: &'static str| {
                log.lock().unwrap().push(what);
                true
            };
            let make = |what: &'static str| {
                log.lock().unwrap().push(what);
                ready(what)
            };
            let out = select! {
                biased;
                v = make("future 0"), if note("condition 0") => v,
                v = make("future 1"), if note("condition 1") => v,
            };
            assert_eq!(out, "future 0");
            assert_eq!(
                *log.lock().unwrap(),
                ["condition 0", "condition 1", "future 0", "future 1"]
            );
        });
    });
}

#[test]
fn mut_future_survives_loop_iterations_and_handlers_steer_the_loop() {
    watchdog(LIMIT, || {
        rt(2, "sel-loop").block_on(async {
            let (tx, mut rx) = mpsc::channel::<u32>(4);
            let (done_tx, mut done_rx) = oneshot::channel::<&'static str>();
            runtime::spawn(async move {
                for i in 0..10 {
                    tx.send(i).await.unwrap();
                }
                sleep(Duration::from_millis(5)).await;
                let _ = done_tx.send("done");
            });
            let mut sum = 0;
            let mut skipped = 0;
            let finished = loop {
                select! {
                    // The oneshot receiver is polled by `&mut` each time
                    // round and keeps its state between iterations.
                    r = &mut done_rx => break r.unwrap(),
                    Some(v) = rx.recv() => {
                        if v % 2 == 1 {
                            skipped += 1;
                            continue;
                        }
                        sum += v;
                    }
                }
            };
            assert_eq!(finished, "done");
            assert_eq!((sum, skipped), (20, 5), "no value lost across iterations");
        });
    });
}

#[test]
fn mut_and_ref_bindings_question_mark_and_return_in_handlers() {
    async fn first_even(values: Vec<u32>) -> Result<u32, String> {
        let out = select! {
            Some(mut v) = ready(values.into_iter().find(|v| v % 2 == 0)) => {
                v += 100;
                if v > 1000 {
                    return Err("too big".into());
                }
                v
            }
            Ok::<(), String>(()) = ready(Err::<(), String>("failed".into())) => 0,
            else => Err::<u32, String>("no even value".into())?,
        };
        Ok(out)
    }
    watchdog(LIMIT, || {
        current_thread().block_on(async {
            assert_eq!(first_even(vec![1, 4]).await, Ok(104));
            assert_eq!(first_even(vec![2000]).await, Err("too big".into()));
            assert_eq!(first_even(vec![1, 3]).await, Err("no even value".into()));
            let pair = (String::from("a"), 2);
            let out = select! {
                (ref name, mut n) = ready(pair) => {
                    n += 1;
                    format!("{name}{n}")
                }
            };
            assert_eq!(out, "a3");
        });
    });
}

#[test]
fn a_handler_may_use_what_a_branch_future_borrowed() {
    watchdog(LIMIT, || {
        current_thread().block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            let out = select! {
                Some(v) = rx.recv() => v + rx.try_recv().unwrap(), // rx is free again
                _ = pending::<()>() => 0,
            };
            assert_eq!(out, 3);
        });
    });
}

#[test]
fn nested_select_and_many_branches() {
    macro_rules! sixty_four {
        ($($i:literal)*) => {
            select! {
                biased;
                $( v = ready($i), if $i == 63 => v, )*
            }
        };
    }
    watchdog(LIMIT, || {
        current_thread().block_on(async {
            let out = select! {
                v = ready(1) => select! {
                    w = ready(v + 1) => w * 10,
                },
            };
            assert_eq!(out, 20);
            let last: u32 = sixty_four!(
                0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
                32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59
                60 61 62 63
            );
            assert_eq!(last, 63);
        });
    });
}

#[test]
fn cancel_safe_recv_loses_nothing_when_a_timer_branch_wins() {
    watchdog(LIMIT, || {
        rt(2, "sel-cancel").block_on(async {
            const N: u32 = 2_000;
            let (tx, mut rx) = mpsc::channel::<u32>(8);
            runtime::spawn(async move {
                for i in 0..N {
                    tx.send(i).await.unwrap();
                    if i % 97 == 0 {
                        sleep(Duration::from_millis(1)).await;
                    }
                }
            });
            let mut next = 0;
            let mut yields = 0u32;
            loop {
                select! {
                    v = rx.recv() => match v {
                        Some(v) => {
                            assert_eq!(v, next, "values arrive once and in order");
                            next += 1;
                        }
                        None => break,
                    },
                    _ = runtime::yield_now() => yields += 1,
                }
            }
            assert_eq!(next, N);
            assert!(
                yields > 0,
                "the other branch won sometimes (it is always ready)"
            );
        });
    });
}
