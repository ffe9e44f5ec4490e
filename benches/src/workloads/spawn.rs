//! Spawning many tiny tasks.
//!
//! - `spawn_many_local`: one task spawns [`NUM_SPAWN`] tasks from inside the
//!   runtime (onto its worker's local queue); each ticks a shared
//!   [`Countdown`]. The bench thread waits for the last tick.
//! - `spawn_many_remote`: the bench thread itself (outside the pool) spawns
//!   them through the runtime's handle (the injector / global queue).
//!
//! Join handles are dropped at once (detached tasks), so what is measured is
//! spawn + schedule + poll + free, not the join path.

use super::Workload;
use crate::countdown::Countdown;
use crate::runtimes::SmolPool;

/// Tasks spawned per run.
pub const NUM_SPAWN: usize = 100_000;

/// Spawn from inside a task.
pub const SPAWN_MANY_LOCAL: Workload = Workload {
    name: "spawn_many_local",
    runtime: local_runtime,
    tokio: local_tokio,
    smol: local_smol,
    smol_label: None,
};

/// Spawn from a thread outside the pool.
pub const SPAWN_MANY_REMOTE: Workload = Workload {
    name: "spawn_many_remote",
    runtime: remote_runtime,
    tokio: remote_tokio,
    smol: remote_smol,
    smol_label: None,
};

fn local_runtime(rt: &runtime::Runtime) {
    let latch = Countdown::new(NUM_SPAWN);
    let l = latch.clone();
    drop(rt.spawn(async move {
        for _ in 0..NUM_SPAWN {
            let l = l.clone();
            drop(runtime::spawn(async move { l.tick() }));
        }
    }));
    latch.wait();
}

fn local_tokio(rt: &tokio::runtime::Runtime) {
    let latch = Countdown::new(NUM_SPAWN);
    let l = latch.clone();
    drop(rt.spawn(async move {
        for _ in 0..NUM_SPAWN {
            let l = l.clone();
            drop(tokio::spawn(async move { l.tick() }));
        }
    }));
    latch.wait();
}

fn local_smol(pool: &SmolPool) {
    let latch = Countdown::new(NUM_SPAWN);
    let l = latch.clone();
    let ex = pool.executor().clone();
    pool.executor()
        .spawn(async move {
            for _ in 0..NUM_SPAWN {
                let l = l.clone();
                ex.spawn(async move { l.tick() }).detach();
            }
        })
        .detach();
    latch.wait();
}

fn remote_runtime(rt: &runtime::Runtime) {
    let latch = Countdown::new(NUM_SPAWN);
    let handle = rt.handle();
    for _ in 0..NUM_SPAWN {
        let l = latch.clone();
        drop(handle.spawn(async move { l.tick() }));
    }
    latch.wait();
}

fn remote_tokio(rt: &tokio::runtime::Runtime) {
    let latch = Countdown::new(NUM_SPAWN);
    let handle = rt.handle();
    for _ in 0..NUM_SPAWN {
        let l = latch.clone();
        drop(handle.spawn(async move { l.tick() }));
    }
    latch.wait();
}

fn remote_smol(pool: &SmolPool) {
    let latch = Countdown::new(NUM_SPAWN);
    let ex = pool.executor();
    for _ in 0..NUM_SPAWN {
        let l = latch.clone();
        ex.spawn(async move { l.tick() }).detach();
    }
    latch.wait();
}
