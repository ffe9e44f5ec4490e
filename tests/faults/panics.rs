//! Fault family "panics": in a task, in a future's `Drop` during
//! cancellation, during shutdown and during a TaskGroup's cancel, in a done
//! callback, in a waker's `wake`. The runtime must keep serving, lose
//! nothing, never abort and never hang. Every case runs in a child process
//! under a watchdog (`support::isolated`).
#[macro_use]
mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use support::{settle, threads_named, DropCounter};

const LIMIT: Duration = Duration::from_secs(30);

fn make_rt(flavor: &str, name: &str) -> runtime::Runtime {
    match flavor {
        "multi" => runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(name)
            .build(),
        _ => runtime::Builder::new_current_thread()
            .thread_name(name)
            .build(),
    }
    .expect("build runtime")
}

/// The runtime still runs tasks, timers and spawns from tasks.
fn still_serves(rt: &runtime::Runtime) {
    let sum = rt.block_on(async {
        let tasks: Vec<_> = (0..200u64)
            .map(|i| {
                runtime::spawn(async move {
                    runtime::time::sleep(Duration::from_millis(1)).await;
                    runtime::spawn(async move { i }).await.unwrap()
                })
            })
            .collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.expect("task completes");
        }
        sum
    });
    assert_eq!(sum, (0..200).sum::<u64>());
}

/// Panics when dropped (unless already unwinding), after counting the drop.
struct PanicOnDrop(#[allow(dead_code)] support::Counted);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("PanicOnDrop: boom in drop");
        }
    }
}

#[derive(Debug, PartialEq)]
struct Payload(u32);

// A task's panic: the payload comes back through `JoinError::into_panic`
// (a `String`, a `&str` and a custom type), the task's name is in the
// error's `Display`, and the runtime keeps serving.
case!(panic_in_task_payload_and_runtime_keeps_serving, LIMIT, {
    for flavor in ["multi", "current"] {
        let rt = make_rt(flavor, "pnc");
        for round in 0..50u32 {
            let a = rt.spawn(async move { panic!("formatted {round}") });
            let b = rt.spawn(async { std::panic::panic_any("static str") });
            let c = runtime::task::Builder::new().name("custom").spawn_on(
                async move { std::panic::panic_any(Payload(round)) },
                rt.handle(),
            );
            let a = rt.block_on(a).expect_err("a panicked");
            assert!(a.is_panic());
            assert_eq!(
                a.into_panic().downcast_ref::<String>().map(String::as_str),
                Some(format!("formatted {round}").as_str())
            );
            let b = rt.block_on(b).expect_err("b panicked");
            assert_eq!(b.into_panic().downcast_ref::<&str>(), Some(&"static str"));
            let c = rt.block_on(c).expect_err("c panicked");
            assert!(c.to_string().contains("custom"), "name in Display: {c}");
            assert_eq!(
                c.into_panic().downcast_ref::<Payload>(),
                Some(&Payload(round))
            );
        }
        still_serves(&rt);
    }
});

