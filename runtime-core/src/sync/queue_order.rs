//! The item orders a [`GenericQueue`](super::GenericQueue) can have: FIFO
//! ([`Queue`](super::Queue)), LIFO ([`LifoQueue`](super::LifoQueue)) and
//! smallest-first ([`PriorityQueue`](super::PriorityQueue)).
//!
//! The queue's waiter protocol never looks at the order: it only pushes,
//! pops and counts through [`QueueOrder`].

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

mod sealed {
    pub trait Sealed {}
}

/// How a [`GenericQueue`](super::GenericQueue) stores its items and which
/// one `get` takes next. Implemented by [`Fifo`], [`Lifo`] and
/// [`Priority`]; sealed.
pub trait QueueOrder<T>: sealed::Sealed {
    /// An empty store.
    fn new() -> Self;
    /// Adds an item.
    fn push(&mut self, item: T);
    /// Removes the item `get` should return next.
    fn pop(&mut self) -> Option<T>;
    /// The number of items stored.
    fn len(&self) -> usize;
    /// Whether no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out (asyncio's `Queue`).
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out (asyncio's `LifoQueue`).
pub struct Lifo<T>(Vec<T>);

/// Smallest item first (asyncio's `PriorityQueue`; use `(priority, item)`
/// tuples, or `std::cmp::Reverse` for largest first).
pub struct Priority<T: Ord>(BinaryHeap<Reverse<T>>);

impl<T> sealed::Sealed for Fifo<T> {}
impl<T> sealed::Sealed for Lifo<T> {}
impl<T: Ord> sealed::Sealed for Priority<T> {}

impl<T> QueueOrder<T> for Fifo<T> {
    fn new() -> Self {
        Self(VecDeque::new())
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> QueueOrder<T> for Lifo<T> {
    fn new() -> Self {
        Self(Vec::new())
    }
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord> QueueOrder<T> for Priority<T> {
    fn new() -> Self {
        Self(BinaryHeap::new())
    }
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> fmt::Debug for Fifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fifo({} items)", self.0.len())
    }
}

impl<T> fmt::Debug for Lifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lifo({} items)", self.0.len())
    }
}

impl<T: Ord> fmt::Debug for Priority<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Priority({} items)", self.0.len())
    }
}
