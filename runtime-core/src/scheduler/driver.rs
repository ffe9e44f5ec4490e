//! Who drives time and I/O for a runtime.
//!
//! Every runtime has a [`TimeDriver`] (the timing wheel). Somebody must
//! advance it. With I/O, the I/O driver's timer hook does, called before
//! each poll by whichever thread drives the poll: a worker parked in it, a
//! busy worker polling between tasks, or the reactor thread, a backstop that
//! drives only when no worker does (the next timer deadline is the poll's
//! timeout). Without I/O, a plain [`TimerThread`] does. The I/O reactor
//! lives in `runtime-io`, which depends on this crate, so it plugs in
//! through [`IoDriver`] and a factory given to the builder.

use crate::loom::sync::Arc;
use crate::time::{TimeDriver, TimerThread};
use std::any::Any;
use std::io;

/// An I/O driver started with the runtime and stopped with it.
#[doc(hidden)]
pub trait IoDriver: Send + Sync + 'static {
    /// Makes this driver current on the calling thread until the returned
    /// guard is dropped (on that thread).
    fn enter(&self) -> Box<dyn Any>;
    /// Polls for I/O events without blocking, on the calling worker, waking
    /// the tasks whose sources became ready (into this worker's queue).
    /// Returns `false` if another thread is driving the poll.
    fn poll_now(&self) -> bool {
        false
    }
    /// Parks the calling worker in the I/O poll: fires due timers, then, if
    /// `may_block()` agrees, blocks until an event, a timer deadline or
    /// [`unpark`](Self::unpark). Returns `false` at once if another thread
    /// holds the poll (the caller then parks on its condvar). See
    /// `scheduler/park.rs` for the parker's side of the protocol.
    fn park(&self, may_block: &mut dyn FnMut() -> bool) -> bool {
        let _ = may_block;
        false
    }
    /// Interrupts the thread blocked in [`park`](Self::park), if any; with
    /// nobody blocked, the next `park` returns at once.
    fn unpark(&self) {}
    /// Stops the driver and joins its thread. Called once, at shutdown,
    /// after every task has been cancelled.
    fn shutdown(&self);
}

/// Starts an I/O driver that also drives the given time driver.
#[doc(hidden)]
pub type IoDriverFactory =
    std::sync::Arc<dyn Fn(Arc<TimeDriver>, &str) -> io::Result<Arc<dyn IoDriver>> + Send + Sync>;

/// The drivers of one runtime.
pub(crate) struct Drivers {
    pub(crate) time: Arc<TimeDriver>,
    pub(crate) io: Option<Arc<dyn IoDriver>>,
}

/// What must be stopped at shutdown (owned by the `Runtime`).
pub(crate) enum DriverThread {
    #[cfg_attr(runtime_loom, allow(dead_code))]
    Timer(TimerThread),
    Io,
    /// Under loom: nothing to stop.
    #[cfg(runtime_loom)]
    Manual,
}

impl Drivers {
    /// Starts the time driver, driven by the I/O driver from `factory` if
    /// given, else by a timer thread.
    pub(crate) fn start(
        factory: Option<&IoDriverFactory>,
        thread_name: &str,
    ) -> io::Result<(Drivers, DriverThread)> {
        let time = TimeDriver::new();
        match factory {
            Some(factory) => {
                let io = factory(time.clone(), thread_name)?;
                Ok((Drivers { time, io: Some(io) }, DriverThread::Io))
            }
            // Under loom no thread drives time: the models drive a
            // `TimeDriver` by hand (`__loom::time`), and an idle timer thread
            // would only multiply the interleavings of every scheduler model.
            #[cfg(runtime_loom)]
            None => Ok((Drivers { time, io: None }, DriverThread::Manual)),
            #[cfg(not(runtime_loom))]
            None => {
                let timer = TimerThread::start(time.clone(), format!("{thread_name}-timer"))?;
                Ok((Drivers { time, io: None }, DriverThread::Timer(timer)))
            }
        }
    }

    /// Stops the driving thread, then fires every remaining timer so that
    /// nothing waits on this runtime's clock forever.
    pub(crate) fn shutdown(&self, thread: DriverThread) {
        match thread {
            DriverThread::Timer(timer) => timer.shutdown(),
            DriverThread::Io => {
                if let Some(io) = &self.io {
                    io.shutdown();
                }
            }
            #[cfg(runtime_loom)]
            DriverThread::Manual => {}
        }
        self.time.shutdown();
    }
}
