//! The one concurrency shim of runtime-core.
//!
//! Every atomic, `UnsafeCell`, `Arc`, `Mutex`, `Condvar`, thread spawn and
//! thread-local in this crate comes from here. Under `cfg(runtime_loom)` the
//! names resolve to [loom]'s model-checked versions, so the loom models in
//! `loom-tests/` explore every interleaving of the real protocol code;
//! otherwise they resolve to `std` and `parking_lot`.
//!
//! The API is loom's: `UnsafeCell::with`/`with_mut` take closures so loom can
//! track each access, and `Mutex::lock` returns the guard directly (no
//! poisoning) on both sides.
//!
//! [loom]: https://docs.rs/loom

// The shim exports the union of what the crate uses; not every build uses all.
#[cfg(not(runtime_loom))]
#[allow(unused_imports, dead_code)]
mod std_impl;
#[cfg(not(runtime_loom))]
pub(crate) use std_impl::*;

#[cfg(runtime_loom)]
#[allow(unused_imports, dead_code)]
mod loom_impl;
#[cfg(runtime_loom)]
pub(crate) use loom_impl::*;

/// `thread_local!` with a `const` initialiser (no lazy-init check on each
/// access) in production; loom's `thread_local!`, which takes no `const`
/// block, under the model checker.
#[cfg(not(runtime_loom))]
macro_rules! thread_local_const {
    ($($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;)+) => {
        std::thread_local! { $($(#[$attr])* static $name: $t = const { $init };)+ }
    };
}
#[cfg(runtime_loom)]
macro_rules! thread_local_const {
    ($($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;)+) => {
        loom::thread_local! { $($(#[$attr])* static $name: $t = $init;)+ }
    };
}
pub(crate) use thread_local_const;

/// Capacities shrink under loom so that models reach the edge cases (a full
/// queue, a grown pool) within a few operations.
#[allow(dead_code)]
pub(crate) const fn loom_or(loom_value: usize, real_value: usize) -> usize {
    if cfg!(runtime_loom) {
        loom_value
    } else {
        real_value
    }
}
