//! The stage of a task: its future until it completes, then its output
//! until the join handle takes it.
//!
//! A `union` without a discriminant, so a task costs no more than the larger
//! of its future and its output. (As an `enum` with a "consumed" variant, an
//! `async` block's stage took 8 bytes more: the discriminant found no niche.)
//! Which one it holds follows from the state word (`state.rs`):
//!
//! | state | the stage holds |
//! | --- | --- |
//! | not `COMPLETE` | the future (while `RUNNING`, its owner may have dropped it on the way to `COMPLETE`) |
//! | `COMPLETE` and `JOIN_INTEREST` | the output (the handle will take or drop it) |
//! | `COMPLETE` without `JOIN_INTEREST` | nothing (the completer, or the handle, took it) |
//!
//! Every method is `unsafe`: the caller says which it holds and that it may
//! touch it, per the access rules of `harness.rs` (docs/unsafe.md §2).

use super::JoinError;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};

pub(crate) union Stage<F: Future> {
    future: ManuallyDrop<F>,
    output: ManuallyDrop<Result<F::Output, JoinError>>,
}

impl<F: Future> Stage<F> {
    pub(crate) fn new(future: F) -> Stage<F> {
        Stage {
            future: ManuallyDrop::new(future),
        }
    }

    /// Polls the future.
    ///
    /// # Safety
    /// The stage holds the future, and the caller owns `RUNNING`.
    pub(crate) unsafe fn poll(&mut self, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: the caller guarantees the future is the live field. The
        // stage lives in the heap cell and is never moved until the cell is
        // freed, so the future is pinned.
        unsafe { Pin::new_unchecked(&mut *self.future) }.poll(cx)
    }

    /// Drops the future in place; the stage then holds nothing. If its
    /// `Drop` panics, the future still counts as dropped.
    ///
    /// # Safety
    /// The stage holds the future, and the caller owns it (`RUNNING`, or
    /// the last reference).
    pub(crate) unsafe fn drop_future(&mut self) {
        // SAFETY: the future is the live field, and it is never used again.
        unsafe { ManuallyDrop::drop(&mut self.future) }
    }

    /// Stores the output.
    ///
    /// # Safety
    /// The stage holds nothing (the future was dropped), and the caller owns
    /// `RUNNING`.
    pub(crate) unsafe fn store_output(&mut self, output: Result<F::Output, JoinError>) {
        // Writing a `ManuallyDrop` field drops nothing: the stage is empty.
        self.output = ManuallyDrop::new(output);
    }

    /// Moves the output out; the stage then holds nothing.
    ///
    /// # Safety
    /// The stage holds the output, and the caller owns it (see the table).
    pub(crate) unsafe fn take_output(&mut self) -> Result<F::Output, JoinError> {
        // SAFETY: the output is the live field, and it is never used again.
        unsafe { ManuallyDrop::take(&mut self.output) }
    }

    /// The output, in place.
    ///
    /// # Safety
    /// The stage holds the output and nobody takes it while the reference
    /// lives.
    pub(crate) unsafe fn output(&self) -> &Result<F::Output, JoinError> {
        // SAFETY: the output is the live field.
        unsafe { &self.output }
    }
}
