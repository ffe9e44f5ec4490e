//! Queue, LifoQueue, PriorityQueue: the seed's producer/consumer, task_done
//! and join, close, orders, FIFO fairness and cancellation after being chosen.

use super::util::{block_on, scaled, spawn, watchdog, Probe};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Arc, Mutex};
use crate::sync::{
    Closed, Event, LifoQueue, PriorityQueue, Queue, TaskDoneError, TryGetError, TryPutError,
};
use futures_util::future::{select, Either};
use std::pin::pin;
use std::time::Duration;

/// The seed's pattern: a producer, two consumers, `join` waits until every
/// item is `task_done`, then the consumers are cancelled (dropped).
#[test]
fn seed_producer_consumer_join_then_cancel_consumers() {
    watchdog("seed_producer_consumer", || {
        const ITEMS: usize = 50;
        let queue: Queue<Option<usize>> = Queue::new(3);
        let done = Arc::new(AtomicUsize::new(0));
        let consumed = Arc::new(Mutex::new(Vec::new()));
        let cancel = Arc::new(Event::new());

        let consumers: Vec<_> = (0..2)
            .map(|c| {
                let (queue, done, consumed, cancel) = (
                    queue.clone(),
                    done.clone(),
                    consumed.clone(),
                    cancel.clone(),
                );
                spawn(&format!("consumer-{c}"), move || {
                    let work = async {
                        loop {
                            let item = queue.get().await.expect("queue is never closed here");
                            assert!(queue.len() <= 3, "maxsize 3 exceeded");
                            let Some(item) = item else {
                                done.fetch_add(1, SeqCst);
                                queue.task_done().unwrap();
                                break;
                            };
                            consumed.lock().push(item);
                            std::thread::yield_now(); // "processing"
                            done.fetch_add(1, SeqCst);
                            queue.task_done().unwrap();
                        }
                        // Like the seed's consumer after the sentinel: idle
                        // until cancelled.
                        std::future::pending::<()>().await
                    };
                    // `consumer_task.cancel()`: the future is dropped mid-`get`.
                    match block_on(select(pin!(work), pin!(cancel.wait()))) {
                        Either::Left(_) => unreachable!("consumers run until cancelled"),
                        Either::Right(_) => {}
                    }
                })
            })
            .collect();

        let producer = {
            let queue = queue.clone();
            spawn("producer", move || {
                block_on(async {
                    for i in 0..ITEMS {
                        queue.put(Some(i)).await.unwrap();
                    }
                    queue.put(None).await.unwrap(); // the seed's sentinel
                })
            })
        };
        producer.join().unwrap();
        block_on(queue.join());
        assert_eq!(
            done.load(SeqCst),
            ITEMS + 1,
            "join returned before every task_done"
        );
        cancel.set();
        for c in consumers {
            c.join().unwrap();
        }
        let mut got = consumed.lock().clone();
        got.sort_unstable();
        assert_eq!(
            got,
            (0..ITEMS).collect::<Vec<_>>(),
            "each item consumed once"
        );
        assert!(queue.is_empty());
        assert_eq!(queue.task_done(), Err(TaskDoneError));
    });
}

#[test]
fn task_done_over_call_is_an_error_and_join_counts() {
    let q = Queue::new(0);
    assert_eq!(q.task_done(), Err(TaskDoneError));
    block_on(q.join()); // nothing outstanding: at once
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    let mut join = Probe::new(q.join());
    join.pending();
    assert_eq!(q.try_get(), Ok(1));
    q.task_done().unwrap();
    join.pending();
    assert_eq!(join.wakes(), 0);
    assert_eq!(q.try_get(), Ok(2));
    q.task_done().unwrap();
    assert_eq!(join.wakes(), 1, "the last task_done wakes the joiner");
    join.ready();
    assert_eq!(
        q.task_done(),
        Err(TaskDoneError),
        "over-call changes nothing"
    );
    assert!(TaskDoneError.to_string().contains("more times"));
}

