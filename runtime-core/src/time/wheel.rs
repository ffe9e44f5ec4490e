//! The hierarchical timing wheel: 6 levels of 64 slots, 1 tick = 1 ms.
//!
//! Time is a `u64` count of ticks. The wheel remembers `elapsed`, the tick up
//! to which it has been advanced: every entry whose deadline is `<= elapsed`
//! has been handed out by [`Wheel::poll`]. An entry with deadline `d > elapsed`
//! lives on exactly one list:
//!
//! - **a slot.** Write `d` and `elapsed` in base 64 (6 bits per digit). The
//!   entry's level is the most significant digit in which they differ, and its
//!   slot is `d`'s digit at that level. So the entry shares every higher digit
//!   with `elapsed`, and its digit at its level is strictly greater than
//!   `elapsed`'s. The slot "starts" at `d` with all lower digits zeroed, a tick
//!   that is `> elapsed` and `<= d`. When `elapsed` reaches a slot's start the
//!   slot is emptied and its entries are reinserted (they land on a lower
//!   level, "cascading") or handed out when due.
//! - **the overflow list**, when `d` is not within `elapsed`'s current
//!   rotation of the top level (`d` and `elapsed` differ above bit 36: the
//!   deadline is up to ~2.2 years away and across a top-level wrap, or further).
//!   It is reinserted when `elapsed` reaches the start of the next top-level
//!   rotation; entries still too far stay on it for one more rotation.
//! - **the expired list**: entries found due while advancing, waiting to be
//!   handed out one at a time by `poll` (so a caller can hand them out in
//!   batches and drop its lock in between, and still remove any of them).
//!
//! Every slot start is `> elapsed`, and all slots of level `l` start before
//! any slot of level `l + 1`, which all start before the overflow list's
//! rotation. So the next point where work is due is the lowest occupied slot of
//! the lowest occupied level (a 64-bit occupancy word per level), and
//! advancing `elapsed` straight to a tick before that point keeps every
//! entry's placement valid. Insert and remove are O(1): each list is doubly
//! linked through slab keys.

use slab::Slab;

/// Number of levels.
pub(crate) const LEVELS: usize = 6;
/// Slots per level.
pub(crate) const SLOTS: usize = 64;
const SLOT_BITS: u32 = 6;
const SLOT_MASK: u64 = SLOTS as u64 - 1;
/// Ticks covered by one rotation of the top level: 64^6 = 2^36 (~2.2 years).
pub(crate) const WHEEL_SPAN: u64 = 1 << (SLOT_BITS as u64 * LEVELS as u64);
/// Deadlines beyond this are clamped to it (it is ~36 million years of ms,
/// so a clamped timer still never fires early in practice); keeping two bits
/// of headroom means no tick arithmetic can overflow.
pub(crate) const MAX_TICK: u64 = u64::MAX >> 2;

/// The list id of the overflow list (after the `LEVELS * SLOTS` slot lists).
const OVERFLOW: usize = LEVELS * SLOTS;
/// The list id of the expired list.
const EXPIRED: usize = OVERFLOW + 1;
const LISTS: usize = EXPIRED + 1;
/// "No node" in the intrusive links.
const NIL: u32 = u32::MAX;
/// Past this many vacant entries, an empty wheel gives its slab back.
const SHRINK_CAPACITY: usize = 1 << 16;

/// A key naming an entry while it is in the wheel.
pub(crate) type Key = usize;

struct Node<T> {
    value: T,
    deadline: u64,
    prev: u32,
    next: u32,
    /// The id of the list holding this node.
    list: u16,
}

/// A hierarchical timing wheel holding values of type `T`.
pub(crate) struct Wheel<T> {
    nodes: Slab<Node<T>>,
    /// Head of each list (slot lists, then overflow, then expired).
    heads: Box<[u32; LISTS]>,
    /// Bit `s` of `occupied[l]` is set iff slot `s` of level `l` is non-empty.
    occupied: [u64; LEVELS],
    elapsed: u64,
}

impl<T> Wheel<T> {
    /// An empty wheel at tick 0.
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn new() -> Self {
        Self::starting_at(0)
    }

