//! Unit tests of the timing wheel (pure data structure: no threads, no time).

use super::*;
use crate::time::test_util::Rng;
use std::collections::BTreeMap;

/// Polls everything due at `now`, returning `(deadline, value)` pairs.
fn drain_due(wheel: &mut Wheel<u64>, now: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    while let Some(fired) = wheel.poll(now) {
        out.push(fired);
    }
    out
}

#[test]
#[cfg_attr(
    miri,
    ignore = "300,000 ticks: too slow under miri; no unsafe code involved"
)]
fn fires_in_deadline_order_exactly_at_the_deadline() {
    let mut wheel = Wheel::new();
    let deadlines = [5, 3, 100, 64, 63, 4096 + 7, 1, 262_144 + 3, 4096, 65];
    for d in deadlines {
        wheel.insert(d, d).unwrap();
    }
    wheel.check_invariants();
    let mut fired = Vec::new();
    for now in 0..=300_000 {
        for (deadline, value) in drain_due(&mut wheel, now) {
            assert_eq!(deadline, value);
            assert_eq!(
                deadline, now,
                "stepped tick by tick, an entry fires at its deadline"
            );
            fired.push(deadline);
        }
    }
    let mut sorted = deadlines.to_vec();
    sorted.sort_unstable();
    assert_eq!(fired, sorted);
    assert_eq!(wheel.len(), 0);
    assert_eq!(wheel.next_deadline(), None);
}

#[test]
fn insert_at_or_before_elapsed_is_refused() {
    let mut wheel = Wheel::starting_at(10);
    assert_eq!(wheel.insert(10, 1), Err(1));
    assert_eq!(wheel.insert(3, 2), Err(2));
    assert!(wheel.insert(11, 3).is_ok());
    assert_eq!(wheel.next_deadline(), Some(11));
}

#[test]
fn removed_entries_never_fire() {
    let mut wheel = Wheel::new();
    let keep = wheel.insert(10, 10).unwrap();
    let gone = wheel.insert(10, 99).unwrap();
    let far = wheel.insert(1_000_000, 98).unwrap();
    assert_eq!(wheel.remove(gone), 99);
    assert_eq!(wheel.remove(far), 98);
    wheel.check_invariants();
    assert_eq!(drain_due(&mut wheel, 2_000_000), vec![(10, 10)]);
    let _ = keep;
    assert_eq!(wheel.len(), 0);
}

#[test]
fn an_entry_that_cascaded_can_be_removed() {
    let mut wheel = Wheel::new();
    // 5000 = 1 * 4096 + 14 * 64 + 8: level 2, then level 1, then level 0.
    let key = wheel.insert(5000, 5000).unwrap();
    let other = wheel.insert(6000, 6000).unwrap();
    assert_eq!(wheel.next_deadline(), Some(4096));
    assert!(drain_due(&mut wheel, 4096).is_empty());
    wheel.check_invariants();
    assert_eq!(wheel.next_deadline(), Some(4992), "cascaded to level 1");
    assert!(drain_due(&mut wheel, 4992).is_empty());
    assert_eq!(wheel.next_deadline(), Some(5000), "cascaded to level 0");
    assert_eq!(wheel.remove(key), 5000);
    wheel.check_invariants();
    assert_eq!(
        wheel.next_deadline(),
        Some(4096 + 1856),
        "6000's level-1 slot"
    );
    assert_eq!(drain_due(&mut wheel, 10_000), vec![(6000, 6000)]);
    let _ = other;
}

#[test]
fn next_deadline_across_levels() {
    // (elapsed, deadline, the slot starts visited before the deadline)
    let cases: &[(u64, u64, &[u64])] = &[
        (0, 1, &[]),
        (0, 63, &[]),
        (0, 64, &[]),
        (0, 100, &[64]),
        (0, 5000, &[4096, 4992]),
        (0, 262_144 + 3, &[262_144]),
        (50, 70, &[64]),
        (63, 64, &[]),
        (
            0,
            WHEEL_SPAN - 1,
            &[
                WHEEL_SPAN - (1 << 30),
                WHEEL_SPAN - (1 << 24),
                WHEEL_SPAN - (1 << 18),
                WHEEL_SPAN - (1 << 12),
                WHEEL_SPAN - 64,
            ],
        ),
        // Across the top-level wrap: the overflow list, then the new rotation.
        (WHEEL_SPAN - 1, WHEEL_SPAN, &[]),
        (
            WHEEL_SPAN - 10,
            WHEEL_SPAN + 100,
            &[WHEEL_SPAN, WHEEL_SPAN + 64],
        ),
        (
            5,
            3 * WHEEL_SPAN + 1,
            &[WHEEL_SPAN, 2 * WHEEL_SPAN, 3 * WHEEL_SPAN],
        ),
    ];
    for &(elapsed, deadline, steps) in cases {
        let mut wheel = Wheel::starting_at(elapsed);
        wheel.insert(deadline, deadline).unwrap();
        for &step in steps {
            assert_eq!(
                wheel.next_deadline(),
                Some(step),
                "elapsed {elapsed}, deadline {deadline}"
            );
            assert!(drain_due(&mut wheel, step).is_empty());
            wheel.check_invariants();
        }
        assert_eq!(
            wheel.next_deadline(),
            Some(deadline),
            "elapsed {elapsed}: finally the deadline itself"
        );
        assert!(drain_due(&mut wheel, deadline - 1).is_empty());
        assert_eq!(drain_due(&mut wheel, deadline), vec![(deadline, deadline)]);
    }
}

