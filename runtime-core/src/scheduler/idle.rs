//! Who is searching, who is parked, and whom to wake.
//!
//! See `README.md` ("Parking and waking") for the protocol in prose. In
//! short: one atomic word counts unparked workers (high bits) and searching
//! workers (low bits); the list of parked workers lives under a mutex. A
//! producer of work wakes a parked worker only when nobody is searching, and
//! the last searcher to stop searching re-checks the queues, so that work
//! pushed while everyone was going to sleep is always picked up.
//!
//! The same word carries one more bit, [`WATCHDOG_ASLEEP`]: the slow-poll
//! watchdog sleeps without a timeout while every worker is parked, and the
//! first worker counted unparked again wakes it ("The watchdog's sleep" in
//! `README.md`; [`Idle::watchdog_wait`] and [`Idle::ring_watchdog`]).

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Condvar, Mutex};
use std::time::Duration;

const UNPARKED_SHIFT: usize = 16;
const UNPARKED_ONE: usize = 1 << UNPARKED_SHIFT;
const SEARCHING_MASK: usize = UNPARKED_ONE - 1;
/// Set while the watchdog sleeps without a timeout (every worker parked).
/// Whoever counts a worker unparked again and sees it clears it and rings
/// the watchdog's condvar.
const WATCHDOG_ASLEEP: usize = 1 << (usize::BITS - 1);

/// Most workers a runtime may have: the searching count must fit its 16
/// bits, and the unparked count the bits between them and
/// [`WATCHDOG_ASLEEP`] (15 on a 32-bit target).
pub(crate) const MAX_WORKERS: usize = {
    let unparked_max = (1 << (usize::BITS as usize - UNPARKED_SHIFT - 1)) - 1;
    if unparked_max < SEARCHING_MASK {
        unparked_max
    } else {
        SEARCHING_MASK
    }
};

pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
    /// Where the watchdog waits: `true` once it is told to stop.
    watchdog: Mutex<bool>,
    watchdog_bell: Condvar,
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    (state & !WATCHDOG_ASLEEP) >> UNPARKED_SHIFT
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARKED_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
            watchdog: Mutex::new(false),
            watchdog_bell: Condvar::new(),
        }
    }

    /// The current-thread flavor's counts: its one core is counted
    /// unparked only while a `block_on` thread holds it and is not parked
    /// ([`core_running`], [`core_stopped`]), so the watchdog sleeps
    /// whenever no thread runs its tasks. Nothing else reads the counts in
    /// that flavor: wakes unpark the `block_on` thread directly, and the
    /// sleepers list stays empty.
    ///
    /// [`core_running`]: Idle::core_running
    /// [`core_stopped`]: Idle::core_stopped
    pub(crate) fn new_current_thread() -> Idle {
        let idle = Idle::new(1);
        idle.state.store(0, SeqCst);
        idle
    }

    /// Current-thread flavor: a thread took the core, or woke from parking
    /// with it; rings the watchdog if it sleeps (see [`watchdog_sleep`]).
    ///
    /// [`watchdog_sleep`]: Idle::watchdog_sleep
    pub(crate) fn core_running(&self) {
        let prev = self.state.fetch_add(UNPARKED_ONE, SeqCst);
        debug_assert_eq!(unparked(prev), 0, "one current-thread core");
        self.ring_watchdog(prev);
    }

    /// Current-thread flavor: the thread holding the core parks, or gives
    /// the core back.
    pub(crate) fn core_stopped(&self) {
        let prev = self.state.fetch_sub(UNPARKED_ONE, SeqCst);
        debug_assert_eq!(unparked(prev), 1, "one current-thread core");
    }

    /// Whether new work should wake a parked worker. The read is a
    /// read-modify-write so it observes the latest state and orders the
    /// caller's preceding queue push before it (see README).
    fn should_wake(&self) -> bool {
        let state = self.state.fetch_add(0, SeqCst);
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// Picks a parked worker to wake, counting it as unparked and searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_wake() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.should_wake() {
            return None;
        }
        let worker = sleepers.pop()?;
        let prev = self.state.fetch_add(UNPARKED_ONE | 1, SeqCst);
        drop(sleepers);
        self.ring_watchdog(prev);
        Some(worker)
    }

    /// Becomes a searcher unless half the workers already search.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// Stops searching (found work). Returns `true` if this was the last
    /// searcher, in which case the caller must wake another worker to take
    /// over the search.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// Records that `worker` is about to park. Returns `true` if it was the
    /// last searcher: the caller must then re-check every queue.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = UNPARKED_ONE + usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && searching(prev) == 1
    }

    /// After a wake-up: `true` if someone unparked `worker` (it is no longer
    /// in the sleepers list and now counts as searching), `false` if the
    /// wake-up was spurious and it must park again.
    pub(crate) fn transition_worker_from_parked(&self, worker: usize) -> bool {
        !self.sleepers.lock().contains(&worker)
    }

    /// A parked worker found work of its own (it woke tasks into its queue
    /// while parked in the I/O driver): takes it off the sleepers list and
    /// counts it as unparked, not searching. Returns `false` if a notifier
    /// had already taken it off (and counted it as unparked and searching).
    pub(crate) fn unpark_self(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        let Some(at) = sleepers.iter().position(|&w| w == worker) else {
            return false;
        };
        sleepers.swap_remove(at);
        let prev = self.state.fetch_add(UNPARKED_ONE, SeqCst);
        drop(sleepers);
        self.ring_watchdog(prev);
        true
    }

    /// The watchdog's wait between two passes: with `may_sleep` (its last
    /// pass saw no poll running), [`watchdog_sleep`]; if that declines
    /// (some worker is unparked) or `may_sleep` is false, a wait of `tick`
    /// (loom: until any notification). Returns whether the watchdog was
    /// told to stop. `before_sleep` runs right before an untimed sleep.
    ///
    /// [`watchdog_sleep`]: Idle::watchdog_sleep
    pub(crate) fn watchdog_wait(
        &self,
        tick: Duration,
        may_sleep: bool,
        before_sleep: impl FnOnce(),
    ) -> bool {
        if may_sleep {
            if let Some(stopped) = self.watchdog_sleep(before_sleep) {
                return stopped;
            }
        }
        let mut stopped = self.watchdog.lock();
        if !*stopped {
            self.watchdog_bell.wait_timeout(&mut stopped, tick);
        }
        *stopped
    }

    /// If every worker is parked, sleeps without a timeout until a worker
    /// is counted unparked again or [`stop_watchdog`] is called, and
    /// returns `Some(stopped)`; returns `None` at once if some worker is
    /// unparked. `before_sleep` runs right before the sleep.
    ///
    /// No lost wake-up: the `fetch_or` here and the `fetch_add` that counts
    /// a worker unparked are read-modify-writes of the same word, so one of
    /// them reads the other's result. If this one comes first, the
    /// unparker's `prev` has [`WATCHDOG_ASLEEP`] set and it rings
    /// ([`ring_watchdog`]); if the unparker's comes first, this one's
    /// `prev` counts the worker unparked and it does not sleep. The ringer
    /// clears the bit *before* taking the watchdog's mutex to notify, and
    /// this side re-reads the bit under that mutex before each wait, so
    /// the notification cannot fall between the check and the wait.
    ///
    /// [`stop_watchdog`]: Idle::stop_watchdog
    /// [`ring_watchdog`]: Idle::ring_watchdog
    pub(crate) fn watchdog_sleep(&self, before_sleep: impl FnOnce()) -> Option<bool> {
        let mut stopped = self.watchdog.lock();
        if *stopped {
            return Some(true);
        }
        let prev = self.state.fetch_or(WATCHDOG_ASLEEP, SeqCst);
        if unparked(prev) != 0 {
            self.state.fetch_and(!WATCHDOG_ASLEEP, SeqCst);
            return None;
        }
        before_sleep();
        while !*stopped && self.state.load(SeqCst) & WATCHDOG_ASLEEP != 0 {
            self.watchdog_bell.wait(&mut stopped);
        }
        // Stopped while asleep: nobody rang, clear the bit here.
        self.state.fetch_and(!WATCHDOG_ASLEEP, SeqCst);
        Some(*stopped)
    }

    /// Whether the watchdog is (announced) asleep without a timeout.
    #[allow(dead_code)] // the loom models and unit tests read it
    pub(crate) fn watchdog_asleep(&self) -> bool {
        self.state.load(SeqCst) & WATCHDOG_ASLEEP != 0
    }

    /// Wakes the watchdog if `prev` (the state word before a worker was
    /// counted unparked) says it sleeps without a timeout. Only the caller
    /// whose `fetch_and` clears the bit rings.
    fn ring_watchdog(&self, prev: usize) {
        if prev & WATCHDOG_ASLEEP != 0
            && self.state.fetch_and(!WATCHDOG_ASLEEP, SeqCst) & WATCHDOG_ASLEEP != 0
        {
            let _guard = self.watchdog.lock();
            self.watchdog_bell.notify_one();
        }
    }

    /// Tells the watchdog to stop, waking it from either wait.
    pub(crate) fn stop_watchdog(&self) {
        *self.watchdog.lock() = true;
        self.watchdog_bell.notify_all();
    }

    /// Number of workers currently searching for work.
    #[allow(dead_code)]
    pub(crate) fn num_searching(&self) -> usize {
        searching(self.state.load(SeqCst))
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
    }

    #[test]
    fn park_then_notify_wakes_one_as_searcher() {
        let idle = Idle::new(2);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_parked(0, true), "last searcher");
        assert!(!idle.transition_worker_to_parked(1, false));
        assert_eq!(idle.worker_to_notify(), Some(1));
        assert_eq!(idle.num_searching(), 1);
        assert_eq!(idle.worker_to_notify(), None, "someone is searching");
        assert!(idle.transition_worker_from_parked(1));
        assert!(!idle.transition_worker_from_parked(0));
    }

    #[test]
    fn a_worker_that_found_its_own_work_unparks_itself() {
        let idle = Idle::new(2);
        assert!(!idle.transition_worker_to_parked(0, false));
        assert!(!idle.transition_worker_to_parked(1, false));
        assert!(idle.unpark_self(0), "was on the sleepers list");
        assert!(!idle.unpark_self(0), "no longer on it");
        assert_eq!(idle.num_searching(), 0);
        // One worker is awake again, so new work wakes the other one.
        assert_eq!(idle.worker_to_notify(), Some(1));
        assert!(!idle.unpark_self(1), "a notifier took it off already");
    }

    #[test]
    fn the_watchdog_sleeps_only_while_every_worker_is_parked() {
        let idle = Idle::new(2);
        assert_eq!(idle.watchdog_sleep(|| panic!("not idle")), None);
        assert!(!idle.transition_worker_to_parked(0, false));
        assert_eq!(idle.watchdog_sleep(|| panic!("one is awake")), None);
        assert!(!idle.watchdog_asleep(), "the bit is cleared again");
        assert!(!idle.transition_worker_to_parked(1, false));
        assert_eq!(unparked(idle.state.load(SeqCst)), 0);
    }

    #[test]
    fn the_first_unparked_worker_wakes_the_sleeping_watchdog() {
        use std::sync::Arc;
        for wake_by_notify in [true, false] {
            let idle = Arc::new(Idle::new(2));
            assert!(!idle.transition_worker_to_parked(0, false));
            assert!(!idle.transition_worker_to_parked(1, false));
            let (slept_tx, slept_rx) = std::sync::mpsc::channel();
            let watchdog = {
                let idle = idle.clone();
                std::thread::spawn(move || {
                    idle.watchdog_sleep(|| slept_tx.send(()).expect("test waits"))
                })
            };
            slept_rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the watchdog went to sleep");
            assert!(idle.watchdog_asleep());
            if wake_by_notify {
                assert!(idle.worker_to_notify().is_some());
            } else {
                assert!(idle.unpark_self(1));
            }
            // A hang here is a lost wake-up; the test harness has no
            // timeout of its own, so join with one.
            let (done_tx, done_rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || done_tx.send(watchdog.join().expect("no panic")));
            let woke = done_rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the watchdog woke up");
            assert_eq!(woke, Some(false), "rung, not stopped");
            assert!(!idle.watchdog_asleep());
            assert_eq!(unparked(idle.state.load(SeqCst)), 1);
            idle.stop_watchdog();
            assert_eq!(idle.watchdog_sleep(|| ()), Some(true), "stopped");
        }
    }
}
