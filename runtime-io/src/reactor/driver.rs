//! The reactor thread's loop.

use std::io;
use std::sync::atomic::Ordering::Acquire;
use std::task::Waker;

use super::registrations::WAKER_TOKEN;
use super::scheduled_io::Ready;
use super::{Inner, TimerHook};

const EVENTS_PER_POLL: usize = 1024;

/// Runs until asked to stop (or the poll fails), then shuts every source
/// down. The shutdown also runs if the timer hook or a waker panics.
pub(super) fn run(mut poll: mio::Poll, inner: &Inner, mut timer_hook: Option<TimerHook>) {
    struct FinishOnExit<'a>(&'a Inner);
    impl Drop for FinishOnExit<'_> {
        fn drop(&mut self) {
            self.0.finish_shutdown();
        }
    }
    let _finish = FinishOnExit(inner);

    let mut events = mio::Events::with_capacity(EVENTS_PER_POLL);
    let mut wakers: Vec<Waker> = Vec::new();
    loop {
        if inner.stop.load(Acquire) {
            break;
        }
        let timeout = timer_hook.as_mut().and_then(|hook| hook());
        if inner.stop.load(Acquire) {
            break;
        }
        match poll.poll(&mut events, timeout) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                eprintln!("runtime::net: the I/O reactor's poll failed, shutting it down: {err}");
                break;
            }
        }
        dispatch(inner, &events, &mut wakers);
        // Woken outside every lock: a woken task may run at once on another
        // thread and touch its registration.
        for waker in wakers.drain(..) {
            waker.wake();
        }
    }
}

/// Records the readiness of every event and collects the wakers to wake.
fn dispatch(inner: &Inner, events: &mio::Events, wakers: &mut Vec<Waker>) {
    let table = inner.registrations();
    for event in events {
        if event.token() == WAKER_TOKEN {
            // Only interrupts the poll: the loop re-checks `stop` and re-runs
            // the timer hook.
            continue;
        }
        // A stale token (its source deregistered, the slot reused) is ignored.
        let Some(io) = table.get(event.token()) else {
            continue;
        };
        let ready = Ready::from_event(event);
        if ready.is_empty() {
            continue;
        }
        io.set_readiness(ready);
        io.take_wakers(ready, wakers);
    }
}
