//! The table of registered sources and the tokens that name them.
//!
//! A token packs a slab index (low [`INDEX_BITS`] bits) and the generation of
//! the registration that holds that index. Slots are reused, generations are
//! not (until they wrap), so an event for a source that has since been
//! deregistered, and whose slot now holds another source, fails the
//! generation check and is ignored.

use std::io;
use std::sync::Arc;
use std::task::Waker;

use mio::Token;
use slab::Slab;

use super::scheduled_io::ScheduledIo;
use super::shutdown_error;

const INDEX_BITS: u32 = 24;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// The slab never grows to this index, so no source token can equal
/// [`WAKER_TOKEN`] (all bits set).
const MAX_SOURCES: usize = INDEX_MASK;
const GENERATION_MASK: usize = usize::MAX >> INDEX_BITS;

/// The token of the `mio::Waker` that interrupts the poll.
pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX);

#[derive(Debug)]
struct Entry {
    generation: usize,
    io: Arc<ScheduledIo>,
}

/// Every live registration of one reactor.
#[derive(Debug, Default)]
pub(crate) struct SourceTable {
    entries: Slab<Entry>,
    next_generation: usize,
    /// Set once by the reactor thread when it shuts down; no insert after.
    is_shutdown: bool,
}

fn split(token: Token) -> (usize, usize) {
    (token.0 & INDEX_MASK, token.0 >> INDEX_BITS)
}

impl SourceTable {
    /// Allocates a slot and its shared state for a new source.
    pub(crate) fn insert(&mut self) -> io::Result<(Token, Arc<ScheduledIo>)> {
        if self.is_shutdown {
            return Err(shutdown_error());
        }
        if self.entries.len() >= MAX_SOURCES {
            return Err(io::Error::other(
                "runtime::net: too many I/O sources registered with the reactor",
            ));
        }
        let generation = self.next_generation;
        self.next_generation = (generation + 1) & GENERATION_MASK;
        let io = Arc::new(ScheduledIo::new());
        let index = self.entries.insert(Entry {
            generation,
            io: Arc::clone(&io),
        });
        debug_assert!(index < MAX_SOURCES);
        Ok((Token((generation << INDEX_BITS) | index), io))
    }

    /// The source named by `token`, if it is still the one registered there.
    pub(crate) fn get(&self, token: Token) -> Option<&ScheduledIo> {
        let (index, generation) = split(token);
        self.entries
            .get(index)
            .filter(|entry| entry.generation == generation)
            .map(|entry| &*entry.io)
    }

    /// Frees the slot of `token` (no-op if it was already freed at shutdown).
    pub(crate) fn remove(&mut self, token: Token) {
        if self.get(token).is_some() {
            self.entries.remove(split(token).0);
        }
    }

    /// Marks every source shut down, moves all their wakers to `out` and
    /// empties the table; later inserts fail.
    pub(crate) fn shutdown(&mut self, out: &mut Vec<Waker>) {
        self.is_shutdown = true;
        for entry in self.entries.drain() {
            entry.io.set_shutdown();
            entry.io.take_all_wakers(out);
        }
    }

    /// Number of live registrations.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_token_of_a_reused_slot_is_ignored() {
        let mut table = SourceTable::default();
        let (old, _) = table.insert().unwrap();
        table.remove(old);
        let (new, _) = table.insert().unwrap();
        assert_eq!(split(old).0, split(new).0, "slot reused");
        assert!(table.get(old).is_none(), "stale token matched");
        assert!(table.get(new).is_some());
        table.remove(old);
        assert_eq!(table.len(), 1, "stale remove freed the new source");
    }

    #[test]
    fn no_insert_after_shutdown() {
        let mut table = SourceTable::default();
        let (_, io) = table.insert().unwrap();
        let mut wakers = Vec::new();
        table.shutdown(&mut wakers);
        assert!(table.insert().is_err());
        assert!(io
            .try_ready(super::super::scheduled_io::Direction::Read)
            .unwrap()
            .is_err());
    }
}
