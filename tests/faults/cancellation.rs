//! Fault family "cancellation safety" (issue 20 item 8): waiters of every
//! sync primitive and of a TCP read, cut short mid-flight (dropped after a
//! few polls, a `timeout` expiring, a `select!` branch losing, and
//! `Task::cancel` from outside), then counted: no item, permit,
//! notification or byte is lost or duplicated. Methods documented as not
//! cancel safe (`read_exact`) are held to what their docs say instead.
//!
//! Every case runs on a current-thread runtime and on 2 workers, with a
//! seeded generator (the seed is printed; `FAULTS_SEED=<n>` replays it),
//! in a child process under a watchdog (`support::isolated`). Sizes grow
//! under `RUNTIME_STRESS=1`.
#[macro_use]
mod support;
#[path = "cancellation/channels.rs"]
mod channels;
#[path = "cancellation/cut.rs"]
mod cut;
#[path = "cancellation/handoff.rs"]
mod handoff;
#[path = "cancellation/locks.rs"]
mod locks;
#[path = "cancellation/notifications.rs"]
mod notifications;
#[path = "cancellation/sockets.rs"]
mod sockets;

use cut::{flavors, Item};
use runtime::sync::{Fifo, Lifo};
use std::time::Duration;
use support::{size, Rng};

const LIMIT: Duration = Duration::from_secs(60);

case!(handoff_to_a_dropped_waiter_is_passed_on, LIMIT, {
    for (_, rt) in flavors() {
        for _ in 0..size(200, 5_000) {
            rt.block_on(handoff::all_handoffs());
        }
    }
});

case!(bounded_semaphore_promise_to_a_dropped_waiter, LIMIT, {
    for (_, rt) in flavors() {
        for _ in 0..size(200, 5_000) {
            rt.block_on(handoff::bounded_semaphore_promise_dropped());
        }
    }
});

case!(tcp_accept_cancelled, LIMIT, {
    let mut rng = Rng::from_env("tcp_accept_cancelled");
    for (flavor, rt) in flavors() {
        println!("{flavor}:");
        for _ in 0..size(3, 10) {
            rt.block_on(sockets::accept_round(size(300, 2_000) as u32, &mut rng));
        }
    }
});

case!(queue_put_get_cancelled, LIMIT, {
    let mut rng = Rng::from_env("queue_put_get_cancelled");
    let items = size(5_000, 100_000) as u64;
    for (flavor, rt) in flavors() {
        for round in 0..size(4, 30) {
            rt.block_on(async {
                let r = &mut rng;
                channels::queue_round::<Fifo<Item>>(
                    &format!("{flavor} Queue(4) #{round}"),
                    4,
                    items,
                    r,
                )
                .await;
                channels::queue_round::<Fifo<Item>>(
                    &format!("{flavor} Queue(1) #{round}"),
                    1,
                    items,
                    r,
                )
                .await;
                channels::queue_round::<Fifo<Item>>(
                    &format!("{flavor} Queue(unbounded) #{round}"),
                    0,
                    items,
                    r,
                )
                .await;
                channels::queue_round::<Lifo<Item>>(
                    &format!("{flavor} LifoQueue(3) #{round}"),
                    3,
                    items,
                    r,
                )
                .await;
            });
        }
    }
});

case!(mpsc_send_recv_cancelled, LIMIT, {
    let mut rng = Rng::from_env("mpsc_send_recv_cancelled");
    let items = size(5_000, 100_000) as u64;
    for (flavor, rt) in flavors() {
        for round in 0..size(4, 30) {
            rt.block_on(async {
                let r = &mut rng;
                channels::mpsc_round(&format!("{flavor} mpsc::channel(4) #{round}"), 4, items, r)
                    .await;
                channels::mpsc_round(&format!("{flavor} mpsc::channel(1) #{round}"), 1, items, r)
                    .await;
                channels::mpsc_round(&format!("{flavor} mpsc::unbounded #{round}"), 0, items, r)
                    .await;
            });
        }
    }
});

case!(oneshot_and_promise_wait_cancelled, LIMIT, {
    let mut rng = Rng::from_env("oneshot_and_promise_wait_cancelled");
    for (flavor, rt) in flavors() {
        rt.block_on(async {
            let r = &mut rng;
            channels::oneshot_round(&format!("{flavor} oneshot"), size(5_000, 100_000) as u64, r)
                .await;
            channels::promise_round(&format!("{flavor} Promise"), size(300, 5_000) as u64, r).await;
        });
    }
});

