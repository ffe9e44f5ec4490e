//! The workloads: each is one function per runtime, taking the runtime
//! already built. A function returns once the whole workload is done; the
//! caller times it.

pub mod spawn;

use crate::runtimes::{Runtimes, SmolPool, Which};

/// One workload, written for each runtime.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Name: the criterion group and the `ratio` table row.
    pub name: &'static str,
    /// Runs it once on `runtime`.
    pub runtime: fn(&runtime::Runtime),
    /// Runs it once on Tokio.
    pub tokio: fn(&tokio::runtime::Runtime),
    /// Runs it once on smol.
    pub smol: fn(&SmolPool),
}

impl Workload {
    /// Runs the workload once on the chosen runtime.
    pub fn run(&self, rts: &Runtimes, which: Which) {
        match which {
            Which::Runtime => (self.runtime)(&rts.runtime),
            Which::Tokio => (self.tokio)(&rts.tokio),
            Which::Smol => (self.smol)(&rts.smol),
        }
    }
}

/// Every workload, in table order.
pub const ALL: &[Workload] = &[spawn::SPAWN_MANY_LOCAL, spawn::SPAWN_MANY_REMOTE];
