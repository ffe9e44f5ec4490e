//! The reactor as the runtime's I/O driver: started by the runtime builder
//! in shared mode, entered on every runtime thread, parked in by idle
//! workers and polled by busy ones, driving the runtime's timers through its
//! poll timeout, and stopped at shutdown.

use super::{enter, Reactor, ReactorHandle, TimerHook};
use runtime_core::scheduler::{IoDriver, IoDriverFactory};
use runtime_core::time::TimeDriver;
use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};

struct RuntimeIoDriver {
    reactor: Mutex<Option<Reactor>>,
    handle: ReactorHandle,
}

impl IoDriver for RuntimeIoDriver {
    fn enter(&self) -> Box<dyn Any> {
        Box::new(enter(self.handle.clone()))
    }

    fn poll_now(&self) -> bool {
        self.handle.poll_now()
    }

    fn park(&self, may_block: &mut dyn FnMut() -> bool) -> bool {
        self.handle.park(may_block)
    }

    fn unpark(&self) {
        self.handle.unpark_driver();
    }

    fn shutdown(&self) {
        let reactor = self
            .reactor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(reactor) = reactor {
            reactor.shutdown();
        }
    }
}

/// What the runtime builder calls to start the reactor, in shared mode
/// ([`Reactor::start_shared`]): idle workers park in the poll, busy workers
/// poll it between tasks, and the reactor thread (`<name>-io`) drives it when
/// nobody else does. Whoever drives fires the runtime's due timers before
/// each poll and uses the next deadline as the poll timeout; a timer earlier
/// than the one it waits for interrupts the poll through the reactor's
/// `mio::Waker`.
pub fn io_driver_factory() -> IoDriverFactory {
    Arc::new(|time: Arc<TimeDriver>, thread_name: &str| {
        let timers = time.clone();
        // Fires the due timers (zero timeout if it fired any: their tasks
        // run before anyone blocks) and returns the time until the next
        // deadline; without a lock while nothing can be due, since busy
        // workers run it on every non-blocking turn.
        let hook: TimerHook = Box::new(move || timers.turn());
        let reactor = Reactor::start_shared(format!("{thread_name}-io"), Some(hook))?;
        let handle = reactor.handle();
        // The unpark holds the reactor weakly. The reactor owns the hook,
        // the hook owns the time driver, and the time driver owns this
        // closure: a strong `ReactorHandle` here would close a reference
        // cycle, and no runtime with I/O would ever free its reactor (the
        // epoll fd, the registry's cloned fd and the waker's eventfd leaked
        // per runtime). Once the reactor is gone there is no poll to
        // interrupt, so a failed upgrade has nothing to do.
        let unpark = handle.downgrade();
        time.set_unpark(Arc::new(move || unpark.unpark()));
        let driver: Arc<dyn IoDriver> = Arc::new(RuntimeIoDriver {
            reactor: Mutex::new(Some(reactor)),
            handle,
        });
        Ok(driver)
    })
}
