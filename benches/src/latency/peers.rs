//! The `latency` workload written for each runtime: the same tasks, with
//! each runtime's own channels, spawn, `yield_now` and timers.

use super::{leg_times, spinner, Config, Raw, SpinTotals};
use crate::runtimes::{in_runtime, in_tokio, SmolPool};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// A request: the number and where to send the answer.
type Request<R> = (u64, R);
// The reply: `i + 1` and when the server handled the request.

pub(crate) fn on_runtime(rt: &runtime::Runtime, cfg: Config) -> Raw {
    use runtime::sync::{mpsc, oneshot};
    in_runtime(rt, async move {
        let load = cfg.load();
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let spinners: Vec<_> = (0..load.spinners)
            .map(|j| {
                let s = spinner(load, j, start, stop.clone(), runtime::yield_now, |t| {
                    runtime::time::sleep_until(t)
                });
                runtime::spawn(s)
            })
            .collect();
        let (tx, mut rx) = mpsc::channel::<Request<oneshot::Sender<(u64, Instant)>>>(cfg.clients);
        let server = runtime::spawn(async move {
            while let Some((i, reply)) = rx.recv().await {
                let _ = reply.send((i + 1, Instant::now()));
            }
        });
        let clients: Vec<_> = (0..cfg.clients)
            .map(|_| {
                let tx = tx.clone();
                runtime::spawn(async move {
                    let mut samples = Vec::with_capacity(cfg.per_client);
                    let mut thinks = Vec::with_capacity(cfg.per_client);
                    for i in 0..cfg.per_client as u64 {
                        if !cfg.think.is_zero() {
                            let slept = Instant::now();
                            runtime::time::sleep(cfg.think).await;
                            thinks.push(slept.elapsed());
                        }
                        let (reply, answer) = oneshot::channel();
                        let t = Instant::now();
                        tx.send((i, reply)).await.expect("server gone");
                        let (v, served) = answer.await.expect("no reply");
                        samples.push(leg_times(t, served));
                        assert_eq!(v, i + 1, "runtime: bad reply");
                    }
                    (samples, thinks)
                })
            })
            .collect();
        drop(tx);
        let (mut samples, mut thinks) = (Vec::new(), Vec::new());
        for c in clients {
            let (s, t) = c.await.expect("client failed");
            samples.extend(s);
            thinks.extend(t);
        }
        let window = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut spun = SpinTotals::default();
        for s in spinners {
            spun += s.await.expect("spinner failed");
        }
        server.await.expect("server failed");
        Raw {
            samples,
            thinks,
            window,
            spun,
        }
    })
}

pub(crate) fn on_tokio(rt: &tokio::runtime::Runtime, cfg: Config) -> Raw {
    use tokio::sync::{mpsc, oneshot};
    in_tokio(rt, async move {
        let load = cfg.load();
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let spinners: Vec<_> = (0..load.spinners)
            .map(|j| {
                let s = spinner(load, j, start, stop.clone(), tokio::task::yield_now, |t| {
                    tokio::time::sleep_until(tokio::time::Instant::from_std(t))
                });
                tokio::spawn(s)
            })
            .collect();
        let (tx, mut rx) = mpsc::channel::<Request<oneshot::Sender<(u64, Instant)>>>(cfg.clients);
        let server = tokio::spawn(async move {
            while let Some((i, reply)) = rx.recv().await {
                let _ = reply.send((i + 1, Instant::now()));
            }
        });
        let clients: Vec<_> = (0..cfg.clients)
            .map(|_| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut samples = Vec::with_capacity(cfg.per_client);
                    let mut thinks = Vec::with_capacity(cfg.per_client);
                    for i in 0..cfg.per_client as u64 {
                        if !cfg.think.is_zero() {
                            let slept = Instant::now();
                            tokio::time::sleep(cfg.think).await;
                            thinks.push(slept.elapsed());
                        }
                        let (reply, answer) = oneshot::channel();
                        let t = Instant::now();
                        tx.send((i, reply)).await.expect("server gone");
                        let (v, served) = answer.await.expect("no reply");
                        samples.push(leg_times(t, served));
                        assert_eq!(v, i + 1, "tokio: bad reply");
                    }
                    (samples, thinks)
                })
            })
            .collect();
        drop(tx);
        let (mut samples, mut thinks) = (Vec::new(), Vec::new());
        for c in clients {
            let (s, t) = c.await.expect("client failed");
            samples.extend(s);
            thinks.extend(t);
        }
        let window = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut spun = SpinTotals::default();
        for s in spinners {
            spun += s.await.expect("spinner failed");
        }
        server.await.expect("server failed");
        Raw {
            samples,
            thinks,
            window,
            spun,
        }
    })
}

/// smol: async-channel, a bounded(1) channel as the oneshot.
pub(crate) fn on_smol(pool: &SmolPool, cfg: Config) -> Raw {
    use smol::channel::{bounded, Sender};
    let ex = pool.executor().clone();
    pool.run(async move {
        let load = cfg.load();
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let spinners: Vec<_> = (0..load.spinners)
            .map(|j| {
                let s = spinner(
                    load,
                    j,
                    start,
                    stop.clone(),
                    smol::future::yield_now,
                    smol::Timer::at,
                );
                ex.spawn(s)
            })
            .collect();
        let (tx, rx) = bounded::<Request<Sender<(u64, Instant)>>>(cfg.clients);
        let server = ex.spawn(async move {
            while let Ok((i, reply)) = rx.recv().await {
                let _ = reply.try_send((i + 1, Instant::now()));
            }
        });
        let clients: Vec<_> = (0..cfg.clients)
            .map(|_| {
                let tx = tx.clone();
                ex.spawn(async move {
                    let mut samples = Vec::with_capacity(cfg.per_client);
                    let mut thinks = Vec::with_capacity(cfg.per_client);
                    for i in 0..cfg.per_client as u64 {
                        if !cfg.think.is_zero() {
                            let slept = Instant::now();
                            smol::Timer::after(cfg.think).await;
                            thinks.push(slept.elapsed());
                        }
                        let (reply, answer) = bounded(1);
                        let t = Instant::now();
                        tx.send((i, reply)).await.expect("server gone");
                        let (v, served) = answer.recv().await.expect("no reply");
                        samples.push(leg_times(t, served));
                        assert_eq!(v, i + 1, "smol: bad reply");
                    }
                    (samples, thinks)
                })
            })
            .collect();
        drop(tx);
        let (mut samples, mut thinks) = (Vec::new(), Vec::new());
        for c in clients {
            let (s, t) = c.await;
            samples.extend(s);
            thinks.extend(t);
        }
        let window = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut spun = SpinTotals::default();
        for s in spinners {
            spun += s.await;
        }
        server.await;
        Raw {
            samples,
            thinks,
            window,
            spun,
        }
    })
}
