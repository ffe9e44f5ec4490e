//! Rarely used per-task data, allocated on first use: the task's name and
//! its done callbacks.
//!
//! Most tasks are unnamed and nobody registers a callback on them, so the
//! header holds only a pointer, null until needed. The pointer goes from
//! null to a `Meta` at most once (a CAS; the loser frees its allocation) and
//! is freed with the task, so a `&Meta` obtained from a live task stays valid
//! as long as the task does.
//!
//! Done callbacks and completion meet under the `Meta` mutex, and the
//! `HAS_CALLBACKS` state bit tells the completer whether to look at all (see
//! `state.rs`): a callback registered before completion is run by the
//! completer; one registered after completion (or racing it and losing) is
//! run at once by the registering thread, with the outcome read from the
//! state word. Either way it runs exactly once.

use super::TaskOutcome;
use crate::loom::sync::atomic::{AtomicPtr, Ordering::*};
use crate::loom::sync::Mutex;
use std::ptr;

/// A done callback.
pub(crate) type Callback = Box<dyn FnOnce(TaskOutcome) + Send + 'static>;

pub(crate) struct MetaSlot(AtomicPtr<Meta>);

struct Meta {
    inner: Mutex<MetaInner>,
}

#[derive(Default)]
struct MetaInner {
    name: Option<Box<str>>,
    callbacks: Vec<Callback>,
    /// Set by the completer when it takes the callbacks.
    done: bool,
}

impl MetaSlot {
    pub(crate) fn new(name: Option<Box<str>>) -> MetaSlot {
        let ptr = match name {
            None => ptr::null_mut(),
            Some(name) => Box::into_raw(Box::new(Meta {
                inner: Mutex::new(MetaInner {
                    name: Some(name),
                    ..MetaInner::default()
                }),
            })),
        };
        MetaSlot(AtomicPtr::new(ptr))
    }

    fn get(&self) -> Option<&Meta> {
        let ptr = self.0.load(Acquire);
        // SAFETY: a non-null pointer came from `Box::into_raw` and is freed
        // only when the slot is dropped, which the `&self` borrow excludes.
        unsafe { ptr.as_ref() }
    }

    fn get_or_init(&self) -> &Meta {
        if let Some(meta) = self.get() {
            return meta;
        }
        let fresh = Box::into_raw(Box::new(Meta {
            inner: Mutex::new(MetaInner::default()),
        }));
        let ptr = match self
            .0
            .compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire)
        {
            Ok(_) => fresh,
            Err(existing) => {
                // SAFETY: `fresh` was never shared; we still own it.
                drop(unsafe { Box::from_raw(fresh) });
                existing
            }
        };
        // SAFETY: as in `get`: non-null, from `Box::into_raw`, live as long
        // as the slot.
        unsafe { &*ptr }
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
        let ptr = self.0.load(Acquire);
        if !ptr.is_null() {
            // SAFETY: the slot is being dropped with the task, so no `&Meta`
            // obtained from it can still be in use.
            drop(unsafe { Box::from_raw(ptr) });
        }
    }
}
