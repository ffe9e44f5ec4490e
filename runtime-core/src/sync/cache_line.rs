//! A field on a cache line of its own.

use std::ops::Deref;

/// `T` aligned, and so padded, to 64 bytes: a field that one thread writes
/// while others read its neighbours does not share a cache line with them.
/// (crossbeam's `CachePadded` pads to 128 bytes on x86-64, for the adjacent
/// line prefetcher; 64 keeps the primitives that embed this small.)
#[repr(align(64))]
pub(crate) struct CacheLine<T>(pub(crate) T);

impl<T> Deref for CacheLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
