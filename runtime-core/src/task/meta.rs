//! Rarely used per-task data, allocated on first use: the task's name, its
//! done callbacks, the busy time the slow-poll watchdog sampled, and a
//! panicked task's failure reporter; and, in the same word, the parent
//! task's id.
//!
//! Most tasks are unnamed, nobody registers a callback on them and the
//! watchdog never catches them in a long poll, so the header holds one
//! pointer-sized word, [`MetaSlot`], which is one of:
//!
//! | word | meaning |
//! | --- | --- |
//! | null | no `Meta`, no parent |
//! | odd (`parent_id << 1 \| 1`) | no `Meta`; the parent's id, inline (a `TaskId` is never 0, and it fits while it is below `usize::MAX / 2`) |
//! | even, non-null | a `Box<Meta>`, which holds the parent's id (if any) |
//!
//! The word goes from null or inline to a `Meta` at most once (a CAS; the
//! loser frees its allocation), and the `Meta` is freed with the task, so a
//! `&Meta` obtained from a live task stays valid as long as the task does.
//! The parent never changes, so it reads the same before and after. (An
//! inline id is a pointer without provenance, never dereferenced.)
//!
//! Done callbacks and completion meet under the `Meta` mutex, and the
//! `HAS_CALLBACKS` state bit tells the completer whether to look at all (see
//! `state.rs`): a callback registered before completion is run by the
//! completer; one registered after completion (or racing it and losing) is
//! run at once by the registering thread, with the outcome read from the
//! state word. Either way it runs exactly once.

use super::raw::FailureReporter;
use super::{TaskId, TaskOutcome};
use crate::loom::sync::atomic::{AtomicPtr, AtomicU32, Ordering::*};
use crate::loom::sync::Mutex;
use std::ptr;

/// A done callback.
pub(crate) type Callback = Box<dyn FnOnce(TaskOutcome) + Send + 'static>;

pub(crate) struct MetaSlot(AtomicPtr<Meta>);

struct Meta {
    /// Set at creation, never changed.
    parent: Option<TaskId>,
    /// Sampled time spent in poll, in ms (added by the slow-poll watchdog).
    busy_ms: AtomicU32,
    inner: Mutex<MetaInner>,
}

// An even address is what tells a `Meta` from an inline parent id.
const _: () = assert!(std::mem::align_of::<Meta>() >= 2);

#[derive(Default)]
struct MetaInner {
    name: Option<Box<str>>,
    callbacks: Vec<Callback>,
    /// Left by the completer of a panicked task for its handle's drop
    /// (`Schedule::failure_reporter`).
    failure_reporter: Option<FailureReporter>,
    /// Set by the completer when it takes the callbacks.
    done: bool,
}

impl Meta {
    fn boxed(parent: Option<TaskId>, name: Option<Box<str>>) -> *mut Meta {
        Box::into_raw(Box::new(Meta {
            parent,
            busy_ms: AtomicU32::new(0),
            inner: Mutex::new(MetaInner {
                name,
                ..MetaInner::default()
            }),
        }))
    }
}

/// The inline form of `parent`, if it has one that fits.
fn inline_parent(parent: TaskId) -> Option<*mut Meta> {
    let id = usize::try_from(parent.as_u64()).ok()?;
    (id <= usize::MAX >> 1).then(|| ptr::without_provenance_mut((id << 1) | 1))
}

/// What a slot word holds: a `Meta`, or (inline) the parent id, if any.
enum Word {
    Meta(*mut Meta),
    Inline(Option<TaskId>),
}

fn decode(word: *mut Meta) -> Word {
    if word.is_null() {
        Word::Inline(None)
    } else if word.addr() & 1 == 1 {
        Word::Inline(TaskId::from_u64((word.addr() >> 1) as u64))
    } else {
        Word::Meta(word)
    }
}

impl MetaSlot {
    pub(crate) fn new(parent: Option<TaskId>, name: Option<Box<str>>) -> MetaSlot {
        let word = match (parent, name) {
            (None, None) => ptr::null_mut(),
            (Some(parent), None) => {
                inline_parent(parent).unwrap_or_else(|| Meta::boxed(Some(parent), None))
            }
            (parent, name) => Meta::boxed(parent, name),
        };
        MetaSlot(AtomicPtr::new(word))
    }

    fn get(&self) -> Option<&Meta> {
        match decode(self.0.load(Acquire)) {
            // SAFETY: an even non-null word came from `Box::into_raw` and is
            // freed only when the slot is dropped, which the `&self` borrow
            // excludes.
            Word::Meta(meta) => Some(unsafe { &*meta }),
            Word::Inline(_) => None,
        }
    }

