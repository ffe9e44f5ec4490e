//! Tests of the sync primitives: behaviour, FIFO fairness, cancellation
//! (including cancellation after a waiter was chosen), and stress under
//! real threads. Every test that could hang runs under [`util::watchdog`].

mod util;

mod barrier;
mod cancel;
mod channels;
mod condition;
mod locks;
mod notify_event;
mod promise;
mod queue;
mod semaphore;
mod stress;