#[test]
fn close_fails_puts_and_drains_gets() {
    let q: Queue<u32> = Queue::new(2);
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    let mut blocked_put = Probe::new(q.put(3));
    blocked_put.pending();
    assert!(q.is_full());
    q.close();
    assert!(q.is_closed());
    assert_eq!(blocked_put.wakes(), 1);
    assert_eq!(blocked_put.ready(), Err(Closed(3)), "value handed back");
    assert_eq!(q.try_put(4), Err(TryPutError::Closed(4)));
    assert_eq!(block_on(q.put(5)), Err(Closed(5)));
    assert_eq!(block_on(q.get()), Ok(1));
    assert_eq!(q.try_get(), Ok(2));
    assert_eq!(q.try_get(), Err(TryGetError::Closed));
    assert_eq!(block_on(q.get()), Err(Closed(())));

    // A getter waiting on an empty queue is woken by close and fails.
    let q: Queue<u32> = Queue::new(0);
    let mut getter = Probe::new(q.get());
    getter.pending();
    q.close();
    assert_eq!(getter.wakes(), 1);
    assert_eq!(getter.ready(), Err(Closed(())));
}

#[test]
fn orders_fifo_lifo_priority() {
    let fifo = Queue::new(0);
    let lifo = LifoQueue::new(0);
    let prio = PriorityQueue::new(0);
    for v in [3, 1, 4, 1, 5, 9, 2, 6] {
        fifo.try_put(v).unwrap();
        lifo.try_put(v).unwrap();
        prio.try_put(v).unwrap();
    }
    let drain = |f: &dyn Fn() -> Result<i32, TryGetError>| {
        std::iter::from_fn(|| f().ok()).collect::<Vec<_>>()
    };
    assert_eq!(drain(&|| fifo.try_get()), [3, 1, 4, 1, 5, 9, 2, 6]);
    assert_eq!(drain(&|| lifo.try_get()), [6, 2, 9, 5, 1, 4, 1, 3]);
    assert_eq!(drain(&|| prio.try_get()), [1, 1, 2, 3, 4, 5, 6, 9]);

    // asyncio style (priority, item) tuples, through the async API.
    let jobs = PriorityQueue::new(2);
    block_on(async {
        jobs.put((2, "write report")).await.unwrap();
        jobs.put((1, "fix bug")).await.unwrap();
        assert!(jobs.is_full());
        assert_eq!(jobs.get().await.unwrap(), (1, "fix bug"));
        assert_eq!(jobs.get().await.unwrap(), (2, "write report"));
    });
}

#[test]
fn sizes_and_try_errors() {
    let q = Queue::new(2);
    assert_eq!(q.maxsize(), 2);
    assert!(q.is_empty() && !q.is_full());
    q.try_put('a').unwrap();
    q.try_put('b').unwrap();
    assert_eq!(q.len(), 2);
    assert!(q.is_full());
    assert_eq!(q.try_put('c'), Err(TryPutError::Full('c')));
    assert_eq!(q.try_get(), Ok('a'));
    assert_eq!(q.try_get(), Ok('b'));
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
    let unbounded = Queue::new(0);
    for i in 0..scaled(10_000) {
        unbounded.try_put(i).unwrap();
    }
    assert!(!unbounded.is_full());
    assert_eq!(unbounded.len(), scaled(10_000));
}

#[test]
fn getters_are_served_fifo_and_nobody_barges() {
    let q = Queue::new(0);
    let mut getters: Vec<_> = (0..4).map(|_| Probe::new(q.get())).collect();
    for g in &mut getters {
        g.pending();
    }
    for (i, item) in [10, 11, 12, 13].into_iter().enumerate() {
        q.try_put(item).unwrap();
        // Only the head getter is woken, and the item is reserved for it.
        assert_eq!(getters[i].wakes(), 1);
        assert!(getters[i + 1..].iter().all(|g| g.wakes() == 0));
        assert_eq!(
            q.try_get(),
            Err(TryGetError::Empty),
            "try_get must not barge"
        );
    }
    // A reservation is for one item, not a particular one: whoever runs
    // first takes the oldest item. Every reserved getter gets one.
    let got: Vec<_> = getters
        .iter_mut()
        .rev()
        .map(|g| g.ready().unwrap())
        .collect();
    assert_eq!(got, [10, 11, 12, 13]);
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
}