// A future whose `Drop` panics while it is cancelled (by `cancel()`, by a
// TaskGroup's cancel, and at shutdown): the panic is contained (the task
// resolves cancelled or panicked, never hangs), the rest of the future is
// still dropped, the worker survives, and shutdown completes.
case!(panic_in_drop_during_cancellation_and_shutdown, LIMIT, {
    for flavor in ["multi", "current"] {
        let rt = make_rt(flavor, "pdrop");
        let drops = DropCounter::default();
        // cancel()
        for _ in 0..50 {
            let bomb = PanicOnDrop(drops.guard());
            let other = drops.guard();
            let task = rt.spawn(async move {
                let _other = other;
                let _bomb = bomb;
                std::future::pending::<()>().await;
            });
            rt.block_on(runtime::yield_now());
            task.cancel();
            let err = rt.block_on(task).expect_err("cancelled");
            assert!(
                err.is_cancelled() || err.is_panic(),
                "{flavor}: a panic in Drop during cancel gives cancelled or panicked: {err}"
            );
        }
        assert_eq!(drops.dropped(), drops.created(), "{flavor}: after cancel()");
        still_serves(&rt);
        // A TaskGroup's cancel: one member fails, the others' futures panic
        // in Drop as the group cancels them.
        let result = rt.block_on(async {
            let group: runtime::TaskGroup<&'static str> = runtime::TaskGroup::new();
            for _ in 0..20 {
                let bomb = PanicOnDrop(drops.guard());
                group
                    .spawn(async move {
                        let _bomb = bomb;
                        std::future::pending::<Result<(), &'static str>>().await
                    })
                    .detach();
            }
            group
                .spawn(async {
                    runtime::yield_now().await;
                    Err::<(), _>("first failure")
                })
                .detach();
            group.join().await
        });
        assert!(result.is_err(), "{flavor}: the group reports its failure");
        assert_eq!(
            drops.dropped(),
            drops.created(),
            "{flavor}: after the group"
        );
        still_serves(&rt);
        // Shutdown with pending bombs (and detached tasks).
        for _ in 0..100 {
            let bomb = PanicOnDrop(drops.guard());
            let other = drops.guard();
            rt.spawn(async move {
                let _other = other;
                let _bomb = bomb;
                std::future::pending::<()>().await;
            })
            .detach();
        }
        rt.block_on(async {
            for _ in 0..10 {
                runtime::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(drops.dropped(), drops.created(), "{flavor}: after shutdown");
        let left = settle(LIMIT, 0, || threads_named("pdrop"));
        assert_eq!(left, 0, "{flavor}: runtime threads left after shutdown");
    }
});

// A done callback that panics: the task's result is still there, the
// other callbacks still run, and the runtime keeps serving.
case!(panic_in_done_callback, LIMIT, {
    for flavor in ["multi", "current"] {
        let rt = make_rt(flavor, "pcb");
        let ran = Arc::new(AtomicUsize::new(0));
        for i in 0..100u32 {
            let task = rt.spawn(async move {
                runtime::yield_now().await;
                i
            });
            let r = ran.clone();
            task.add_done_callback(move |_| {
                r.fetch_add(1, SeqCst);
                panic!("callback boom");
            });
            let r = ran.clone();
            task.add_done_callback(move |_| {
                r.fetch_add(1, SeqCst);
            });
            assert_eq!(rt.block_on(task).expect("the task's value survives"), i);
        }
        // Callbacks run as the task completes (before or as the handle
        // resolves): every one of the 200 ran.
        let ran_now = settle(LIMIT, 0, || 200 - ran.load(SeqCst).min(200));
        assert_eq!(
            ran_now,
            0,
            "{flavor}: callbacks that ran: {}",
            ran.load(SeqCst)
        );
        still_serves(&rt);
    }
});

/// A waker whose `wake` panics.
struct PanickyWaker(AtomicUsize);

impl Wake for PanickyWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
        panic!("PanickyWaker: boom in wake");
    }
}

/// Polls `fut` once with a panicking waker.
fn poll_once_with<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

// Wakers that panic when woken, registered with the runtime's timers, I/O
// and channels from a plain thread: whoever wakes them (the reactor, a
// worker driving the poll, a task sending) must contain the panic; the
// runtime's timers and I/O keep working for everyone else.
case!(panic_in_wakers_wake, LIMIT, {
    for flavor in ["multi", "current"] {
        let rt = make_rt(flavor, "pwk");
        let panicky = Arc::new(PanickyWaker(AtomicUsize::new(0)));
        let waker = Waker::from(panicky.clone());
        // Timers, fired by whoever drives time.
        let mut sleeps: Vec<_> = {
            let _enter = rt.enter();
            (0..20)
                .map(|i| Box::pin(runtime::time::sleep(Duration::from_millis(1 + i % 5))))
                .collect()
        };
        for s in &mut sleeps {
            assert!(poll_once_with(s, &waker).is_pending());
        }
        // A socket: the reactor (or a worker driving it) wakes the
        // panicking waker when the peer writes.
        let (mut client, mut server) = rt.block_on(async {
            let l = runtime::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = l.local_addr().unwrap();
            let accept = runtime::spawn(async move { l.accept().await.map(|(s, _)| s) });
            let client = runtime::net::TcpStream::connect(addr)
                .await
                .expect("connect");
            (client, accept.await.unwrap().expect("accept"))
        });
        let mut buf = [0u8; 8];
        {
            use runtime::io::AsyncRead;
            let poll = Pin::new(&mut server).poll_read(&mut Context::from_waker(&waker), &mut buf);
            assert!(poll.is_pending(), "{flavor}: nothing written yet");
        }
        rt.block_on(async {
            use runtime::io::AsyncWriteExt;
            client.write_all(b"ping").await.expect("write");
        });
        let read = rt.block_on(async {
            use runtime::io::AsyncReadExt;
            server
                .read(&mut buf)
                .await
                .expect("read after the panicking wake")
        });
        assert_eq!(&buf[..read], b"ping", "{flavor}");
        // A channel: a task's send wakes the panicking waker.
        let (tx, mut rx) = runtime::sync::mpsc::channel::<u32>(1);
        let mut recv = Box::pin(async move { rx.recv().await });
        assert!(poll_once_with(&mut recv, &waker).is_pending());
        let sender = rt.spawn(async move { tx.send(5).await });
        let send_result = rt.block_on(sender);
        // Either the send completed (the wake's panic was contained) or
        // the sending task panicked in `wake` (a JoinError); never an
        // abort or a dead worker.
        if let Err(err) = &send_result {
            assert!(err.is_panic(), "{flavor}: {err}");
        }
        // The timers fire: wait (on the runtime) until every one did.
        rt.block_on(async {
            runtime::time::sleep(Duration::from_millis(10)).await;
        });
        let deadline = std::time::Instant::now() + LIMIT;
        let plain = Waker::from(Arc::new(Nop));
        for s in &mut sleeps {
            while poll_once_with(s, &plain).is_pending() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{flavor}: a timer never fired"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        assert!(
            panicky.0.load(SeqCst) >= 1,
            "{flavor}: the panicking waker was woken"
        );
        // The runtime still serves timers and I/O for everyone else.
        still_serves(&rt);
        rt.block_on(async {
            let l = runtime::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = l.local_addr().unwrap();
            let accept = runtime::spawn(async move { l.accept().await.map(|_| ()) });
            runtime::net::TcpStream::connect(addr)
                .await
                .expect("connect");
            accept.await.unwrap().expect("accept");
        });
        drop(recv);
        drop(rt);
    }
});

struct Nop;
impl Wake for Nop {
    fn wake(self: Arc<Self>) {}
}