    /// An empty wheel whose time starts at tick `elapsed` (tests use this to
    /// put the wheel right before a top-level wrap).
    pub(crate) fn starting_at(elapsed: u64) -> Self {
        Self {
            nodes: Slab::new(),
            heads: Box::new([NIL; LISTS]),
            occupied: [0; LEVELS],
            elapsed: elapsed.min(MAX_TICK),
        }
    }

    /// The tick up to which the wheel has been advanced.
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Number of entries in the wheel (including due ones not yet polled).
    #[cfg(any(test, runtime_loom))]
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the wheel holds no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Inserts `value` to be due at tick `deadline`. Fails, giving the value
    /// back, when `deadline <= elapsed` (it is due already).
    pub(crate) fn insert(&mut self, deadline: u64, value: T) -> Result<Key, T> {
        if deadline <= self.elapsed {
            return Err(value);
        }
        let deadline = deadline.min(MAX_TICK);
        let key = self.nodes.insert(Node {
            value,
            deadline,
            prev: NIL,
            next: NIL,
            list: 0,
        });
        assert!(
            key < NIL as usize,
            "runtime::time: more than {} timers pending at once",
            NIL
        );
        let list = self.list_for(deadline);
        self.link(key as u32, list);
        Ok(key)
    }

    /// Removes the entry `key` (which must be in the wheel) and returns its
    /// value.
    pub(crate) fn remove(&mut self, key: Key) -> T {
        self.unlink(key as u32);
        let node = self.nodes.remove(key);
        if self.nodes.is_empty() && self.nodes.capacity() > SHRINK_CAPACITY {
            self.nodes = Slab::new();
        }
        node.value
    }

    /// Moves entry `key` to deadline `deadline`, keeping its key. Returns
    /// `false`, changing nothing, when `deadline <= elapsed`.
    pub(crate) fn reset(&mut self, key: Key, deadline: u64) -> bool {
        if deadline <= self.elapsed {
            return false;
        }
        let deadline = deadline.min(MAX_TICK);
        self.unlink(key as u32);
        self.nodes[key].deadline = deadline;
        let list = self.list_for(deadline);
        self.link(key as u32, list);
        true
    }

    /// The value of entry `key`.
    pub(crate) fn get_mut(&mut self, key: Key) -> &mut T {
        &mut self.nodes[key].value
    }