case!(broadcast_and_watch_recv_cancelled, LIMIT, {
    let mut rng = Rng::from_env("broadcast_and_watch_recv_cancelled");
    let items = size(5_000, 100_000) as u64;
    for (flavor, rt) in flavors() {
        for round in 0..size(4, 30) {
            rt.block_on(async {
                let r = &mut rng;
                // Room for every value: nothing may be missed at all.
                channels::broadcast_round(
                    &format!("{flavor} broadcast({items}) #{round}"),
                    items as usize,
                    items,
                    r,
                )
                .await;
                // A small ring: receivers lag, and are told exactly how much.
                channels::broadcast_round(&format!("{flavor} broadcast(2) #{round}"), 2, items, r)
                    .await;
                channels::watch_round(&format!("{flavor} watch #{round}"), items, r).await;
            });
        }
    }
});

case!(semaphore_acquire_cancelled, LIMIT, {
    let mut rng = Rng::from_env("semaphore_acquire_cancelled");
    let ops = size(300, 5_000);
    for (flavor, rt) in flavors() {
        for round in 0..size(4, 30) {
            rt.block_on(async {
                let r = &mut rng;
                locks::semaphore_round(&format!("{flavor} Semaphore(1) #{round}"), 1, ops, r).await;
                locks::semaphore_round(&format!("{flavor} Semaphore(3) #{round}"), 3, ops, r).await;
                locks::bounded_semaphore_round(
                    &format!("{flavor} BoundedSemaphore(2) #{round}"),
                    2,
                    ops,
                    r,
                )
                .await;
            });
        }
    }
});

case!(mutex_and_rwlock_lock_cancelled, LIMIT, {
    let mut rng = Rng::from_env("mutex_and_rwlock_lock_cancelled");
    let ops = size(300, 5_000);
    for (flavor, rt) in flavors() {
        for round in 0..size(4, 30) {
            rt.block_on(async {
                let r = &mut rng;
                locks::mutex_round(&format!("{flavor} Mutex #{round}"), ops, r).await;
                locks::rwlock_round(&format!("{flavor} RwLock #{round}"), ops, r).await;
            });
        }
    }
});

case!(barrier_and_event_wait_cancelled, LIMIT, {
    let mut rng = Rng::from_env("barrier_and_event_wait_cancelled");
    for (flavor, rt) in flavors() {
        rt.block_on(async {
            let r = &mut rng;
            notifications::barrier_withdraw().await;
            for round in 0..size(4, 30) {
                notifications::barrier_round(
                    &format!("{flavor} Barrier(3) #{round}"),
                    3,
                    size(100, 2_000),
                    r,
                )
                .await;
            }
            notifications::event_round(&format!("{flavor} Event"), size(300, 5_000), r).await;
        });
    }
});

case!(notify_and_condition_cancelled, LIMIT, {
    let mut rng = Rng::from_env("notify_and_condition_cancelled");
    let n = size(1_000, 20_000);
    for (flavor, rt) in flavors() {
        rt.block_on(async {
            let r = &mut rng;
            notifications::notify_round(&format!("{flavor} Notify"), n, r).await;
            notifications::condition_round(&format!("{flavor} Condition"), n, r).await;
        });
    }
});

case!(tcp_read_cancelled, LIMIT, {
    let mut rng = Rng::from_env("tcp_read_cancelled");
    let len = size(1 << 20, 16 << 20);
    for (flavor, rt) in flavors() {
        for round in 0..size(3, 10) {
            rt.block_on(sockets::read_round(
                &format!("{flavor} TcpStream read #{round}"),
                len,
                &mut rng,
            ));
        }
    }
});

case!(tcp_read_exact_cancelled, LIMIT, {
    let mut rng = Rng::from_env("tcp_read_exact_cancelled");
    let len = size(1 << 20, 16 << 20);
    for (flavor, rt) in flavors() {
        for round in 0..size(3, 10) {
            rt.block_on(sockets::read_exact_round(
                &format!("{flavor} TcpStream read_exact #{round}"),
                len,
                &mut rng,
            ));
        }
    }
});
