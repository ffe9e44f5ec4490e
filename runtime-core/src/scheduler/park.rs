//! Parking a thread until it is notified.
//!
//! # Protocol
//!
//! A [`Parker`] has a state word with four values:
//!
//! - `EMPTY`: nobody is parked and no notification is pending;
//! - `PARKED`: the owner thread is asleep (or about to sleep) on the condvar;
//! - `PARKED_DRIVER`: the owner is blocked (or about to block) in the I/O
//!   driver's poll (see below);
//! - `NOTIFIED`: a notification arrived and has not been consumed.
//!
//! `unpark` swaps the state to `NOTIFIED`. If it replaced `PARKED`, the owner
//! is (or will be) waiting on the condvar, so `unpark` takes the mutex (which
//! orders it after the owner's `EMPTY -> PARKED` transition made under that
//! mutex) and signals the condvar. If it replaced `PARKED_DRIVER`, it
//! interrupts the driver's poll ([`IoDriver::unpark`], a `mio::Waker` write;
//! a wake-up that lands before the owner blocks makes its poll return at
//! once). If it replaced `EMPTY` or `NOTIFIED`, no syscall is needed: the
//! owner will see `NOTIFIED` before it sleeps.
//!
//! `park` first tries `NOTIFIED -> EMPTY` without the lock (a pending
//! notification costs no syscall). Every consumption of `NOTIFIED` is a
//! read-modify-write, so it synchronises with the `unpark` that wrote it
//! (and with everything that unparker wrote before).
//!
//! A parker built with an I/O driver (the workers', when the runtime has the
//! I/O reactor) next tries to park *in the driver*: [`IoDriver::park`] takes
//! the poll if nobody holds it, fires due timers, and asks the parker, right
//! before blocking, whether it may: the parker moves `EMPTY ->
//! PARKED_DRIVER` (a CAS; if it fails the state is `NOTIFIED` and the poll
//! does not block). When the poll returns (an event, a timer, or the
//! unpark's wake-up), the owner swaps the state back to `EMPTY`, consuming a
//! notification if one came, and returns. Such a return may be spurious (an
//! I/O event woke tasks into the worker's queue instead); callers re-check
//! what they wait for, as the worker's park loop does. If another thread
//! holds the poll, the owner parks on the condvar as below.
//!
//! On the condvar path it takes the mutex and moves `EMPTY -> PARKED`; if
//! that fails the state is `NOTIFIED`, which it consumes and returns. While
//! `PARKED` it waits on the condvar and returns only after it has itself
//! moved `NOTIFIED -> EMPTY`, so spurious condvar wakeups are absorbed and a
//! notification is consumed exactly once.
//!
//! A notification is never lost: every `unpark` either lands before the
//! owner's `EMPTY -> PARKED` / `EMPTY -> PARKED_DRIVER` CAS (which then
//! fails) or after it, when the owner is waiting where that `unpark` reaches
//! it (the condvar under the protocol above, or the poll, which the driver
//! wake-up interrupts whether it is already blocked or about to block).
//! Notifications do not count: two `unpark`s before a `park` release exactly
//! one `park`. The loom models `park_driver_*`
//! (`loom-tests/tests/park_driver.rs`) check the driver path with a
//! stand-in driver; `unpark_publishes_prior_writes` and `park_unpark_race`
//! (`loom-tests/tests/scheduler.rs`) check the condvar path.

use super::driver::IoDriver;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Arc, Condvar, Mutex};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
const PARKED_DRIVER: usize = 3;

/// The parking side, owned by one thread. Cloning yields more handles to the
/// same parker; only one thread may call `park` at a time.
#[derive(Clone, Debug)]
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// The waking side: may be used from any thread, any number of times.
#[derive(Clone, Debug)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
    /// Where the owner may park instead of the condvar.
    driver: Option<Arc<dyn IoDriver>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("state", &self.state)
            .field("driver", &self.driver.is_some())
            .finish_non_exhaustive()
    }
}

impl Parker {
    pub(crate) fn new() -> Self {
        Self::with_driver(None)
    }

