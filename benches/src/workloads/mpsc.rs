//! `mpsc_contention`: [`SENDERS`] tasks each send [`MESSAGES`] numbers into
//! one bounded channel of capacity [`CAPACITY`], drained by one receiver
//! task. Channels: `runtime::sync::mpsc`,
//! `tokio::sync::mpsc`, `async-channel` (`smol::channel`).
//!
//! Check: the receiver counts and sums what it got; both must match.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};

/// Sending tasks per round.
pub const SENDERS: u64 = 5;
/// Messages per sender per round.
pub const MESSAGES: u64 = 1_000;
/// Channel capacity.
pub const CAPACITY: usize = 128;

/// The workload.
pub const MPSC_CONTENTION: Workload = Workload {
    name: "mpsc_contention",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
    smol_label: None,
};

const COUNT: u64 = SENDERS * MESSAGES;
const SUM: u64 = COUNT * (COUNT - 1) / 2;

fn value(sender: u64, i: u64) -> u64 {
    sender * MESSAGES + i
}

fn check(name: &str, got: (u64, u64)) {
    assert_eq!(got, (COUNT, SUM), "{name}: mpsc lost or changed messages");
}

fn on_runtime(rt: &runtime::Runtime) {
    in_runtime(rt, async {
        let (tx, mut rx) = runtime::sync::mpsc::channel::<u64>(CAPACITY);
        for s in 0..SENDERS {
            let tx = tx.clone();
            drop(runtime::spawn(async move {
                for i in 0..MESSAGES {
                    tx.send(value(s, i)).await.expect("receiver gone");
                }
            }));
        }
        drop(tx);
        let rx = runtime::spawn(async move {
            let (mut n, mut sum) = (0, 0);
            while let Some(v) = rx.recv().await {
                n += 1;
                sum += v;
            }
            (n, sum)
        });
        check("runtime", rx.await.expect("receiver failed"));
    });
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    in_tokio(rt, async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(CAPACITY);
        for s in 0..SENDERS {
            let tx = tx.clone();
            drop(tokio::spawn(async move {
                for i in 0..MESSAGES {
                    tx.send(value(s, i)).await.expect("receiver gone");
                }
            }));
        }
        drop(tx);
        let rx = tokio::spawn(async move {
            let (mut n, mut sum) = (0, 0);
            while let Some(v) = rx.recv().await {
                n += 1;
                sum += v;
            }
            (n, sum)
        });
        check("tokio", rx.await.expect("receiver failed"));
    });
}

fn on_smol(pool: &SmolPool) {
    let ex = pool.executor().clone();
    pool.run(async move {
        let (tx, rx) = smol::channel::bounded::<u64>(CAPACITY);
        for s in 0..SENDERS {
            let tx = tx.clone();
            ex.spawn(async move {
                for i in 0..MESSAGES {
                    tx.send(value(s, i)).await.expect("receiver gone");
                }
            })
            .detach();
        }
        drop(tx);
        let rx = ex.spawn(async move {
            let (mut n, mut sum) = (0, 0);
            while let Ok(v) = rx.recv().await {
                n += 1;
                sum += v;
            }
            (n, sum)
        });
        check("smol", rx.await);
    });
}
