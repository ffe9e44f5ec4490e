//! Seed 004's `asyncio.Future` examples on `runtime::sync::Promise`: a
//! result set once (a second `set_result` is refused), any number of
//! awaiters, cancellation, `set_exception` as a `Promise<Result<T, E>>`, and
//! done callbacks. `oneshot` is the one-value, one-receiver form.
mod common;
use common::{rt, watchdog, LIMIT};
use runtime::spawn;
use runtime::sync::{oneshot, Promise, PromiseCancelled, PromiseOutcome, Semaphore};
use runtime::time::{sleep, timeout, Duration};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

/// Seed 004 `explore_futures`: pending, then done with a result.
#[test]
fn explore_futures() {
    watchdog(LIMIT, || {
        rt(2, "p-explore").block_on(async {
            let future = Promise::new();
            assert!(!future.is_done(), "Is it done? False");
            assert!(!future.is_cancelled(), "Is it cancelled? False");
            assert_eq!(future.result(), None, "no result while pending");
            future.set_result("Hello from the future!").unwrap();
            assert!(future.is_done());
            assert_eq!(future.result(), Some(Ok("Hello from the future!")));
            assert_eq!(future.wait().await, Ok("Hello from the future!"));
            assert!(format!("{future:?}").contains("Hello from the future!"));
        });
    });
}

/// "Once done or cancelled, they cannot change state": a second
/// `set_result` hands its value back, `cancel` returns false, and the first
/// result stays.
#[test]
fn a_second_set_result_is_refused() {
    watchdog(LIMIT, || {
        rt(2, "p-twice").block_on(async {
            let future = Promise::new();
            future.set_result(1).unwrap();
            assert_eq!(future.set_result(2), Err(2));
            assert!(!future.cancel());
            assert!(!future.is_cancelled());
            assert_eq!(future.wait().await, Ok(1));

            // Racing setters on the runtime: exactly one wins.
            let future = Promise::new();
            let setters: Vec<_> = (0..8)
                .map(|i| {
                    let f = future.clone();
                    spawn(async move { f.set_result(i).is_ok() })
                })
                .collect();
            let mut winners = 0;
            for s in setters {
                winners += usize::from(s.await.unwrap());
            }
            assert_eq!(winners, 1);
            assert!(future.result().unwrap().is_ok());
        });
    });
}

/// Several tasks await the same future; all get (a clone of) the value.
#[test]
fn several_awaiters_all_get_the_value() {
    watchdog(LIMIT, || {
        rt(2, "p-many").block_on(async {
            let future = Promise::<String>::new();
            let waiting = Arc::new(Semaphore::new(0));
            let waiters: Vec<_> = (0..6)
                .map(|_| {
                    let (f, waiting) = (future.clone(), waiting.clone());
                    spawn(async move {
                        waiting.add_permits(1);
                        f.wait().await
                    })
                })
                .collect();
            waiting.acquire_many(6).await.unwrap().forget();
            sleep(Duration::from_millis(1)).await;
            future.set_result("ready".to_string()).unwrap();
            for w in waiters {
                assert_eq!(w.await.unwrap().as_deref(), Ok("ready"));
            }
        });
    });
}

/// `future.cancel()`: every awaiter gets `PromiseCancelled`, and the
/// promise can no longer be set.
#[test]
fn cancelling_a_promise_wakes_its_awaiters() {
    watchdog(LIMIT, || {
        rt(2, "p-cancel").block_on(async {
            let future = Promise::<u32>::new();
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let f = future.clone();
                    spawn(async move { f.wait().await })
                })
                .collect();
            assert!(future.cancel());
            assert!(future.is_done() && future.is_cancelled());
            for w in waiters {
                let err: PromiseCancelled = w.await.unwrap().unwrap_err();
                assert!(!err.to_string().is_empty());
            }
            assert_eq!(future.set_result(5), Err(5));
            assert!(matches!(future.result(), Some(Err(_))));
            assert!(!future.cancel(), "already done");
        });
    });
}

#[derive(Debug, Clone, PartialEq)]
struct ValueError(String);