    /// A parker whose owner parks in `driver`'s poll when it is free.
    pub(crate) fn with_driver(driver: Option<Arc<dyn IoDriver>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                cvar: Condvar::new(),
                driver,
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until a notification is available, then consumes it; with a
    /// driver, may also return after an I/O event or a timer (see the
    /// protocol above).
    pub(crate) fn park(&self) {
        self.inner.park(None);
    }

    /// Like [`park`](Self::park) but returns after `timeout` at the latest.
    #[allow(dead_code)]
    pub(crate) fn park_timeout(&self, timeout: Duration) {
        self.inner.park(Some(timeout));
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        self.inner.unpark();
    }
}

impl Inner {
    fn park(&self, timeout: Option<Duration>) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        if timeout.is_none() && self.park_in_driver() {
            return;
        }
        let mut guard = self.lock.lock();
        match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Consume it with a read-modify-write, not a store: another
                // unpark may swap NOTIFIED in again right now, and only an RMW
                // is guaranteed to read (and so synchronise with) its write.
                // A plain store could overwrite it unseen, and whatever that
                // unparker published (a shutdown flag, a queued task) would
                // not be visible to us. The loom model
                // `unpark_publishes_prior_writes` (loom-tests/tests/scheduler.rs)
                // checks it.
                self.state.swap(EMPTY, SeqCst);
                return;
            }
            Err(state) => unreachable!("parker in state {state} while its owner parks"),
        }
        loop {
            let timed_out = match timeout {
                None => {
                    self.cvar.wait(&mut guard);
                    false
                }
                Some(t) => self.cvar.wait_timeout(&mut guard, t),
            };
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
            if timed_out {
                // PARKED -> EMPTY, unless a notification raced in just now,
                // in which case it is consumed here (by an RMW, for the same
                // reason as above).
                self.state.swap(EMPTY, SeqCst);
                return;
            }
        }
    }

    /// The driver path: `false` if there is no driver or another thread
    /// holds its poll.
    fn park_in_driver(&self) -> bool {
        let Some(driver) = &self.driver else {
            return false;
        };
        let drove = driver.park(&mut || match self.state.compare_exchange(
            EMPTY,
            PARKED_DRIVER,
            SeqCst,
            SeqCst,
        ) {
            Ok(_) => true,
            Err(NOTIFIED) => false,
            Err(state) => unreachable!("parker in state {state} while its owner parks"),
        });
        if drove {
            // PARKED_DRIVER, NOTIFIED (consumed here, by an RMW) or EMPTY (the
            // poll did not block) all become EMPTY.
            self.state.swap(EMPTY, SeqCst);
        }
        drove
    }

    fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_DRIVER => {
                if let Some(driver) = &self.driver {
                    driver.unpark();
                }
            }
            PARKED => {
                // Taking the lock orders this notify after the owner's
                // EMPTY -> PARKED (made under the lock) so it cannot slip in
                // before the owner starts waiting.
                drop(self.lock.lock());
                self.cvar.notify_one();
            }
            state => unreachable!("parker in impossible state {state}"),
        }
    }
}

impl Wake for Unparker {
    fn wake(self: std::sync::Arc<Self>) {
        self.unpark();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.unpark();
    }
}

impl Unparker {
    /// A `Waker` that unparks this parker.
    pub(crate) fn into_waker(self) -> Waker {
        Waker::from(std::sync::Arc::new(self))
    }
}

/// Runs `fut` to completion on the current thread, parking it while the
/// future is pending. This is not a scheduler: it polls one future.
///
/// Used by the multi-thread `block_on` and by the sync primitives' blocking
/// forms (`blocking_lock`, `blocking_recv`, ...).
pub(crate) fn block_on_thread<F: Future>(fut: F) -> F::Output {
    let parker = Parker::new();
    let waker = parker.unparker().into_waker();
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        parker.park();
    }
}

/// The blocking forms of the sync primitives (`blocking_lock`,
/// `blocking_recv`, ...): [`block_on_thread`], refused on a thread that
/// drives a runtime, where blocking would stall every task queued on it.
///
/// # Panics
/// On a worker thread or inside `block_on`, naming `what` and the way out.
#[track_caller]
pub(crate) fn blocking_wait<F: Future>(what: &str, fut: F) -> F::Output {
    if super::context::is_driving() {
        panic!(
            "runtime::sync::{what} called from a runtime thread: it would block the thread \
             that runs this runtime's tasks. Use the async form with .await, or call it from \
             spawn_blocking or a plain thread"
        );
    }
    block_on_thread(fut)
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn notification_before_park_is_kept() {
        let p = Parker::new();
        p.unparker().unpark();
        p.unparker().unpark();
        p.park(); // returns at once
        p.park_timeout(Duration::from_millis(1)); // the second unpark did not count
    }

    #[test]
    fn unpark_from_another_thread_wakes_the_parked_owner() {
        for _ in 0..200 {
            let p = Parker::new();
            let u = p.unparker();
            let t = std::thread::spawn(move || u.unpark());
            p.park();
            t.join().unwrap();
        }
    }

    #[test]
    fn block_on_thread_drives_a_future_woken_elsewhere() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let mut fired = false;
        let fut = std::future::poll_fn(|cx| {
            if fired {
                Poll::Ready(7)
            } else {
                fired = true;
                tx.send(cx.waker().clone()).unwrap();
                Poll::Pending
            }
        });
        let t = std::thread::spawn(move || rx.recv().unwrap().wake());
        assert_eq!(block_on_thread(fut), 7);
        t.join().unwrap();
    }
}
