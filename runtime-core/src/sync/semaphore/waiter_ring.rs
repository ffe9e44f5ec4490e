//! The semaphore's wait queue: records in ticket order in a ring buffer.
//!
//! Waiters are served strictly from the front and only the owner of a record
//! ever cancels it, so instead of a linked list (`waitlist.rs`) the queue is
//! a `VecDeque` sorted by ticket: `push_back` and `pop_front` touch one
//! record each, with no links to update in neighbouring nodes. A record
//! cancelled in the middle becomes a tombstone (`needed == 0`, which no live
//! record has: zero permits never wait) that `front` skips and pops; when
//! more than half of a long queue is tombstones, it is compacted. A record is
//! found by binary search on its ticket (only on a re-poll or cancellation).
//!
//! Everything here runs under the semaphore's mutex.

use std::collections::VecDeque;
use std::task::Waker;

pub(super) struct Record {
    pub(super) ticket: u64,
    /// 0 for a tombstone.
    pub(super) needed: usize,
    pub(super) assigned: usize,
    pub(super) waker: Option<Waker>,
}

#[derive(Default)]
pub(super) struct WaiterRing {
    records: VecDeque<Record>,
    /// Live records (not tombstones).
    live: usize,
}

/// Compaction only pays off beyond this many records.
const COMPACT_MIN: usize = 32;

impl WaiterRing {
    pub(super) const fn new() -> Self {
        Self {
            records: VecDeque::new(),
            live: 0,
        }
    }

    /// Number of queued waiters.
    pub(super) fn len(&self) -> usize {
        self.live
    }

    pub(super) fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Appends a waiter; `ticket` must be larger than every queued ticket.
    pub(super) fn push_back(&mut self, ticket: u64, needed: usize, assigned: usize, waker: Waker) {
        debug_assert!(needed > 0, "zero permits never wait");
        debug_assert!(self.records.back().is_none_or(|r| r.ticket < ticket));
        self.records.push_back(Record {
            ticket,
            needed,
            assigned,
            waker: Some(waker),
        });
        self.live += 1;
    }

    /// The longest-waiting live record (tombstones before it are dropped).
    pub(super) fn front(&mut self) -> Option<&mut Record> {
        while self.records.front()?.needed == 0 {
            self.records.pop_front();
        }
        self.records.front_mut()
    }

    /// Removes the front record (the caller just looked at it with
    /// [`front`](Self::front)).
    pub(super) fn pop_front(&mut self) -> Record {
        let record = self.records.pop_front().expect("pop_front after front");
        debug_assert!(record.needed > 0);
        self.live -= 1;
        if self.live == 0 {
            self.records.clear();
        }
        record
    }

    fn find(&mut self, ticket: u64) -> &mut Record {
        let i = self
            .records
            .binary_search_by_key(&ticket, |r| r.ticket)
            .expect("a queued ticket has a record");
        &mut self.records[i]
    }

    /// Replaces the waker of the record with `ticket` unless it already
    /// wakes the same task.
    pub(super) fn set_waker(&mut self, ticket: u64, waker: &Waker) {
        let slot = &mut self.find(ticket).waker;
        match slot {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Removes the live record with `ticket` (its owner is cancelled) and
    /// returns its assigned permits and its waker.
    pub(super) fn cancel(&mut self, ticket: u64) -> (usize, Option<Waker>) {
        let record = self.find(ticket);
        debug_assert!(record.needed > 0, "cancelled twice");
        record.needed = 0;
        let out = (std::mem::take(&mut record.assigned), record.waker.take());
        self.live -= 1;
        if self.live == 0 {
            self.records.clear();
        } else if self.records.len() > COMPACT_MIN && self.records.len() > 2 * self.live {
            self.records.retain(|r| r.needed > 0);
        }
        out
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    fn tickets(q: &WaiterRing) -> Vec<u64> {
        q.records
            .iter()
            .filter(|r| r.needed > 0)
            .map(|r| r.ticket)
            .collect()
    }

    #[test]
    fn fifo_with_cancellations_and_compaction() {
        let waker = Waker::noop().clone();
        let mut q = WaiterRing::new();
        for t in 0..100 {
            q.push_back(t, 1, 0, waker.clone());
        }
        // Cancel the front, one in the middle, and most of the rest.
        let (assigned, w) = q.cancel(0);
        assert!(assigned == 0 && w.is_some());
        q.cancel(50);
        for t in (2..100).filter(|t| t % 10 != 0) {
            q.cancel(t);
        }
        assert!(q.records.len() < 60, "compacted: {}", q.records.len());
        assert_eq!(tickets(&q), [1, 10, 20, 30, 40, 60, 70, 80, 90]);
        assert_eq!(q.len(), 9);
        q.set_waker(70, &waker);
        for expected in [1, 10, 20, 30, 40, 60, 70, 80, 90] {
            assert_eq!(q.front().unwrap().ticket, expected);
            assert_eq!(q.pop_front().ticket, expected);
        }
        assert!(q.is_empty() && q.front().is_none());
        assert!(q.records.is_empty());
    }
}
