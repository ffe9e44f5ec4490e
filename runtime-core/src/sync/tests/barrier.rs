//! Barrier: rounds, one leader per round, cancellation withdraws.

use super::util::{block_on, scaled, spawn, watchdog, Probe};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Arc;
use crate::sync::Barrier;

#[test]
fn rounds_release_together_with_one_leader_each() {
    watchdog("barrier_rounds", || {
        const ROUNDS: usize = scaled(200);
        let barrier = Arc::new(Barrier::new(4));
        let leaders = Arc::new(AtomicUsize::new(0));
        let passed = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let (barrier, leaders, passed) = (barrier.clone(), leaders.clone(), passed.clone());
                spawn(&format!("barrier-{i}"), move || {
                    for round in 0..ROUNDS {
                        // Passing round r-1 needed all 4 to finish round r-2,
                        // and nobody can be past round r+1 yet.
                        let seen = passed.load(SeqCst);
                        assert!(seen >= round.saturating_sub(1) * 4, "round {round}: {seen}");
                        assert!(seen <= (round + 1) * 4, "round {round}: {seen}");
                        let res = block_on(barrier.wait());
                        passed.fetch_add(1, SeqCst);
                        if res.is_leader() {
                            leaders.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(leaders.load(SeqCst), ROUNDS);
    });
}

#[test]
fn cancelled_waiter_withdraws_from_the_round() {
    let b = Barrier::new(3);
    let mut a = Probe::new(b.wait());
    let mut c = Probe::new(b.wait());
    a.pending();
    c.pending();
    assert_eq!(b.n_waiting(), 2);
    drop(c);
    assert_eq!(b.n_waiting(), 1, "the cancelled task no longer counts");
    let mut d = Probe::new(b.wait());
    d.pending();
    let leader = Probe::new(b.wait()).ready();
    assert!(leader.is_leader());
    assert_eq!((a.wakes(), d.wakes()), (1, 1));
    assert!(!a.ready().is_leader());
    // d was released but is cancelled before it ran: the round stays done.
    drop(d);
    assert_eq!(b.n_waiting(), 0);
    assert_eq!(b.parties(), 3);
}

#[test]
fn zero_parties_behaves_like_one() {
    let b = Barrier::new(0);
    assert!(block_on(b.wait()).is_leader());
}
