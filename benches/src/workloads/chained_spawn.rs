//! `chained_spawn`: each task spawns the next, [`DEPTH`] deep; the last one
//! signals completion over a oneshot channel to the root task, which then
//! starts the next chain, [`CHAINS`] chains per run. Only one task is
//! runnable at a time, so this measures the spawn -> first-poll latency of
//! a freshly spawned task (and how fast an idle worker gets out of the way).
//!
//! Check: each link counts the hops; the last link sends the count, which
//! must equal the depth.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};
use async_executor::Executor;
use std::sync::Arc;

/// Tasks per chain.
pub const DEPTH: usize = 1_000;
/// Chains per run, one after another.
pub const CHAINS: usize = 20;

/// The workload.
pub const CHAINED_SPAWN: Workload = Workload {
    name: "chained_spawn",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
    smol_label: None,
};

fn link_runtime(hops: usize, done: runtime::sync::oneshot::Sender<usize>) {
    if hops == DEPTH {
        let _ = done.send(hops);
    } else {
        drop(runtime::spawn(async move { link_runtime(hops + 1, done) }));
    }
}

fn on_runtime(rt: &runtime::Runtime) {
    in_runtime(rt, async {
        for _ in 0..CHAINS {
            let (tx, rx) = runtime::sync::oneshot::channel();
            link_runtime(0, tx);
            assert_eq!(rx.await.expect("chain dropped"), DEPTH, "runtime: chain");
        }
    });
}

fn link_tokio(hops: usize, done: tokio::sync::oneshot::Sender<usize>) {
    if hops == DEPTH {
        let _ = done.send(hops);
    } else {
        drop(tokio::spawn(async move { link_tokio(hops + 1, done) }));
    }
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    in_tokio(rt, async {
        for _ in 0..CHAINS {
            let (tx, rx) = tokio::sync::oneshot::channel();
            link_tokio(0, tx);
            assert_eq!(rx.await.expect("chain dropped"), DEPTH, "tokio: chain");
        }
    });
}

fn link_smol(ex: Arc<Executor<'static>>, hops: usize, done: smol::channel::Sender<usize>) {
    if hops == DEPTH {
        let _ = done.try_send(hops);
    } else {
        let next = ex.clone();
        ex.spawn(async move { link_smol(next, hops + 1, done) })
            .detach();
    }
}

fn on_smol(pool: &SmolPool) {
    let ex = pool.executor().clone();
    pool.run(async move {
        for _ in 0..CHAINS {
            let (tx, rx) = smol::channel::bounded(1);
            link_smol(ex.clone(), 0, tx);
            assert_eq!(
                rx.recv().await.expect("chain dropped"),
                DEPTH,
                "smol: chain"
            );
        }
    });
}
