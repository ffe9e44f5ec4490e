//! Task identifiers.

use std::fmt;
use std::num::NonZeroU64;
// Ids only need uniqueness, not synchronisation with anything, so the
// counter is deliberately std's even under loom (a loom atomic cannot live
// in a static).
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A task's unique id within the process. Ids are never reused. They grow
/// with spawn order on each thread, but threads take them in blocks, so
/// across threads they are not in spawn order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(NonZeroU64);

/// Ids a thread takes from the global counter at a time, so that spawning
/// on different workers does not contend on one counter.
const BLOCK: u64 = 1024;

crate::loom::thread_local_const! {
    /// This thread's current block of ids: (next, end).
    static BLOCK_CURSOR: std::cell::Cell<(u64, u64)> = std::cell::Cell::new((0, 0));
}

impl TaskId {
    pub(crate) fn next() -> TaskId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let take_block = || {
            let start = NEXT.fetch_add(BLOCK, Relaxed);
            (start, start + BLOCK)
        };
        let id = BLOCK_CURSOR
            .try_with(|cursor| {
                let (mut next, mut end) = cursor.get();
                if next == end {
                    (next, end) = take_block();
                }
                cursor.set((next + 1, end));
                next
            })
            // During thread teardown: one id straight from the counter.
            .unwrap_or_else(|_| NEXT.fetch_add(1, Relaxed));
        TaskId(NonZeroU64::new(id).expect("task id counter wrapped"))
    }

    /// The id whose [`as_u64`](Self::as_u64) is `id` (`None` for 0).
    pub(crate) fn from_u64(id: u64) -> Option<TaskId> {
        NonZeroU64::new(id).map(TaskId)
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