    fn get_or_init(&self) -> &Meta {
        let mut word = self.0.load(Acquire);
        loop {
            let parent = match decode(word) {
                // SAFETY: as in `get`.
                Word::Meta(meta) => return unsafe { &*meta },
                Word::Inline(parent) => parent,
            };
            let fresh = Meta::boxed(parent, None);
            match self.0.compare_exchange(word, fresh, AcqRel, Acquire) {
                // SAFETY: as in `get`: from `Box::into_raw`, now published,
                // freed only with the slot.
                Ok(_) => return unsafe { &*fresh },
                Err(actual) => {
                    // SAFETY: `fresh` was never shared; we still own it.
                    drop(unsafe { Box::from_raw(fresh) });
                    // Another thread installed a `Meta` (the only change a
                    // word ever sees): the next round returns it.
                    word = actual;
                }
            }
        }
    }

    /// The task that spawned this one, if any.
    pub(crate) fn parent(&self) -> Option<TaskId> {
        match decode(self.0.load(Acquire)) {
            Word::Inline(parent) => parent,
            // SAFETY: as in `get`.
            Word::Meta(meta) => unsafe { (*meta).parent },
        }
    }

    /// Time the watchdog saw the task spend in poll, in ms.
    pub(crate) fn busy_ms(&self) -> u32 {
        self.get().map_or(0, |meta| meta.busy_ms.load(Relaxed))
    }

    /// The watchdog saw the task in the same poll for another `ms`.
    pub(crate) fn add_busy_ms(&self, ms: u32) {
        self.get_or_init().busy_ms.fetch_add(ms, Relaxed);
    }

    pub(crate) fn set_failure_reporter(&self, reporter: FailureReporter) {
        self.get_or_init().inner.lock().failure_reporter = Some(reporter);
    }

    pub(crate) fn take_failure_reporter(&self) -> Option<FailureReporter> {
        self.get()?.inner.lock().failure_reporter.take()
    }

    pub(crate) fn name(&self) -> Option<String> {
        let meta = self.get()?;
        meta.inner.lock().name.as_deref().map(str::to_owned)
    }

    pub(crate) fn name_boxed(&self) -> Option<Box<str>> {
        let meta = self.get()?;
        meta.inner.lock().name.clone()
    }

    pub(crate) fn set_name(&self, name: Box<str>) {
        self.get_or_init().inner.lock().name = Some(name);
    }

    /// Registers `callback`; gives it back if the completer has already
    /// taken the list (the caller then runs it at once).
    pub(crate) fn push_callback(&self, callback: Callback) -> Result<(), Callback> {
        let mut inner = self.get_or_init().inner.lock();
        if inner.done {
            return Err(callback);
        }
        inner.callbacks.push(callback);
        Ok(())
    }

    /// The completer takes the callbacks; later registrations run at once.
    pub(crate) fn take_callbacks(&self) -> Vec<Callback> {
        let mut inner = self.get_or_init().inner.lock();
        inner.done = true;
        std::mem::take(&mut inner.callbacks)
    }
}

impl Drop for MetaSlot {
    fn drop(&mut self) {
        if let Word::Meta(meta) = decode(self.0.load(Acquire)) {
            // SAFETY: the slot is being dropped with the task, so no `&Meta`
            // obtained from it can still be in use; the pointer came from
            // `Box::into_raw`.
            drop(unsafe { Box::from_raw(meta) });
        }
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_parent_survives_the_switch_to_a_meta() {
        let parent = TaskId::from_u64(41).unwrap();
        let slot = MetaSlot::new(Some(parent), None);
        assert!(slot.get().is_none(), "the parent alone is kept inline");
        assert_eq!(slot.parent(), Some(parent));
        assert_eq!((slot.name(), slot.busy_ms()), (None, 0));
        slot.add_busy_ms(5); // allocates the Meta
        assert!(slot.get().is_some());
        assert_eq!(slot.parent(), Some(parent));
        slot.set_name("x".into());
        assert_eq!(slot.name().as_deref(), Some("x"));
        assert_eq!(slot.busy_ms(), 5);

        let named = MetaSlot::new(None, Some("n".into()));
        assert_eq!((named.parent(), named.name().as_deref()), (None, Some("n")));
        let empty = MetaSlot::new(None, None);
        assert_eq!((empty.parent(), empty.name()), (None, None));
        // Too large to inline: kept in a Meta from the start.
        let huge = TaskId::from_u64(u64::MAX).unwrap();
        assert_eq!(MetaSlot::new(Some(huge), None).parent(), Some(huge));
    }
}
