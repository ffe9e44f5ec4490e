//! `ping_pong`: [`PAIRS`] pairs of tasks; in each pair one task sends a
//! number over a bounded(1) channel and waits for the other to send it back
//! plus one, [`ROUND_TRIPS`] times. Channels: `runtime::sync::mpsc`,
//! `tokio::sync::mpsc`, `async-channel` (`smol::channel`). Measures
//! wake-up latency between two tasks (the LIFO slot's case).
//!
//! Check: every reply is the request plus one; every pair reports its
//! round-trip count.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};

/// Pairs of tasks per run.
pub const PAIRS: usize = 100;
/// Round trips per pair.
pub const ROUND_TRIPS: u64 = 1_000;

/// The workload.
pub const PING_PONG: Workload = Workload {
    name: "ping_pong",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
    smol_label: None,
};

fn on_runtime(rt: &runtime::Runtime) {
    let total = in_runtime(rt, async {
        let pairs: Vec<_> = (0..PAIRS)
            .map(|_| {
                runtime::spawn(async {
                    use runtime::sync::mpsc;
                    let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
                    let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
                    let echo = runtime::spawn(async move {
                        while let Some(v) = ping_rx.recv().await {
                            pong_tx.send(v + 1).await.expect("pong closed");
                        }
                    });
                    let mut n = 0;
                    for i in 0..ROUND_TRIPS {
                        ping_tx.send(i).await.expect("ping closed");
                        assert_eq!(pong_rx.recv().await, Some(i + 1), "bad pong");
                        n += 1;
                    }
                    drop(ping_tx);
                    echo.await.expect("echo failed");
                    n
                })
            })
            .collect();
        let mut total = 0;
        for p in pairs {
            total += p.await.expect("pair failed");
        }
        total
    });
    assert_eq!(total, PAIRS as u64 * ROUND_TRIPS, "runtime: ping_pong");
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    let total = in_tokio(rt, async {
        let pairs: Vec<_> = (0..PAIRS)
            .map(|_| {
                tokio::spawn(async {
                    use tokio::sync::mpsc;
                    let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
                    let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
                    let echo = tokio::spawn(async move {
                        while let Some(v) = ping_rx.recv().await {
                            pong_tx.send(v + 1).await.expect("pong closed");
                        }
                    });
                    let mut n = 0;
                    for i in 0..ROUND_TRIPS {
                        ping_tx.send(i).await.expect("ping closed");
                        assert_eq!(pong_rx.recv().await, Some(i + 1), "bad pong");
                        n += 1;
                    }
                    drop(ping_tx);
                    echo.await.expect("echo failed");
                    n
                })
            })
            .collect();
        let mut total = 0;
        for p in pairs {
            total += p.await.expect("pair failed");
        }
        total
    });
    assert_eq!(total, PAIRS as u64 * ROUND_TRIPS, "tokio: ping_pong");
}

fn on_smol(pool: &SmolPool) {
    let ex = pool.executor().clone();
    let total = pool.run(async move {
        let pairs: Vec<_> = (0..PAIRS)
            .map(|_| {
                let ex2 = ex.clone();
                ex.spawn(async move {
                    use smol::channel::bounded;
                    let (ping_tx, ping_rx) = bounded::<u64>(1);
                    let (pong_tx, pong_rx) = bounded::<u64>(1);
                    let echo = ex2.spawn(async move {
                        while let Ok(v) = ping_rx.recv().await {
                            pong_tx.send(v + 1).await.expect("pong closed");
                        }
                    });
                    let mut n = 0;
                    for i in 0..ROUND_TRIPS {
                        ping_tx.send(i).await.expect("ping closed");
                        assert_eq!(pong_rx.recv().await, Ok(i + 1), "bad pong");
                        n += 1;
                    }
                    drop(ping_tx);
                    echo.await;
                    n
                })
            })
            .collect();
        let mut total = 0;
        for p in pairs {
            total += p.await;
        }
        total
    });
    assert_eq!(total, PAIRS as u64 * ROUND_TRIPS, "smol: ping_pong");
}