#[test]
fn putters_are_served_fifo() {
    let q = Queue::new(1);
    q.try_put(0).unwrap();
    let mut putters: Vec<_> = (1..=3).map(|i| Probe::new(q.put(i))).collect();
    for p in &mut putters {
        p.pending();
    }
    for (i, p) in putters.iter_mut().enumerate() {
        assert_eq!(q.try_get(), Ok(i as i32));
        assert_eq!(p.wakes(), 1, "putter {i} is woken for the freed slot");
        assert_eq!(
            q.try_put(99),
            Err(TryPutError::Full(99)),
            "the slot is reserved"
        );
        p.ready().unwrap();
    }
    assert_eq!(q.try_get(), Ok(3));
}

#[test]
fn getter_cancelled_after_being_chosen_passes_the_item_on() {
    let q = Queue::new(0);
    let mut first = Probe::new(q.get());
    let mut second = Probe::new(q.get());
    first.pending();
    second.pending();
    q.try_put("x").unwrap();
    assert_eq!(first.wakes(), 1);
    drop(first); // chosen, then cancelled before it ran
    assert_eq!(second.wakes(), 1, "the turn passes to the next getter");
    assert_eq!(second.ready(), Ok("x"));

    // With nobody else waiting the item goes back to the queue.
    let mut lone = Probe::new(q.get());
    lone.pending();
    q.try_put("y").unwrap();
    drop(lone);
    assert_eq!(q.try_get(), Ok("y"));
}

#[test]
fn putter_cancelled_after_being_chosen_passes_the_slot_on() {
    let q = Queue::new(1);
    q.try_put(0).unwrap();
    let mut first = Probe::new(q.put(1));
    let mut second = Probe::new(q.put(2));
    first.pending();
    second.pending();
    assert_eq!(q.try_get(), Ok(0));
    assert_eq!(first.wakes(), 1);
    drop(first); // its value 1 was never put
    assert_eq!(second.wakes(), 1);
    second.ready().unwrap();
    assert_eq!(q.try_get(), Ok(2));
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
}

#[test]
fn blocking_forms_across_threads() {
    watchdog("queue_blocking_forms", || {
        let q = Queue::new(1);
        let producer = {
            let q = q.clone();
            spawn("blocking-producer", move || {
                for i in 0..100 {
                    q.blocking_put(i).unwrap();
                }
                q.close();
            })
        };
        let mut got = Vec::new();
        while let Ok(v) = q.blocking_get() {
            got.push(v);
        }
        producer.join().unwrap();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    });
}

#[test]
fn join_waits_across_threads() {
    watchdog("queue_join_across_threads", || {
        let q = Queue::new(0);
        for i in 0..20 {
            q.try_put(i).unwrap();
        }
        let worker = {
            let q = q.clone();
            spawn("worker", move || {
                while let Ok(_item) = q.try_get() {
                    std::thread::sleep(Duration::from_millis(1));
                    q.task_done().unwrap();
                }
            })
        };
        block_on(q.join());
        assert!(q.is_empty());
        worker.join().unwrap();
    });
}

#[test]
fn queue_and_futures_are_send_and_sync() {
    fn check<T: Send + Sync>(_: &T) {}
    let q: Queue<String> = Queue::new(1);
    check(&q);
    check(&q.get());
    check(&q.put(String::new()));
    check(&q.join());
    let p: PriorityQueue<u8> = PriorityQueue::new(0);
    check(&p);
}

/// A task looping on an always-ready queue must still yield: `get` spends
/// the cooperative budget and returns `Pending` (waking itself) when it is
/// exhausted.
#[test]
fn always_ready_get_yields_when_the_budget_is_spent() {
    let q = Queue::new(0);
    for i in 0..1_000 {
        q.try_put(i).unwrap();
    }
    let ((ready, woken), forced) = crate::coop::with_budget(|| {
        let mut ready = 0;
        loop {
            let mut get = Probe::new(q.get());
            if get.poll().is_pending() {
                break (ready, get.wakes());
            }
            ready += 1;
        }
    });
    assert!(forced, "the budget ran out");
    assert_eq!(ready, usize::from(crate::coop::BUDGET_PER_POLL));
    assert_eq!(woken, 1, "a budget-forced Pending wakes the task");
    assert_eq!(q.len(), 1_000 - ready, "the forced Pending took no item");
}
