//! The waiter queue every primitive in this module is built on.
//!
//! # Design
//!
//! A primitive keeps all of its state, including a [`WaitList`], behind one
//! `crate::loom::sync::Mutex`. A waiting future that cannot complete pushes a
//! *node* at the back of the list and remembers the node's key. The node holds
//! the future's latest `Waker` and a small per-primitive record `N` (how many
//! permits it wants and has been given, whether it was notified, ...).
//!
//! Choosing a waiter is *unlinking* its node: the node leaves the FIFO order
//! but stays in the slab, so its owner can still read what it was given. The
//! waker taken out of the node is woken after the primitive's mutex is
//! released (collected in a [`WakeList`]).
//!
//! Only the owning future ever removes its node (when it completes or is
//! dropped), so a key stays valid, and never names another waiter, for as
//! long as the future holds it. That is what makes cancellation simple: the
//! future's `Drop` takes the primitive's lock, removes its node and, if the
//! node had already been chosen, hands whatever it was given to the next
//! waiter. Everything happens under the one lock, so a wakeup can never fall
//! between "I looked and must wait" and "I am in the list".
//!
//! The list is a doubly linked list threaded through a `slab::Slab` by index:
//! push, unlink and remove are O(1) and there is no `unsafe`.

use slab::Slab;
use std::fmt;
use std::task::Waker;

#[derive(Debug)]
struct Node<N> {
    prev: Option<usize>,
    next: Option<usize>,
    linked: bool,
    waker: Option<Waker>,
    data: N,
}

/// A FIFO of waiters with O(1) removal from anywhere. See the module docs.
pub(crate) struct WaitList<N> {
    nodes: Slab<Node<N>>,
    head: Option<usize>,
    tail: Option<usize>,
    linked: usize,
}

impl<N> WaitList<N> {
    pub(crate) const fn new() -> Self {
        Self {
            nodes: Slab::new(),
            head: None,
            tail: None,
            linked: 0,
        }
    }

    /// Appends a waiter and returns its key. `waker` may be `None` when the
    /// owner registers before its first poll; it must then call
    /// [`set_waker`](Self::set_waker) before it returns `Pending`.
    pub(crate) fn push_back(&mut self, data: N, waker: Option<&Waker>) -> usize {
        let key = self.nodes.insert(Node {
            prev: self.tail,
            next: None,
            linked: true,
            waker: waker.cloned(),
            data,
        });
        match self.tail {
            Some(tail) => self.nodes[tail].next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        self.linked += 1;
        key
    }

    /// Number of queued (linked) waiters.
    pub(crate) fn len(&self) -> usize {
        self.linked
    }

    /// The key of the longest-waiting queued waiter.
    pub(crate) fn front(&self) -> Option<usize> {
        self.head
    }

    /// Whether `key` is still queued, i.e. has not been chosen yet.
    pub(crate) fn is_linked(&self, key: usize) -> bool {
        self.nodes[key].linked
    }

    pub(crate) fn get_mut(&mut self, key: usize) -> &mut N {
        &mut self.nodes[key].data
    }

    /// Stores the waker the owner wants to be woken with, unless the stored
    /// one already wakes the same task.
    pub(crate) fn set_waker(&mut self, key: usize, waker: &Waker) {
        let slot = &mut self.nodes[key].waker;
        match slot {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Chooses `key`: takes it out of the FIFO order (the node stays until
    /// its owner removes it) and returns its waker for the caller to wake
    /// once the primitive's lock is released. No-op if already unlinked.
    pub(crate) fn unlink(&mut self, key: usize) -> Option<Waker> {
        let node = &mut self.nodes[key];
        if !node.linked {
            return None;
        }
        node.linked = false;
        let (prev, next) = (node.prev.take(), node.next.take());
        let waker = node.waker.take();
        match prev {
            Some(p) => self.nodes[p].next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => self.nodes[n].prev = prev,
            None => self.tail = prev,
        }
        self.linked -= 1;
        waker
    }

    /// Frees `key` (unlinking it first if it is still queued) and returns its
    /// record. Only the owner of the key calls this.
    pub(crate) fn remove(&mut self, key: usize) -> N {
        self.unlink(key);
        self.nodes.remove(key).data
    }

    /// Unlinks every queued waiter, front to back, calling `f` on each record
    /// and collecting the wakers into `wakers`.
    pub(crate) fn unlink_all(&mut self, wakers: &mut WakeList, mut f: impl FnMut(&mut N)) {
        while let Some(key) = self.head {
            f(&mut self.nodes[key].data);
            wakers.push(self.unlink(key));
        }
    }
}

impl<N> fmt::Debug for WaitList<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitList")
            .field("queued", &self.linked)
            .field("chosen", &(self.nodes.len() - self.linked))
            .finish()
    }
}

/// Wakers collected under a primitive's lock, to be woken after it is
/// released (waking under the lock would let the woken task contend on it).
///
/// Dropping the list wakes whatever it still holds, so an early return or a
/// panic cannot lose a wakeup; declare it *before* the lock guard so that the
/// guard is dropped first.
#[derive(Default)]
pub(crate) struct WakeList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    pub(crate) const fn new() -> Self {
        Self {
            first: None,
            rest: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Wakes everything collected so far.
    #[inline]
    pub(crate) fn wake_all(&mut self) {
        if let Some(w) = self.first.take() {
            w.wake();
        }
        // Nearly always empty: skip the out-of-line `Drain` (it showed up as
        // a sixth of an uncontended acquire/release in profiles).
        if !self.rest.is_empty() {
            for w in self.rest.drain(..) {
                w.wake();
            }
        }
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        self.wake_all();
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    fn order(list: &WaitList<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = list.head;
        while let Some(k) = cur {
            out.push(list.nodes[k].data);
            cur = list.nodes[k].next;
        }
        out
    }

    #[test]
    fn fifo_unlink_and_remove_from_the_middle() {
        let mut l = WaitList::new();
        let keys: Vec<usize> = (0..5).map(|i| l.push_back(i, None)).collect();
        assert_eq!(order(&l), [0, 1, 2, 3, 4]);
        l.unlink(keys[2]);
        assert!(!l.is_linked(keys[2]));
        assert_eq!(*l.get_mut(keys[2]), 2, "an unlinked node keeps its record");
        assert_eq!(order(&l), [0, 1, 3, 4]);
        assert_eq!(l.remove(keys[0]), 0);
        assert_eq!(l.remove(keys[4]), 4);
        assert_eq!(order(&l), [1, 3]);
        assert_eq!(l.len(), 2);
        assert_eq!(l.remove(keys[2]), 2);
        let k = l.push_back(9, None);
        assert_eq!(order(&l), [1, 3, 9]);
        let mut wakers = WakeList::new();
        let mut seen = Vec::new();
        l.unlink_all(&mut wakers, |d| seen.push(*d));
        assert_eq!(seen, [1, 3, 9]);
        assert!(l.front().is_none());
        assert_eq!(l.len(), 0);
        for key in [keys[1], keys[3], k] {
            l.remove(key);
        }
        assert!(l.nodes.is_empty());
    }
}