    /// The tick at which the wheel next has work: an entry's deadline, or the
    /// start of a slot to cascade (never later than the earliest deadline).
    /// `Some(elapsed)` when entries are due and not yet polled; `None` when
    /// the wheel is empty.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        if self.heads[EXPIRED] != NIL {
            return Some(self.elapsed);
        }
        self.next_expiration().map(|(tick, _)| tick)
    }

    /// Advances the wheel to `now` and hands out one entry whose deadline is
    /// `<= now`, with that deadline. Returns `None` when no entry is due at
    /// `now`; the wheel has then advanced to `now` (it never goes back: a
    /// `now` earlier than `elapsed` advances nothing).
    pub(crate) fn poll(&mut self, now: u64) -> Option<(u64, T)> {
        let now = now.min(MAX_TICK);
        loop {
            let head = self.heads[EXPIRED];
            if head != NIL {
                let deadline = self.nodes[head as usize].deadline;
                return Some((deadline, self.remove(head as usize)));
            }
            match self.next_expiration() {
                Some((start, list)) if start <= now => {
                    debug_assert!(start > self.elapsed, "a slot starts in the past");
                    self.elapsed = start;
                    self.cascade(list, now);
                }
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            }
        }
    }

    /// Removes every entry, returning their values (for shutdown).
    pub(crate) fn drain(&mut self) -> Vec<T> {
        let nodes = std::mem::take(&mut self.nodes);
        self.heads.fill(NIL);
        self.occupied = [0; LEVELS];
        nodes.into_iter().map(|(_, node)| node.value).collect()
    }

    /// The first slot (or the overflow list) to process, with the tick at
    /// which it starts.
    fn next_expiration(&self) -> Option<(u64, usize)> {
        for level in 0..LEVELS {
            let occupied = self.occupied[level];
            if occupied == 0 {
                continue;
            }
            let slot = u64::from(occupied.trailing_zeros());
            let shift = SLOT_BITS * level as u32;
            // Ticks covered by one rotation of this level.
            let rotation = 1u64 << (shift + SLOT_BITS);
            let rotation_start = self.elapsed & !(rotation - 1);
            debug_assert!(
                slot > (self.elapsed >> shift) & SLOT_MASK,
                "an occupied slot is not ahead of elapsed"
            );
            let start = rotation_start + (slot << shift);
            return Some((start, level * SLOTS + slot as usize));
        }
        if self.heads[OVERFLOW] != NIL {
            // The start of the next rotation of the top level.
            return Some(((self.elapsed | (WHEEL_SPAN - 1)) + 1, OVERFLOW));
        }
        None
    }

    /// The list an entry due at `deadline` (> elapsed) belongs on.
    fn list_for(&self, deadline: u64) -> usize {
        debug_assert!(deadline > self.elapsed);
        let differing = self.elapsed ^ deadline;
        if differing >= WHEEL_SPAN {
            return OVERFLOW;
        }
        let top_bit = 63 - (differing | SLOT_MASK).leading_zeros();
        let level = (top_bit / SLOT_BITS) as usize;
        let slot = (deadline >> (SLOT_BITS * level as u32)) & SLOT_MASK;
        level * SLOTS + slot as usize
    }

    /// Empties `list` (whose start `elapsed` has just reached) and reinserts
    /// its entries: the ones due by `now` onto the expired list, the others
    /// onto the list their deadline now calls for (a lower level).
    fn cascade(&mut self, list: usize, now: u64) {
        let mut key = self.heads[list];
        self.heads[list] = NIL;
        self.mark_empty(list);
        while key != NIL {
            let node = &mut self.nodes[key as usize];
            let next = node.next;
            let deadline = node.deadline;
            let target = if deadline <= now {
                EXPIRED
            } else {
                self.list_for(deadline)
            };
            self.link(key, target);
            key = next;
        }
    }

    /// Pushes node `key` at the front of `list`.
    fn link(&mut self, key: u32, list: usize) {
        let head = self.heads[list];
        {
            let node = &mut self.nodes[key as usize];
            node.prev = NIL;
            node.next = head;
            node.list = list as u16;
        }
        if head != NIL {
            self.nodes[head as usize].prev = key;
        }
        self.heads[list] = key;
        if list < OVERFLOW {
            self.occupied[list / SLOTS] |= 1 << (list % SLOTS);
        }
    }

    /// Takes node `key` off its list.
    fn unlink(&mut self, key: u32) {
        let (prev, next, list) = {
            let node = &self.nodes[key as usize];
            (node.prev, node.next, usize::from(node.list))
        };
        if prev == NIL {
            debug_assert_eq!(self.heads[list], key);
            self.heads[list] = next;
            if next == NIL {
                self.mark_empty(list);
            }
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next != NIL {
            self.nodes[next as usize].prev = prev;
        }
    }

    fn mark_empty(&mut self, list: usize) {
        if list < OVERFLOW {
            self.occupied[list / SLOTS] &= !(1 << (list % SLOTS));
        }
    }

    /// Checks every structural invariant (tests only).
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn check_invariants(&self) {
        let mut seen = 0;
        for list in 0..LISTS {
            let mut key = self.heads[list];
            let mut prev = NIL;
            if list < OVERFLOW {
                let bit = self.occupied[list / SLOTS] & (1 << (list % SLOTS)) != 0;
                assert_eq!(bit, key != NIL, "occupancy bit of list {list}");
            }
            while key != NIL {
                let node = &self.nodes[key as usize];
                assert_eq!(node.prev, prev);
                assert_eq!(usize::from(node.list), list);
                if list == EXPIRED {
                    assert!(node.deadline <= self.elapsed);
                } else {
                    assert!(node.deadline > self.elapsed, "a pending entry is overdue");
                    assert_eq!(self.list_for(node.deadline), list, "misplaced entry");
                }
                seen += 1;
                prev = key;
                key = node.next;
            }
        }
        assert_eq!(seen, self.nodes.len(), "an entry is on no list");
    }
}

impl<T> std::fmt::Debug for Wheel<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wheel")
            .field("elapsed", &self.elapsed)
            .field("len", &self.nodes.len())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(runtime_loom)))]
#[path = "wheel_tests.rs"]
mod tests;
