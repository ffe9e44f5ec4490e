//! The thread-local "current reactor".
//!
//! The runtime enters its reactor on every worker thread and in `block_on`;
//! socket constructors look it up through [`current_handle`], the one place
//! to change if the runtime later keeps the handle in its own context.

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::marker::PhantomData;

use super::{no_reactor_error, ReactorHandle};

thread_local! {
    static CURRENT: RefCell<Option<ReactorHandle>> = const { RefCell::new(None) };
}

/// Makes `handle` the current thread's reactor until the guard is dropped,
/// which restores the previous one. Guards must be dropped in reverse order
/// of creation (they are `!Send` so they stay on their thread).
pub fn enter(handle: ReactorHandle) -> EnterGuard {
    let previous = CURRENT.with(|current| current.replace(Some(handle)));
    EnterGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// The current thread's reactor, if one was entered.
pub fn try_current() -> Option<ReactorHandle> {
    CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten()
}

/// The reactor a new socket registers with, or the "no I/O reactor" error.
pub(crate) fn current_handle() -> io::Result<ReactorHandle> {
    try_current().ok_or_else(no_reactor_error)
}

/// Restores the previously current reactor when dropped (see [`enter`]).
#[must_use = "the reactor is current only while the guard lives"]
pub struct EnterGuard {
    previous: Option<ReactorHandle>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // During thread teardown the slot may already be gone: nothing to do.
        let _ = CURRENT.try_with(|current| *current.borrow_mut() = previous);
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}
