//! Who is searching, who is parked, and whom to wake.
//!
//! See `README.md` ("Parking and waking") for the protocol in prose. In
//! short: one atomic word counts unparked workers (high bits) and searching
//! workers (low bits); the list of parked workers lives under a mutex. A
//! producer of work wakes a parked worker only when nobody is searching, and
//! the last searcher to stop searching re-checks the queues, so that work
//! pushed while everyone was going to sleep is always picked up.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Mutex;

const UNPARKED_SHIFT: usize = 16;
const UNPARKED_ONE: usize = 1 << UNPARKED_SHIFT;
const SEARCHING_MASK: usize = UNPARKED_ONE - 1;

/// Most workers a runtime may have (the searching count must fit its bits).
pub(crate) const MAX_WORKERS: usize = SEARCHING_MASK;

pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state >> UNPARKED_SHIFT
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARKED_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
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
        self.state.fetch_add(UNPARKED_ONE | 1, SeqCst);
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
        self.state.fetch_add(UNPARKED_ONE, SeqCst);
        true
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
}
