//! The reactor in shared mode (`Reactor::start_shared`, what the runtime
//! uses): threads drive the poll through `ReactorHandle::{park, poll_now,
//! unpark_driver}`, and the reactor thread steps in when nobody does.
//! Real Unix socket pairs; every test under the watchdog.

mod common;

use std::future::Future;
use std::io::Write;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};

use common::{watchdog, WATCHDOG};
use runtime_io::net::UnixStream;
use runtime_io::reactor::{self, EnterGuard, Reactor, ReactorHandle};

/// A waker that records how often, and on which thread, it was woken.
#[derive(Default)]
struct Recorder {
    wakes: AtomicUsize,
    thread: Mutex<Option<ThreadId>>,
}

impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        *self.thread.lock().unwrap() = Some(thread::current().id());
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// A registered stream and its peer, a plain blocking std socket (so that
/// the peer's writes do not depend on the reactor).
fn std_pair() -> (UnixStream, std::os::unix::net::UnixStream) {
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    (UnixStream::from_std(a).unwrap(), b)
}

/// A shared-mode reactor named `name`, entered on this thread.
fn entered(name: &str) -> (Reactor, ReactorHandle, EnterGuard) {
    let reactor = Reactor::start_shared(name.into(), None).unwrap();
    let handle = reactor.handle();
    let enter = reactor::enter(handle.clone());
    (reactor, handle, enter)
}

/// Writes `msg` into `peer` from a thread of its own, which returns the
/// peer (kept open until the test has read).
fn write_from_thread(
    peer: std::os::unix::net::UnixStream,
    msg: &'static [u8],
) -> thread::JoinHandle<std::os::unix::net::UnixStream> {
    thread::spawn(move || {
        assert_eq!((&peer).write(msg).unwrap(), msg.len());
        peer
    })
}

/// Polls `fut` once with `waker`.
fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// A thread parked in the poll receives the readiness event itself: the
/// waiting task's waker runs on that thread, and `park` reports that it
/// drove the poll.
#[test]
fn a_thread_parked_in_the_poll_wakes_the_task_itself() {
    watchdog("parked_thread_wakes_task", WATCHDOG, || {
        let (reactor, handle, _enter) = entered("reactor-shared-park");
        let (a, b) = std_pair();
        let recorder = Arc::new(Recorder::default());
        let waker = Waker::from(recorder.clone());
        let mut readable = pin!(a.readable());
        assert!(poll_once(readable.as_mut(), &waker).is_pending());

        // The peer writes only once this thread has the poll and is about
        // to block in it, so the event is this thread's to collect.
        let in_poll = Arc::new(AtomicBool::new(false));
        let writer = {
            let in_poll = in_poll.clone();
            thread::spawn(move || {
                while !in_poll.load(SeqCst) {
                    thread::yield_now();
                }
                assert_eq!((&b).write(b"x").unwrap(), 1);
                b
            })
        };
        let mut drove = 0;
        while recorder.wakes.load(SeqCst) == 0 {
            // `false`: the reactor thread holds the poll right now (it
            // drives while nobody else does); try again.
            if handle.park(&mut || {
                in_poll.store(true, SeqCst);
                true
            }) {
                drove += 1;
            } else {
                thread::yield_now();
            }
        }
        let _b = writer.join().unwrap();
        assert!(drove > 0, "this thread never got the poll");
        assert_eq!(
            *recorder.thread.lock().unwrap(),
            Some(thread::current().id()),
            "the event was collected by another thread"
        );
        assert!(poll_once(readable.as_mut(), &waker).is_ready());
        assert!(handle.turns() > 0);
        reactor.shutdown();
    });
}

