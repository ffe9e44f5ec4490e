//! The live-task registry: every task spawned on a runtime and not yet
//! complete, so that shutdown can cancel all of them and `all_tasks()` can
//! list them.
//!
//! It is sharded by task id, so that spawns and completions on different
//! workers rarely take the same lock. (Sharding by spawning thread was tried
//! and measured slower: with one task spawning, every insert then meets the
//! other worker's removals on a single lock.) Ids go to shards in runs of 64
//! consecutive ids rather than round-robin: a thread spawning many tasks
//! then inserts 64 in a row into one shard (its lock and slots stay in that
//! core's cache) while the completers remove older tasks from other shards;
//! round-robin made every insert and every removal move a shard's cache
//! lines between cores (`perf`, `spawn_many_remote`: `Registry::remove`
//! 8.8% -> 6.0% of samples). Each entry owns one task reference.
//!
//! # Layout and cost
//!
//! A shard is a dense table of task pointers (`Option<RawTask>`: 8 bytes a
//! slot, `None` for an empty slot) plus a stack of the empty slots' indices.
//! A task's slot index is kept in its header (`registry_key`, a `u32`, read
//! and written only under its shard's lock), so removal is O(1). Per live
//! task that is 8 bytes of table (times the `Vec`'s spare capacity, at most
//! 2x right after it grew) and 4 bytes of header; the free stack only holds
//! slots that are empty. (The `slab` crate used before stores an enum of
//! index-or-value per slot: 16 bytes for a pointer.)
//!
//! Closing a shard (at shutdown) drains it and makes later inserts fail, so
//! a task spawned after shutdown is cancelled at once instead of being lost.
//!
//! # Retired tasks: removal in batches
//!
//! On a multi-thread runtime a task usually completes on a different worker
//! than the one that spawned it, and both then took the same shard lock per
//! task: one inserting, one removing, with the lock word and the slot lines
//! moving between the cores twice per task (`perf`, `spawn_many_local`:
//! `insert` + `remove` + the lock's slow path were 32% of samples). So a
//! worker does not remove the tasks it completes one by one: it *retires*
//! them into a small per-worker list ([`Retired`]) and removes the whole
//! list at once, one lock acquisition per shard, when [`RETIRE_BATCH`]
//! have gathered, before it parks, and when it shuts down.
//!
//! The protocol, and why it loses nothing:
//!
//! - A retired task stays in its slot, and the registry keeps its reference,
//!   until the batch removes it. So the task's memory stays allocated (its
//!   future and, if nobody joins, its output were dropped at completion; only
//!   the cell waits) and every reader that walks the slots must skip
//!   completed tasks: [`snapshot`](Registry::snapshot) and
//!   [`len`](Registry::len) check the task's `COMPLETE` bit, which the
//!   completer set before retiring it. So `all_tasks()` stops listing a task
//!   before `task.await` returns, as it did with eager removal.
//! - Exactly one party owns the registry's reference: the batch removal if
//!   it finds the shard open, the shutdown drain otherwise. Both decide
//!   under the shard lock. Retiring records the task's shard index while
//!   the task is certainly alive; the removal looks at the shard's `closed`
//!   flag *before* touching the task: a closed shard was drained, the drain
//!   took the reference and may have freed the task, so the batch forgets
//!   it. An open shard still holds the task (only this batch removes it), so
//!   the task is alive and its `registry_key` may be read.
//! - A batch that is never removed (a worker's core dropped at shutdown)
//!   loses nothing either: its tasks are still in their slots, and the drain
//!   shuts them down, which releases the registry's reference of a completed
//!   task.
//! - Current-thread runtimes and completions off the workers (a task
//!   cancelled from another thread) remove at once: there is no
//!   second core to contend with.

use super::info::TaskInfo;
use super::raw::{Header, RawTask};
use crate::loom::sync::Mutex;
use crossbeam_utils::CachePadded;
use std::time::Duration;

/// A worker removes its retired tasks once this many have gathered. Under
/// loom 2, so that the models' few tasks also exercise the removal that a
/// completion triggers (not only the ones before parking and at shutdown).
#[cfg(not(runtime_loom))]
pub(crate) const RETIRE_BATCH: usize = 32;
#[cfg(runtime_loom)]
pub(crate) const RETIRE_BATCH: usize = 2;

/// Consecutive ids (a thread takes its ids in blocks, `id.rs`) share a
/// shard in runs of `1 << RUN_SHIFT`.
const RUN_SHIFT: u32 = 6;

pub(crate) struct Registry {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
}

#[derive(Default)]
struct Shard {
    /// Slot `i` holds the task whose `registry_key` is `i`, or `None`.
    slots: Vec<Option<RawTask>>,
    /// Indices of the `None` slots, reused last-freed first.
    free: Vec<u32>,
    closed: bool,
}

impl Shard {
    fn tasks(&self) -> impl Iterator<Item = RawTask> + '_ {
        self.slots.iter().flatten().copied()
    }
}

impl Registry {
    /// A registry with at least `min_shards` shards (rounded up to a power
    /// of two).
    pub(crate) fn new(min_shards: usize) -> Registry {
        let n = min_shards.max(1).next_power_of_two();
        let shards = (0..n)
            .map(|_| CachePadded::new(Mutex::new(Shard::default())))
            .collect();
        Registry { shards }
    }

    pub(crate) fn num_shards(&self) -> usize {
        self.shards.len()
    }

    fn shard_index(&self, id: u64) -> usize {
        let run = (id >> RUN_SHIFT) as usize;
        run & (self.shards.len() - 1)
    }

    fn shard_of(&self, id: u64) -> &Mutex<Shard> {
        &self.shards[self.shard_index(id)]
    }

