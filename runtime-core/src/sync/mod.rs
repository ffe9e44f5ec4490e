//! Synchronization primitives for tasks: asyncio's `Queue`, `Semaphore`,
//! `Lock`, `Event`, `Condition`, `Barrier` and `Future`, plus channels
//! (`oneshot`, `mpsc`, `broadcast`, `watch`).
//!
//! | asyncio | here |
//! | --- | --- |
//! | `Queue`, `LifoQueue`, `PriorityQueue` | [`Queue`], [`LifoQueue`], [`PriorityQueue`] (all [`GenericQueue`]) |
//! | `Semaphore`, `BoundedSemaphore` | [`Semaphore`], [`BoundedSemaphore`] |
//! | `Lock` | [`Mutex`] (holds the data it protects); [`RwLock`] |
//! | `Event` | [`Event`] |
//! | `Condition` | [`Condition`], used with a [`Mutex`] |
//! | `Barrier` | [`Barrier`] |
//! | `Future` (`set_result`, `cancel`, callbacks) | [`Promise`]; [`oneshot`] for one value to one receiver |
//! | | [`Notify`], [`mpsc`] channels |
//! | | [`broadcast`] (every receiver gets every value), [`watch`] (the latest value) |
//!
//! Every primitive is `Send + Sync` (where the data allows) and usable from
//! any task on any thread. Waiters are served in FIFO order, and every
//! waiting method is cancel safe: dropping its future loses no item and no
//! permit, and a waiter dropped after it was chosen passes its turn to the
//! next one. Each method's docs say exactly what cancellation does. The
//! shared waiter-queue design is described in this directory's `README.md`.
//!
//! `async with lock:` becomes a guard: `let guard = lock.lock().await;`, and
//! the lock is released when the guard is dropped. Likewise semaphore
//! permits.

mod barrier;
mod bounded_semaphore;
pub mod broadcast;
mod cache_line;
mod condition;
mod ends;
pub mod error;
mod event;
mod lock_data;
pub mod mpsc;
mod mutex;
mod notify;
pub mod oneshot;
mod promise;
mod queue;
mod queue_order;
mod rwlock;
mod semaphore;
mod waitlist;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use bounded_semaphore::BoundedSemaphore;
pub use condition::Condition;
pub use error::{
    AcquireError, Closed, PromiseCancelled, ReleaseError, TaskDoneError, TryAcquireError,
    TryGetError, TryLockError, TryPutError,
};
pub use event::Event;
pub use mutex::{Mutex, MutexGuard, OwnedMutexGuard};
pub use notify::{Notified, Notify};
pub use promise::{Promise, PromiseOutcome};
pub use queue::{GenericQueue, LifoQueue, PriorityQueue, Queue};
pub use queue_order::{Fifo, Lifo, Priority, QueueOrder};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

#[cfg(all(test, not(runtime_loom)))]
mod tests;
