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
//! - **Who takes a task out**: the owner ([`pop`](LifoSlot::pop), and the
//!   swap in `push` when the slot is full), and any other thread
//!   ([`take`](LifoSlot::take): the watchdog's rescue, the shutdown
//!   drains).
//!
//! Every removal of a task is one `swap(null)` (or `swap(new)` in `push`),
//! a read-modify-write. The read-modify-writes of one location form a
//! total order in which each reads the value the previous one wrote, so a
//! pointer written into the slot is read by exactly one of them: whichever
//! comes first gets the `Notified`, every later one reads null (or the
//! pointer of a later push). A task is therefore run (or dropped) exactly
//! once, by exactly one thread, whoever races.
//!
//! The owner's two fast paths use a plain load instead, and stay correct
//! because only the owner writes non-null values:
//!
//! - `push` into an empty slot: the owner loads null, then stores the
//!   task. Between the two nobody else can make the slot non-null, so the
//!   store overwrites nothing; a concurrent `take` that read null wrote
//!   null and is ordered before the store.
//! - `pop` of an empty slot: the owner loads null and returns `None`. By
//!   coherence its load reads its own latest write or a later one; if that
//!   is null, its last task was taken by someone else, who owns it now.
//!
//! If the load sees a task, the owner goes through the swap like everyone
//! else. So the hot path of a ping-pong hand-off (push into an empty slot,
//! pop the task) costs one plain store and one swap on a cache line only
//! this worker writes, instead of a plain `Option` write and read.
//!
//! Ordering: the task goes in with `Release` (store or swap) and comes out
//! with `Acquire` swaps, so whoever takes it sees everything the owner did
//! before pushing it, as with a queue.
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
            // Only the owner makes the slot non-null: it stays null until
            // this store (see the module doc).
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
        self.take()
    }

    /// Takes the slot's task, from any thread.
    pub(crate) fn take(&self) -> Option<Notified> {
        let prev = self.task.swap(ptr::null_mut(), Acquire);
        // SAFETY: as in `push`: this swap alone read `prev` out of the slot.
        unsafe { Notified::from_ptr(prev) }
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
