//! [`TimerThread`]: drives a [`TimeDriver`] on a plain thread when no I/O
//! reactor runs.

use crate::loom::sync::{Arc, Condvar, Mutex};
use crate::loom::thread;
use crate::time::time_driver::unpark_fn;
use crate::time::TimeDriver;
use std::fmt;
use std::time::{Duration, Instant};

/// A thread that sleeps until the driver's next deadline (or until a new,
/// earlier timer unparks it), then fires the due timers.
#[doc(hidden)]
pub struct TimerThread {
    signal: Arc<Signal>,
    handle: Option<thread::JoinHandle<()>>,
}

/// The thread's wake-up flag: set by the driver's unpark callback and by
/// shutdown. Sticky, so an unpark that comes before the thread waits is kept.
struct Signal {
    state: Mutex<SignalState>,
    cvar: Condvar,
}

struct SignalState {
    notified: bool,
    stop: bool,
}

impl TimerThread {
    /// Starts a thread named `thread_name` driving `driver`, and makes the
    /// driver's unpark callback wake it.
    pub fn start(driver: Arc<TimeDriver>, thread_name: String) -> std::io::Result<TimerThread> {
        let signal = Arc::new(Signal {
            state: Mutex::new(SignalState {
                notified: false,
                stop: false,
            }),
            cvar: Condvar::new(),
        });
        let unpark_signal = signal.clone();
        driver.set_unpark(unpark_fn(move || unpark_signal.notify()));
        let thread_signal = signal.clone();
        let handle = thread::Builder::new()
            .name(thread_name)
            .spawn(move || run(&driver, &thread_signal))?;
        Ok(TimerThread {
            signal,
            handle: Some(handle),
        })
    }

    /// Stops the thread and joins it.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(handle) = self.handle.take() else {
            return;
        };
        {
            let mut state = self.signal.state.lock();
            state.stop = true;
        }
        self.signal.cvar.notify_one();
        // The thread does not panic: the driver contains a panic in a
        // timer's waker (`task::wake_contained`). Were it to, the panic hook
        // has reported it, and there is nothing left to clean up.
        let _ = handle.join();
    }
}

impl Drop for TimerThread {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for TimerThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerThread")
            .field("running", &self.handle.is_some())
            .finish_non_exhaustive()
    }
}

fn run(driver: &TimeDriver, signal: &Signal) {
    loop {
        let timeout = driver.next_timeout();
        if !signal.wait(timeout) {
            return;
        }
        driver.process();
    }
}

impl Signal {
    fn notify(&self) {
        {
            let mut state = self.state.lock();
            if state.notified {
                return;
            }
            state.notified = true;
        }
        self.cvar.notify_one();
    }

    /// Waits until notified or `timeout` has passed (forever when `None`).
    /// Returns `false` when the thread must stop.
    fn wait(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut state = self.state.lock();
        loop {
            if state.stop {
                return false;
            }
            if state.notified {
                state.notified = false;
                return true;
            }
            match (timeout, deadline) {
                (Some(_), Some(deadline)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return true;
                    }
                    self.cvar.wait_timeout(&mut state, deadline - now);
                }
                // No timer, or one too far away to express as an Instant.
                _ => self.cvar.wait(&mut state),
            }
        }
    }
}

#[cfg(all(test, not(runtime_loom)))]
#[path = "thread_tests.rs"]
mod tests;