    /// Adds a task, taking over one of its references. If the registry is
    /// closed the task is handed back (with its reference) to be cancelled.
    pub(crate) fn insert(&self, task: RawTask) -> Result<(), RawTask> {
        let mut shard = self.shard_of(task.id().as_u64()).lock();
        if shard.closed {
            return Err(task);
        }
        let key = match shard.free.pop() {
            Some(key) => {
                shard.slots[key as usize] = Some(task);
                key
            }
            None => {
                // A `u32` key: four billion live tasks in one shard would
                // take hundreds of gigabytes of task cells first.
                let key = u32::try_from(shard.slots.len())
                    .expect("more than u32::MAX live tasks in one registry shard");
                shard.slots.push(Some(task));
                key
            }
        };
        // SAFETY: `registry_key` is only accessed under this shard's lock,
        // which we hold.
        task.header().registry_key.with_mut(|k| unsafe { *k = key });
        Ok(())
    }

    /// Removes a completed task. Returns `true` if it was present, in which
    /// case the caller now owns the registry's reference.
    pub(crate) fn remove(&self, task: RawTask) -> bool {
        let mut shard = self.shard_of(task.id().as_u64()).lock();
        // SAFETY: read under the shard's lock, like every access.
        let key = task.header().registry_key.with(|k| unsafe { *k });
        match shard.slots.get_mut(key as usize) {
            Some(slot) if *slot == Some(task) => {
                *slot = None;
                shard.free.push(key);
                true
            }
            // Drained by shutdown, which owns the reference now.
            _ => false,
        }
    }

    /// Removes every task in `retired` (see "Retired tasks" above), one lock
    /// acquisition per shard, and releases the references the registry held
    /// on them (outside the locks: that may free the tasks).
    pub(crate) fn remove_retired(&self, retired: &mut Retired) {
        let entries = &mut retired.entries;
        entries.sort_unstable_by_key(|&(shard, _)| shard);
        let mut start = 0;
        while start < entries.len() {
            let index = entries[start].0;
            let end = start
                + entries[start..]
                    .iter()
                    .take_while(|&&(shard, _)| shard == index)
                    .count();
            let mut shard = self.shards[index as usize].lock();
            if shard.closed {
                // Drained by shutdown, which owns the references (and may
                // have freed the tasks): do not touch them.
                for entry in &mut entries[start..end] {
                    entry.1 = None;
                }
            } else {
                for &(_, task) in &entries[start..end] {
                    let task = task.expect("a retired task");
                    // SAFETY: read under the shard's lock; the shard is open,
                    // so the task is still registered and alive.
                    let key = task.header().registry_key.with(|k| unsafe { *k });
                    let slot = &mut shard.slots[key as usize];
                    debug_assert!(*slot == Some(task), "a retired task left its slot");
                    *slot = None;
                    shard.free.push(key);
                }
            }
            drop(shard);
            start = end;
        }
        for (_, task) in entries.drain(..) {
            if let Some(task) = task {
                task.drop_refs(1);
            }
        }
    }

    /// Closes shard `index` and returns its tasks, with their references.
    pub(crate) fn close_and_drain(&self, index: usize) -> Vec<RawTask> {
        let mut shard = self.shards[index].lock();
        shard.closed = true;
        let tasks = shard.tasks().collect();
        shard.slots = Vec::new();
        shard.free = Vec::new();
        tasks
    }

    /// Runs `f` on the live task with this id, under its shard's lock (so
    /// the task cannot be freed meanwhile). Linear in the shard's size: for
    /// diagnostics only.
    pub(crate) fn with_task<R>(&self, id: u64, f: impl FnOnce(&Header) -> R) -> Option<R> {
        let shard = self.shard_of(id).lock();
        let task = shard.tasks().find(|t| t.id().as_u64() == id)?;
        Some(f(task.header()))
    }

    /// Number of live tasks: registered and not complete (retired tasks
    /// wait in their slots). Linear in the number of tasks: diagnostics.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            // The registry's reference keeps each task alive while we read
            // it under the lock.
            .map(|s| s.lock().tasks().filter(|&t| !is_complete(t)).count())
            .sum()
    }

    /// A snapshot of every live task.
    pub(crate) fn snapshot(&self, age: impl Fn(u32) -> Option<Duration>) -> Vec<TaskInfo> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.lock();
            // The registry's reference keeps each task alive while we read
            // it under the lock.
            out.extend(
                shard
                    .tasks()
                    .filter(|&task| !is_complete(task))
                    .map(|task| TaskInfo::of(task.header(), &age)),
            );
        }
        out.sort_by_key(|info| info.id);
        out
    }
}

fn is_complete(task: RawTask) -> bool {
    task.header().state.load().is_complete()
}

/// A worker's completed tasks awaiting removal from the registry (see
/// "Retired tasks" in the module docs): each with its shard, recorded while
/// the task was certainly alive.
#[derive(Default)]
pub(crate) struct Retired {
    /// `(shard, task)`; the task is set to `None` once the drain owns it.
    entries: Vec<(u32, Option<RawTask>)>,
}

impl Retired {
    /// Retires `task`, which its caller (the completer) just completed.
    /// Returns `true` once the batch is full and should be removed.
    pub(crate) fn push(&mut self, registry: &Registry, task: RawTask) -> bool {
        let shard = registry.shard_index(task.id().as_u64()) as u32;
        if self.entries.capacity() == 0 {
            self.entries.reserve_exact(RETIRE_BATCH);
        }
        self.entries.push((shard, Some(task)));
        self.entries.len() >= RETIRE_BATCH
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