#[test]
fn next_deadline_is_the_minimum_over_levels() {
    let mut wheel = Wheel::starting_at(1000);
    wheel.insert(1_000_000, 1).unwrap();
    wheel.insert(1010, 2).unwrap();
    wheel.insert(50_000, 3).unwrap();
    assert_eq!(wheel.next_deadline(), Some(1010));
    assert_eq!(drain_due(&mut wheel, 1010), vec![(1010, 2)]);
    // 50_000 = 12 * 4096 + 13 * 64 + 16: level 2 slot 12 (elapsed is in slot 0).
    assert_eq!(wheel.next_deadline(), Some(12 * 4096));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "20,000 entries: too slow under miri; no unsafe code involved"
)]
fn random_deadlines_never_fire_early_or_late() {
    for (seed, start) in [
        (1, 0),
        (2, WHEEL_SPAN - 5_000),
        (3, 7 * WHEEL_SPAN - 1),
        ((1 << 40) + 12345, (1 << 50) - 77),
    ] {
        let mut rng = Rng::new(seed);
        let mut wheel = Wheel::starting_at(start);
        let mut expected: BTreeMap<u64, u64> = BTreeMap::new(); // value -> deadline
        let mut keys = Vec::new();
        let mut now = start;
        let mut next_value = 0u64;
        for round in 0..400 {
            for _ in 0..50 {
                // A delay whose magnitude spans every level and the overflow.
                let bits = rng.below(44) as u32;
                let delay = 1 + rng.below(1u64 << bits);
                let deadline = now + delay;
                let key = wheel.insert(deadline, next_value).unwrap();
                expected.insert(next_value, deadline);
                keys.push((key, next_value));
                next_value += 1;
            }
            // Remove a few still-pending entries.
            for _ in 0..10 {
                if keys.is_empty() {
                    break;
                }
                let i = rng.below(keys.len() as u64) as usize;
                let (key, value) = keys.swap_remove(i);
                if expected.contains_key(&value) {
                    assert_eq!(wheel.remove(key), value);
                    expected.remove(&value);
                }
            }
            // Advance by a step of random magnitude.
            let bits = rng.below(if round % 50 == 0 { 40 } else { 20 }) as u32;
            now += rng.below(1u64 << bits);
            for (deadline, value) in drain_due(&mut wheel, now) {
                assert!(
                    deadline <= now,
                    "fired early: deadline {deadline}, now {now}"
                );
                assert_eq!(expected.remove(&value), Some(deadline));
            }
            assert!(
                expected.values().all(|&d| d > now),
                "an entry due at {now} did not fire"
            );
            keys.retain(|(_, v)| expected.contains_key(v));
            assert_eq!(wheel.len(), expected.len());
            if round % 20 == 0 {
                wheel.check_invariants();
            }
            if let Some(next) = wheel.next_deadline() {
                let min = expected.values().min().copied().unwrap();
                assert!(next > now && next <= min, "next {next}, earliest {min}");
            }
        }
    }
}

