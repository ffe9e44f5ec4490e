//! Spawn sites: a task's spawn `Location`, interned to a 4-byte index.
//!
//! Every task records where it was spawned (`TaskInfo::location`, the
//! slow-poll and failure reports), and a `&'static Location` is 8 bytes of
//! every task header. A program has a fixed, small set of spawn call sites,
//! so the header keeps a `u32` index into a process-wide table of them
//! instead: 4 bytes that pack with the header's other `u32` fields.
//!
//! - **Interning** ([`SpawnSite::of`]) is on the spawn path, so each thread
//!   keeps a small direct-mapped cache (location address -> index): a spawn
//!   from a site this thread used recently costs a thread-local lookup and
//!   one comparison. A miss takes the table's mutex (a hash lookup, and an
//!   append the first time the site is seen anywhere).
//! - **Resolving** ([`SpawnSite::location`]) takes the mutex: it only runs
//!   for diagnostics (`all_tasks`, dumps, reports).
//!
//! The table only grows, by at most one entry per distinct call site
//! (locations are compared by address; the same `Location::caller()` site
//! always yields the same `&'static`). The statics are std's even under
//! loom (a loom primitive cannot live in a static); nothing in the model
//! synchronises through them, and no loom operation runs under the lock.

use crate::loom::thread_local_const;
use std::cell::Cell;
use std::collections::HashMap;
use std::panic::Location;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Index of a spawn location in the process-wide table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct SpawnSite(u32);

#[derive(Default)]
struct Table {
    sites: Vec<&'static Location<'static>>,
    /// Location address -> index in `sites`.
    index: HashMap<usize, u32>,
}

static TABLE: Mutex<Option<Table>> = Mutex::new(None);

/// Entries of each thread's cache (a power of two).
const CACHE_SLOTS: usize = 16;

thread_local_const! {
    /// (location address, index); address 0 never matches.
    static CACHE: [Cell<(usize, u32)>; CACHE_SLOTS] =
        [const { Cell::new((0, 0)) }; CACHE_SLOTS];
}

fn table() -> MutexGuard<'static, Option<Table>> {
    // Nothing panics while holding the lock but an allocation failure; the
    // table is consistent at every step either way.
    TABLE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn address(location: &'static Location<'static>) -> usize {
    (location as *const Location<'static>).addr()
}

impl SpawnSite {
    /// The index of `location`, interning it on first use.
    pub(crate) fn of(location: &'static Location<'static>) -> SpawnSite {
        let addr = address(location);
        // `Location`s are 8-aligned and usually close together: mix the
        // bits above the alignment so nearby sites use different slots.
        let slot = ((addr >> 3) ^ (addr >> 7)) & (CACHE_SLOTS - 1);
        let cached = CACHE.try_with(|cache| {
            let (seen, index) = cache[slot].get();
            if seen == addr {
                return index;
            }
            let index = intern(location, addr);
            cache[slot].set((addr, index));
            index
        });
        // During thread teardown: straight to the table.
        SpawnSite(cached.unwrap_or_else(|_| intern(location, addr)))
    }

    /// The location this index stands for.
    pub(crate) fn location(self) -> &'static Location<'static> {
        let table = table();
        let table = table.as_ref().expect("a spawn site was interned");
        table.sites[self.0 as usize]
    }
}

#[cold]
fn intern(location: &'static Location<'static>, addr: usize) -> u32 {
    let mut table = table();
    let table = table.get_or_insert_with(Table::default);
    if let Some(&index) = table.index.get(&addr) {
        return index;
    }
    let index = u32::try_from(table.sites.len()).expect("more than u32::MAX spawn sites");
    table.sites.push(location);
    table.index.insert(addr, index);
    index
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[track_caller]
    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    #[test]
    fn sites_round_trip_and_repeat() {
        let a = here();
        let b = here();
        let (sa, sb) = (SpawnSite::of(a), SpawnSite::of(b));
        assert_ne!(sa, sb, "two call sites, two indices");
        assert_eq!(SpawnSite::of(a), sa, "the same site again (cached)");
        assert!(std::ptr::eq(sa.location(), a));
        assert!(std::ptr::eq(sb.location(), b));
        let other_thread = std::thread::spawn(move || SpawnSite::of(a)).join().unwrap();
        assert_eq!(other_thread, sa, "one table for every thread");
    }
}
