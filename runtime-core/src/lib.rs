//! runtime-core: tasks, the work-stealing scheduler, the blocking pool,
//! timers, synchronization primitives and structured concurrency for the
//! [`runtime`](https://example.invalid/runtime) crate.
//!
//! Applications depend on the `runtime` facade, which re-exports this crate's
//! public items under the names users see (`runtime::spawn`,
//! `runtime::sync`, `runtime::time`, ...); docs/architecture.md in the
//! repository maps each crate's modules to those paths.

#![warn(missing_docs)]

#[cfg(runtime_loom)]
#[doc(hidden)]
#[path = "loom/exports.rs"]
pub mod __loom;
pub(crate) mod loom;

#[doc(hidden)]
#[path = "select.rs"]
pub mod __select;
pub mod coop;
pub(crate) mod diagnostics;
pub mod group;
pub mod scheduler;
pub mod sync;
pub mod task;
pub mod time;
