//! A timer entry: what the wheel stores for one registered [`Sleep`], and
//! the state it shares with that `Sleep`.
//!
//! [`Sleep`]: super::Sleep
//!
//! The wheel owns an [`Entry`] (the shared state plus the waker to wake) in
//! its slab while the timer is pending. The `Sleep` owns a [`Registration`]:
//! the entry's slab key, the same shared state, and a clone of the waker it
//! last registered (to skip re-registering an equivalent waker).
//!
//! The shared state is one atomic byte, written only under the driver's lock
//! and read by the `Sleep` without it:
//!
//! - `WAITING`: the entry is in the wheel under `key`; only the owning
//!   `Sleep` may remove it (on drop or reset), and only after re-checking the
//!   state under the lock.
//! - `FIRED`: the driver took the entry out of the wheel (its deadline
//!   passed, or a reset moved it into the past) and woke the waker. The slab
//!   key is free and may already name another timer, so the `Sleep` must not
//!   use it again.
//! - `SHUT_DOWN`: the driver shut down and drained the wheel; the key is free
//!   too, and polling the `Sleep` panics.
//!
//! A `Sleep` that reads `FIRED` (Acquire, pairing with the driver's Release
//! store) is complete. Reading `WAITING` without the lock is only a hint: the
//! driver may fire the entry right after, which is harmless because the
//! registered waker is then woken.

use crate::loom::sync::atomic::{AtomicU8, Ordering};
use crate::loom::sync::Arc;
use crate::time::wheel::Key;
use std::task::Waker;

const WAITING: u8 = 0;
const FIRED: u8 = 1;
const SHUT_DOWN: u8 = 2;

/// Where a registered timer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryState {
    /// In the wheel, not yet due.
    Waiting,
    /// Due: taken out of the wheel and woken.
    Fired,
    /// Drained from the wheel by the driver's shutdown.
    ShutDown,
}

/// The state shared by a `Sleep` and the wheel.
#[derive(Debug)]
pub(crate) struct EntryShared {
    state: AtomicU8,
}

impl EntryShared {
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicU8::new(WAITING),
        }
    }

    pub(crate) fn state(&self) -> EntryState {
        match self.state.load(Ordering::Acquire) {
            WAITING => EntryState::Waiting,
            FIRED => EntryState::Fired,
            _ => EntryState::ShutDown,
        }
    }

    /// Marks the entry fired. Call under the driver's lock, after taking the
    /// entry out of the wheel.
    pub(crate) fn fire(&self) {
        self.state.store(FIRED, Ordering::Release);
    }

    /// Marks the entry drained by shutdown. Call under the driver's lock.
    pub(crate) fn shut_down(&self) {
        self.state.store(SHUT_DOWN, Ordering::Release);
    }
}

/// What the wheel stores for one pending timer.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) shared: Arc<EntryShared>,
    pub(crate) waker: Option<Waker>,
}

/// The `Sleep` side of a timer in the wheel.
#[derive(Debug)]
pub(crate) struct Registration {
    /// The entry's slab key; valid only while the state is `Waiting`.
    pub(crate) key: Key,
    pub(crate) shared: Arc<EntryShared>,
    /// The waker last stored in the entry.
    pub(crate) waker: Waker,
}