/// Seed 004 `future_with_exception`: `set_exception` is a
/// `Promise<Result<T, E>>` set to `Err`.
#[test]
fn future_with_exception() {
    watchdog(LIMIT, || {
        rt(2, "p-exc").block_on(async {
            let future = Promise::<Result<String, ValueError>>::new();
            future
                .set_result(Err(ValueError("Something went wrong!".into())))
                .unwrap();
            match future.wait().await.unwrap() {
                Ok(v) => panic!("unexpected {v}"),
                Err(e) => assert_eq!(e.0, "Something went wrong!"),
            }
        });
    });
}

/// Done callbacks on a promise run exactly once, with the outcome: those
/// registered before completion on the completing thread, those registered
/// after at once.
#[test]
fn promise_done_callbacks_run_once_with_the_outcome() {
    watchdog(LIMIT, || {
        rt(2, "p-cb").block_on(async {
            let calls = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = std::sync::mpsc::channel();
            let future = Promise::<u32>::new();
            for _ in 0..3 {
                let (calls, tx) = (calls.clone(), tx.clone());
                future.add_done_callback(move |outcome| {
                    calls.fetch_add(1, SeqCst);
                    tx.send(outcome.clone()).unwrap();
                });
            }
            let setter = spawn({
                let f = future.clone();
                async move { f.set_result(9).unwrap() }
            });
            setter.await.unwrap();
            assert_eq!(calls.load(SeqCst), 3);
            let tx2 = tx.clone();
            future.add_done_callback(move |o| tx2.send(o.clone()).unwrap());
            drop(tx);
            let got: Vec<_> = rx.iter().collect();
            assert_eq!(got, vec![PromiseOutcome::Value(9); 4]);
            let _ = future.set_result(10);
            assert_eq!(calls.load(SeqCst), 3, "never twice");

            let cancelled = Promise::<u32>::new();
            let (tx, rx) = std::sync::mpsc::channel();
            cancelled.add_done_callback(move |o| tx.send(o.is_cancelled()).unwrap());
            cancelled.cancel();
            assert!(rx.recv().unwrap());
        });
    });
}

/// Giving up on waiting (a timeout) is cancel safe: the other awaiters and
/// later waits still get the value.
#[test]
fn a_dropped_awaiter_loses_nothing() {
    watchdog(LIMIT, || {
        rt(2, "p-drop").block_on(async {
            let future = Promise::<u32>::new();
            assert!(timeout(Duration::from_millis(2), future.wait())
                .await
                .is_err());
            let other = spawn({
                let f = future.clone();
                async move { f.wait().await }
            });
            future.set_result(3).unwrap();
            assert_eq!(other.await.unwrap(), Ok(3));
            assert_eq!(future.wait().await, Ok(3));
        });
    });
}

/// The result can come from a plain thread (asyncio's
/// `loop.call_soon_threadsafe(fut.set_result, ...)`).
#[test]
fn set_from_a_plain_thread() {
    watchdog(LIMIT, || {
        rt(2, "p-thread").block_on(async {
            let future = Promise::<&'static str>::new();
            let f = future.clone();
            let thread = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(2));
                f.set_result("from a thread").unwrap();
            });
            assert_eq!(future.wait().await, Ok("from a thread"));
            thread.join().unwrap();
        });
    });
}

/// `oneshot`: one value to one receiver; a dropped sender is an error the
/// receiver sees (asyncio: a future that is never set would hang).
#[test]
fn oneshot_for_one_value_to_one_receiver() {
    watchdog(LIMIT, || {
        rt(2, "p-oneshot").block_on(async {
            let (tx, rx) = oneshot::channel();
            spawn(async move {
                sleep(Duration::from_millis(1)).await;
                tx.send("reply").unwrap();
            });
            assert_eq!(rx.await.unwrap(), "reply");

            let (tx, rx) = oneshot::channel::<u32>();
            drop(tx);
            assert!(rx.await.is_err());

            let (tx, rx) = oneshot::channel::<u32>();
            drop(rx);
            assert_eq!(
                tx.send(1),
                Err(1),
                "nobody to receive: the value comes back"
            );
        });
    });
}
