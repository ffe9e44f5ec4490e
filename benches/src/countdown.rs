//! A latch that a plain (non-runtime) thread waits on until `n` tasks have
//! ticked it. Runtime-agnostic, so all three runtimes signal completion the
//! same way.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// Counts down from `n`; the last [`tick`](Countdown::tick) releases
/// [`wait`](Countdown::wait).
#[derive(Debug)]
pub struct Countdown {
    remaining: AtomicUsize,
    done: Mutex<bool>,
    cvar: Condvar,
}

impl Countdown {
    /// A latch released after `n` ticks (`n` must be at least 1).
    pub fn new(n: usize) -> Arc<Countdown> {
        assert!(n > 0, "a countdown needs at least one tick");
        Arc::new(Countdown {
            remaining: AtomicUsize::new(n),
            done: Mutex::new(false),
            cvar: Condvar::new(),
        })
    }

    /// One task finished. The last one wakes the waiter.
    pub fn tick(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            *self.done.lock().expect("countdown lock poisoned") = true;
            self.cvar.notify_all();
        }
    }

    /// Blocks the calling thread until every tick has happened.
    pub fn wait(&self) {
        let mut done = self.done.lock().expect("countdown lock poisoned");
        while !*done {
            done = self.cvar.wait(done).expect("countdown lock poisoned");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Countdown;

    #[test]
    fn releases_after_the_last_tick() {
        let latch = Countdown::new(3);
        let ticker = latch.clone();
        let t = std::thread::spawn(move || (0..3).for_each(|_| ticker.tick()));
        latch.wait();
        t.join().unwrap();
    }
}