/// With nobody driving, the reactor thread (the backstop) delivers the
/// event: a plain executor thread that never parks in the poll still sees
/// its socket become readable.
#[test]
fn the_reactor_thread_drives_when_nobody_else_does() {
    watchdog("backstop_drives", WATCHDOG, || {
        let (reactor, _handle, _enter) = entered("reactor-shared-backstop");
        let (a, b) = std_pair();
        let writer = write_from_thread(b, b"hello");
        futures_executor::block_on(async {
            a.readable().await.unwrap();
        });
        let mut buf = [0u8; 8];
        assert_eq!(a.try_read(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"hello");
        let _b = writer.join().unwrap();
        drop(a);
        reactor.shutdown();
    });
}

/// The same after a busy spell: while this thread keeps taking
/// non-blocking turns, the reactor thread backs its tick off (up to
/// `BACKSTOP_MAX`); once the turns stop, it must still step in and deliver
/// the event. (How soon is documented, not asserted: tests do not time.)
#[test]
fn the_reactor_thread_drives_after_a_busy_spell() {
    watchdog("backstop_after_busy", WATCHDOG, || {
        let (reactor, handle, _enter) = entered("reactor-shared-busy");
        let (a, b) = std_pair();
        // About 100 turns a ms apart, enough for the tick to reach its cap.
        // When the reactor thread holds the poll (it drives while no turn
        // is taken, blocking until an event), get it out and try again.
        let mut turns = 0;
        while turns < 100 {
            if handle.poll_now() {
                turns += 1;
            } else {
                handle.unpark_driver();
            }
            thread::sleep(std::time::Duration::from_millis(1));
        }
        let writer = write_from_thread(b, b"later");
        let recorder = Arc::new(Recorder::default());
        let waker = Waker::from(recorder.clone());
        {
            let mut ready = pin!(a.readable());
            while poll_once(ready.as_mut(), &waker).is_pending() {
                while recorder.wakes.load(SeqCst) == 0 {
                    thread::park_timeout(std::time::Duration::from_millis(1));
                }
                recorder.wakes.store(0, SeqCst);
            }
        }
        let woken_on = *recorder.thread.lock().unwrap();
        assert_ne!(
            woken_on,
            Some(thread::current().id()),
            "this thread took no turn after the busy spell: the reactor thread woke it"
        );
        let _b = writer.join().unwrap();
        drop(a);
        reactor.shutdown();
    });
}

/// `unpark_driver` interrupts a thread blocked in the poll with no event
/// and no timer; while it is blocked, nobody else can take the poll.
#[test]
fn unpark_driver_interrupts_a_parked_thread() {
    watchdog("unpark_driver", WATCHDOG, || {
        let reactor = Reactor::start_shared("reactor-shared-unpark".into(), None).unwrap();
        let handle = reactor.handle();
        let blocked = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicBool::new(false));
        let parked = {
            let handle = handle.clone();
            let blocked = blocked.clone();
            let lost = lost.clone();
            thread::spawn(move || {
                // Retry until this thread (not the reactor thread) got the
                // poll and blocked in it.
                loop {
                    let mut asked = false;
                    let drove = handle.park(&mut || {
                        asked = true;
                        blocked.store(true, SeqCst);
                        true
                    });
                    if drove && asked {
                        return;
                    }
                    if !drove {
                        lost.store(true, SeqCst);
                    }
                    thread::yield_now();
                }
            })
        };
        // The reactor thread drives while nobody else does: if it took the
        // poll first (1 ms after the start, on a loaded machine), it blocks
        // in it until an event, and the thread above would retry forever.
        // Only then (the thread above found the poll taken) wake it out.
        while !blocked.load(SeqCst) {
            if lost.swap(false, SeqCst) {
                handle.unpark_driver();
            }
            thread::yield_now();
        }
        // Once it announced that it blocks, `poll_now` finds the poll taken
        // until the wake-up below gets it out.
        while !parked.is_finished() {
            handle.unpark_driver();
            thread::yield_now();
        }
        parked.join().unwrap();
        // The poll can be taken again. (With nobody else driving, the reactor
        // thread may be blocked in it: the wake-up gets it out too.)
        while !handle.poll_now() {
            handle.unpark_driver();
            thread::yield_now();
        }
        reactor.shutdown();
    });
}

/// `may_block` refusing (a notification already came) makes the turn
/// non-blocking: `park` returns at once even with nothing to report.
#[test]
fn a_refused_block_is_a_non_blocking_turn() {
    watchdog("refused_block", WATCHDOG, || {
        let reactor = Reactor::start_shared("reactor-shared-refuse".into(), None).unwrap();
        let handle = reactor.handle();
        let mut parks = 0;
        while parks < 100 {
            if handle.park(&mut || false) {
                parks += 1;
            }
        }
        reactor.shutdown();
    });
}
