//! A worker's LIFO slot: the one task woken by the task it is running,
//! which it runs next (README: "Where a task goes"). The slot is one atomic
//! word so that, while its worker is stuck in a long poll, the slow-poll
//! watchdog can take the task out and hand it to the other workers
//! (README: "Rescuing the LIFO slot").
//!
//! # Protocol
//!
//! The slot holds a null pointer or one [`Notified`], moved in with
//! [`Notified::into_ptr`]: the pointer owns that `Notified`'s reference.
//!
//! - **Who writes a task into it**: only the owner, the thread holding the
//!   worker's core ([`push`](LifoSlot::push)). Nobody else ever writes a
//!   non-null value.
//! - **Who takes a task out**: the owner, with a `swap(null)`
//!   ([`pop`](LifoSlot::pop)) or the `swap(new)` of a `push` into a full
//!   slot; anyone else ([`take`](LifoSlot::take): the watchdog's rescue,
//!   the shutdown drains) with a `compare_exchange(p, null)` of the
//!   pointer `p` it loaded. So a thread other than the owner writes only
//!   when it takes a task: it never writes over a value it did not read.
//!
//! **Exactly once.** Every removal of a task is a read-modify-write (a
//! swap, or a successful compare-exchange). The read-modify-writes of one
//! location are totally ordered, each reading the value the write before it
//! left, so the pointer one push wrote is read by exactly one of them:
//! whichever comes first gets that `Notified`; every later one reads null,
//! or the pointer of a later push (and a compare-exchange expecting the old
//! value fails, or, if the same task was pushed again, takes the *new*
//! push's `Notified`, which is what the slot held: the pointer value stands
//! for "the `Notified` in the slot now", so an A-B-A is harmless). A task
//! is therefore run (or dropped) exactly once, by one thread, whoever races.
//!
//! **The owner's fast paths** use a plain load instead, and stay correct
//! because only the owner writes a task, and others write only to take one:
//!
//! - `push` into an empty slot: the owner loads null, then stores the
//!   task. While the slot is null nobody else writes to it (there is
//!   nothing to take), so the store overwrites nothing.
//! - `pop` of an empty slot: the owner loads null and returns `None`. By
//!   coherence its load reads its own latest write or a later one; if that
//!   is null, its last task was taken by someone else, who owns it now.
//!
//! If the load sees a task, the owner goes through the swap. The hot path
//! of a ping-pong hand-off (push into an empty slot, pop the task) costs
//! one plain store and one swap on a cache line only this worker writes,
//! where a plain `Option` cost a write and a read.
//!
//! Why the others compare-exchange instead of swapping: with a blind
//! `swap(null)`, a taker could write null into an empty slot, and the
//! argument for the owner's plain store would have to order that write
//! against it. In the C++ memory model that still works (the swap reads
//! the last value before its own write, so a plain store after it is
//! later in the modification order), but loom models the modification
//! order as a partial order and lets a later load read the taker's stale
//! null over the owner's store: the model "lost" a task that cannot be lost
//! (docs/testing.md, `lifo_rescue`). With compare-exchange the case does not
//! arise, in loom or on hardware, and the takers are off the hot path.
//!
//! Ordering: the task goes in with `Release` (store or swap) and comes out
//! with `Acquire`, so whoever takes it sees everything the owner did before
//! pushing it, as with a queue.
//!
//! The loom models are `loom-tests/tests/lifo_rescue.rs`.

use super::Shared;
use crate::loom::sync::atomic::{AtomicPtr, Ordering::*};
use crate::task::raw::{Header, Notified};
use std::ptr;

pub(crate) struct LifoSlot {
    task: AtomicPtr<Header>,
}

impl LifoSlot {
    pub(crate) fn new() -> LifoSlot {
        LifoSlot {
            task: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Puts `task` in the slot and returns the task it displaces, if any.
    /// Only the owner (the thread holding the worker's core) may call it.
    #[inline]
    pub(crate) fn push(&self, task: Notified) -> Option<Notified> {
        let new = task.into_ptr();
        if self.task.load(Relaxed).is_null() {
            // Only the owner makes the slot non-null, and nobody else
            // writes to an empty slot: it stays null until this store (see
            // the module doc).
            self.task.store(new, Release);
            return None;
        }
        let prev = self.task.swap(new, AcqRel);
        // SAFETY: the slot only ever holds null or a pointer from
        // `into_ptr`, and this swap is the one read-modify-write that read
        // `prev` out of it, so it is taken back once.
        unsafe { Notified::from_ptr(prev) }
    }

    /// Takes the slot's task. Only the owner may call it (its fast path
    /// relies on being the only writer of tasks); others use
    /// [`take`](Self::take).
    #[inline]
    pub(crate) fn pop(&self) -> Option<Notified> {
        if self.task.load(Relaxed).is_null() {
            return None;
        }
        let prev = self.task.swap(ptr::null_mut(), Acquire);
        // SAFETY: as in `push`: this swap alone read `prev` out of the slot.
        unsafe { Notified::from_ptr(prev) }
    }

    /// Takes the slot's task, from any thread: a compare-exchange of the
    /// pointer it loaded, so it writes only when it takes a task.
    pub(crate) fn take(&self) -> Option<Notified> {
        let mut current = self.task.load(Acquire);
        while !current.is_null() {
            match self
                .task
                .compare_exchange(current, ptr::null_mut(), Acquire, Acquire)
            {
                // SAFETY: as in `push`: this compare-exchange alone read
                // `current` out of the slot and replaced it.
                Ok(taken) => return unsafe { Notified::from_ptr(taken) },
                Err(now) => current = now,
            }
        }
        None
    }

    /// Whether the slot holds a task. Exact for the owner; for anyone else
    /// a hint.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.task.load(Relaxed).is_null()
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        // Shutdown drains the slot; this only matters for a runtime that
        // never ran its workers.
        drop(self.take());
    }
}

/// The watchdog's rescue (README: "Rescuing the LIFO slot"): worker `index`
/// has been inside the same poll for at least one watchdog tick, so the
/// task in its LIFO slot, if any, would wait for that poll to end. Hands it
/// to the other workers through the injector, which wakes a parked worker
/// if nobody is searching. Returns whether it moved a task.
///
/// Racing the owner is harmless: if the poll ends meanwhile and the owner
/// pops the slot first, `take` reads null and nothing moves; if `take`
/// wins, the owner's `pop` reads null and it goes on to its local queue.
pub(crate) fn rescue(shared: &Shared, index: usize) -> bool {
    let remote = &shared.remotes[index];
    if remote.lifo.is_empty() {
        return false;
    }
    let Some(task) = remote.lifo.take() else {
        return false;
    };
    remote.stats.lifo_rescued();
    shared.schedule_remote(task);
    true
}