#[test]
fn a_wheel_near_and_past_the_top_level_wrap_keeps_working() {
    let start = WHEEL_SPAN - 20;
    let mut wheel = Wheel::starting_at(start);
    let deadlines = [
        WHEEL_SPAN - 5,
        WHEEL_SPAN,
        WHEEL_SPAN + 3,
        WHEEL_SPAN + 64 * 64 + 1,
        start + WHEEL_SPAN - 1, // just under one full span away
        start + WHEEL_SPAN + 5, // more than the wheel spans: overflow
        2 * WHEEL_SPAN + 9,
        10 * WHEEL_SPAN + 1, // ~22 years
    ];
    for d in deadlines {
        wheel.insert(d, d).unwrap();
    }
    wheel.check_invariants();
    let mut fired = Vec::new();
    let mut now = start;
    // Jump from one point of work to the next, as a driver does.
    while let Some(next) = wheel.next_deadline() {
        assert!(next >= now);
        now = next;
        for (deadline, value) in drain_due(&mut wheel, now) {
            assert_eq!(deadline, value);
            assert_eq!(deadline, now, "jumping between work points fires on time");
            fired.push(deadline);
        }
        wheel.check_invariants();
    }
    let mut sorted = deadlines.to_vec();
    sorted.sort_unstable();
    assert_eq!(fired, sorted);

    // After wrapping several times the wheel accepts and fires new timers.
    for delay in [1, 63, 64, 1000, 1 << 20, WHEEL_SPAN - 1, WHEEL_SPAN + 1] {
        let d = now + delay;
        wheel.insert(d, d).unwrap();
        assert_eq!(drain_due(&mut wheel, d - 1), vec![]);
        assert_eq!(drain_due(&mut wheel, d), vec![(d, d)]);
        now = d;
    }
}

#[test]
fn reset_moves_an_entry() {
    let mut wheel = Wheel::new();
    let key = wheel.insert(5000, 1).unwrap();
    assert!(wheel.reset(key, 20));
    assert_eq!(wheel.next_deadline(), Some(20));
    assert!(drain_due(&mut wheel, 19).is_empty());
    assert!(
        !wheel.reset(key, 19),
        "a deadline at or before elapsed is refused"
    );
    assert!(wheel.reset(key, 100_000));
    wheel.check_invariants();
    assert!(drain_due(&mut wheel, 5000).is_empty());
    assert_eq!(drain_due(&mut wheel, 100_000), vec![(100_000, 1)]);
}

#[test]
fn time_never_goes_back() {
    let mut wheel = Wheel::starting_at(100);
    assert!(drain_due(&mut wheel, 50).is_empty());
    assert_eq!(wheel.elapsed(), 100);
    wheel.insert(101, 1).unwrap();
    assert!(drain_due(&mut wheel, 60).is_empty());
    assert_eq!(drain_due(&mut wheel, 101), vec![(101, 1)]);
}

#[test]
fn huge_deadlines_are_clamped_not_wrapped() {
    let mut wheel = Wheel::starting_at(MAX_TICK - 10);
    wheel.insert(u64::MAX, 1).unwrap();
    assert!(drain_due(&mut wheel, MAX_TICK - 1).is_empty());
    assert_eq!(drain_due(&mut wheel, u64::MAX), vec![(MAX_TICK, 1)]);
}

#[test]
fn drain_empties_the_wheel() {
    let mut wheel = Wheel::new();
    for d in [1, 100, 10_000, 1 << 40] {
        wheel.insert(d, d).unwrap();
    }
    let mut values = wheel.drain();
    values.sort_unstable();
    assert_eq!(values, vec![1, 100, 10_000, 1 << 40]);
    assert_eq!(wheel.len(), 0);
    assert_eq!(wheel.next_deadline(), None);
    wheel.check_invariants();
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a million entries: too slow under miri; no unsafe code involved"
)]
fn a_million_entries_inserted_and_removed() {
    const N: usize = 1_000_000;
    let mut rng = Rng::new(42);
    let mut wheel = Wheel::new();
    let mut keys = Vec::with_capacity(N);
    for i in 0..N {
        let bits = rng.below(40) as u32;
        let deadline = 1 + rng.below(1u64 << bits);
        keys.push((wheel.insert(deadline, i as u64).unwrap(), i as u64));
    }
    assert_eq!(wheel.len(), N);
    wheel.check_invariants();
    // Remove half in random order, fire the rest.
    for i in (1..keys.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        keys.swap(i, j);
    }
    for &(key, value) in &keys[..N / 2] {
        assert_eq!(wheel.remove(key), value);
    }
    assert_eq!(wheel.len(), N - N / 2);
    let mut fired = 0;
    while let Some(next) = wheel.next_deadline() {
        while let Some((deadline, _)) = wheel.poll(next) {
            assert!(deadline <= next);
            fired += 1;
        }
    }
    assert_eq!(fired, N - N / 2);
    assert_eq!(wheel.len(), 0);
    assert!(
        wheel.nodes.capacity() <= SHRINK_CAPACITY,
        "an emptied wheel gives its memory back"
    );
}
