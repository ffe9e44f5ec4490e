//! Side-by-side benchmarks of `runtime`, Tokio and smol.
//!
//! Every workload is written once per runtime, as plain functions that take
//! an already-built runtime (see [`runtimes`]), so that the criterion benches
//! (`benches/*.rs`) and the `ratio` binary time exactly the same code.
//! Building a runtime is never part of a timed region.
//!
//! Adding a workload: write one file under `src/workloads/` with a function
//! per runtime, and list it in [`workloads::ALL`]; the `ratio` table picks
//! it up as one more row. For criterion, add one function to a
//! `benches/*.rs` file calling [`crit::bench_workload`].
//!
//! Tail latency under background load has its own binary too,
//! `src/bin/latency.rs` (module [`latency`]): it reports quantiles of
//! round-trip times rather than a time per run.
//!
//! Idle memory per task is measured by its own binary,
//! `src/bin/idle_memory.rs`, because it needs a counting global allocator
//! that would slow down every other workload.

pub mod child;
pub mod cli;
pub mod countdown;
pub mod crit;
pub mod latency;
pub mod report;
pub mod runtimes;
pub mod stats;
pub mod workloads;

pub use runtimes::{Runtimes, SmolPool, Which};
pub use workloads::Workload;

/// Worker threads per runtime unless told otherwise.
pub const DEFAULT_WORKERS: usize = 2;
