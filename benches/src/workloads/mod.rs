//! The workloads: each is one function per runtime, taking the runtime
//! already built. A function returns once the whole workload is done; the
//! caller times it.

pub mod chained_spawn;
pub mod mpsc;
pub mod mutex;
pub mod ping_pong;
pub mod queue;
pub mod semaphore;
pub mod spawn;
pub mod spawn_join;
pub mod tcp_echo;
pub mod timers;
pub mod yield_many;

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
    /// `Some(label)` when smol's primitive keeps a different promise than
    /// ours and Tokio's (the semaphore: smol's barges, ours and Tokio's are
    /// FIFO): the table shows smol's time with the label, for reference,
    /// and the ratio is against Tokio alone.
    pub smol_label: Option<&'static str>,
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
pub const ALL: &[Workload] = &[
    spawn::SPAWN_MANY_LOCAL,
    spawn::SPAWN_MANY_REMOTE,
    spawn_join::SPAWN_JOIN,
    yield_many::YIELD_MANY,
    ping_pong::PING_PONG,
    chained_spawn::CHAINED_SPAWN,
    timers::TIMERS,
    tcp_echo::TCP_ECHO,
    mpsc::MPSC_CONTENTION,
    semaphore::SEMAPHORE_CONTENTION,
    mutex::MUTEX_CONTENTION,
    queue::QUEUE_MPMC,
];
