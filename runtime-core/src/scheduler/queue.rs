//! Run queues: crossbeam-deque in production; under loom and miri a
//! lock-based stand-in with the same API.
//!
//! crossbeam-deque's own atomics are invisible to loom, so a model using it
//! could not explore interleavings inside the queue (and would not see the
//! synchronisation it provides). The stand-in is a `Mutex<VecDeque>` from the
//! loom shim: every push, pop and steal is a loom-visible synchronisation
//! point with the same ordering guarantees the scheduler relies on (a push
//! happens-before the pop or steal that returns the item).

#[cfg(not(any(runtime_loom, miri)))]
pub(crate) use crossbeam_deque::{Injector, Stealer, Worker};

pub(crate) use crossbeam_deque::Steal;

#[cfg(any(runtime_loom, miri))]
pub(crate) use standin::{Injector, Stealer, Worker};

#[cfg(any(runtime_loom, miri))]
#[allow(dead_code)] // `len` is for queue-depth metrics
mod standin {
    use super::Steal;
    use crate::loom::sync::{Arc, Mutex};
    use std::collections::VecDeque;

    /// Most items a steal moves at once (crossbeam moves up to half, capped).
    const BATCH: usize = 4;

    /// The owner's end of a FIFO queue.
    pub(crate) struct Worker<T> {
        items: Arc<Mutex<VecDeque<T>>>,
    }

    /// Another worker's end of a `Worker`'s queue.
    pub(crate) struct Stealer<T> {
        items: Arc<Mutex<VecDeque<T>>>,
    }

    /// The shared queue for tasks submitted from outside the workers.
    pub(crate) struct Injector<T> {
        items: Mutex<VecDeque<T>>,
    }

    impl<T> Worker<T> {
        pub(crate) fn new_fifo() -> Self {
            Worker {
                items: Arc::new(Mutex::new(VecDeque::new())),
            }
        }
        pub(crate) fn push(&self, item: T) {
            self.items.lock().push_back(item);
        }
        pub(crate) fn pop(&self) -> Option<T> {
            self.items.lock().pop_front()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.items.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.items.lock().len()
        }
        pub(crate) fn stealer(&self) -> Stealer<T> {
            Stealer {
                items: self.items.clone(),
            }
        }
    }

    fn steal_into<T>(src: &mut VecDeque<T>, dest: &Worker<T>) -> Steal<T> {
        let Some(first) = src.pop_front() else {
            return Steal::Empty;
        };
        let more = (src.len() / 2).min(BATCH - 1);
        if more > 0 {
            let mut dest = dest.items.lock();
            dest.extend(src.drain(..more));
        }
        Steal::Success(first)
    }

    impl<T> Stealer<T> {
        pub(crate) fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
            steal_into(&mut self.items.lock(), dest)
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.items.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.items.lock().len()
        }
    }

    impl<T> Clone for Stealer<T> {
        fn clone(&self) -> Self {
            Stealer {
                items: self.items.clone(),
            }
        }
    }

    impl<T> Injector<T> {
        pub(crate) fn new() -> Self {
            Injector {
                items: Mutex::new(VecDeque::new()),
            }
        }
        pub(crate) fn push(&self, item: T) {
            self.items.lock().push_back(item);
        }
        pub(crate) fn steal(&self) -> Steal<T> {
            match self.items.lock().pop_front() {
                Some(item) => Steal::Success(item),
                None => Steal::Empty,
            }
        }
        pub(crate) fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
            steal_into(&mut self.items.lock(), dest)
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.items.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.items.lock().len()
        }
    }
}

/// Pops one item from `steal`-style sources, retrying while they report
/// contention.
pub(crate) fn retry<T>(mut f: impl FnMut() -> Steal<T>) -> Option<T> {
    loop {
        match f() {
            Steal::Success(item) => return Some(item),
            Steal::Empty => return None,
            Steal::Retry => crate::loom::spin_loop(),
        }
    }
}
