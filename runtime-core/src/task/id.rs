//! Task identifiers.

use std::fmt;
use std::num::NonZeroU64;
// Ids only need uniqueness, not synchronisation with anything, so the
// counter is deliberately std's even under loom (a loom atomic cannot live
// in a static).
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A task's unique id within the process. Ids are never reused.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    pub(crate) fn next() -> TaskId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Relaxed);
        TaskId(NonZeroU64::new(id).expect("task id counter wrapped"))
    }

    /// The id as a number.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({})", self.0)
    }
}
