//! Synchronization primitives for tasks.
