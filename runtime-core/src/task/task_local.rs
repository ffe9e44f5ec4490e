//! Task-local values: [`task_local!`](crate::task_local), [`LocalKey::scope`],
//! [`LocalKey::with`], [`LocalKey::get`].
//!
//! # How it works
//!
//! `task_local!` declares a [`LocalKey`], which names a thread-local slot
//! holding an `Option<T>`. [`LocalKey::scope`] wraps a future in a
//! [`TaskLocalFuture`] that owns the value *between* polls: each poll swaps
//! the value into the running thread's slot, polls the inner future, and
//! swaps it back out, so between polls the slot holds whatever it held
//! before (usually nothing). The swap back is done by a guard's `Drop`, so it
//! also happens when the inner poll panics. The value therefore travels with
//! the future, not with the thread: a task that moves to another worker
//! between two polls finds its value on the new worker, and another task
//! polled on the same thread in between never sees it.
//!
//! Nested scopes of one key are swaps too: the inner scope's value replaces
//! the outer one for the duration of each inner poll and the outer one is
//! back as soon as that poll returns (or unwinds).
//!
//! # Not inherited
//!
//! A task spawned inside a scope does **not** see the value: the new task is
//! a separate future, polled on its own, outside the `TaskLocalFuture` that
//! holds the value (this is Tokio's rule). asyncio's `create_task` copies the
//! current `contextvars` context into the new task instead; to get that,
//! capture the value and scope the spawned future again:
//! `spawn(KEY.scope(KEY.get(), child))`.
//!
//! Local tasks (`spawn_local`) follow the same rule, although their
//! `LocalSet` polls them inside its own poll, where a scope around the set
//! would be on the stack: the set runs each local poll in a *hidden
//! region* ([`hidden`]), a per-thread generation number recorded with
//! every value entered. A value is visible only in the generation it was
//! entered in, so the values set around the set are invisible to its
//! tasks, scopes entered by a local task are visible to it, and the outer
//! values are back when the region ends.

use crate::loom::thread_local_const;
use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A key's thread-local slot: the value of the scope being polled on this
/// thread, if any, and the hidden-region generation it was set in.
#[doc(hidden)]
pub struct Slot<T> {
    value: Option<T>,
    generation: u64,
}

impl<T> Slot<T> {
    #[doc(hidden)]
    pub const EMPTY: Slot<T> = Slot {
        value: None,
        generation: 0,
    };
}

thread_local_const! {
    /// The hidden region this thread is in (0: none). A value is visible
    /// only in the region it was set in.
    static GENERATION: Cell<u64> = Cell::new(0);
    /// The last region number handed out on this thread.
    static LAST_GENERATION: Cell<u64> = Cell::new(0);
}

fn generation() -> u64 {
    GENERATION.try_with(Cell::get).unwrap_or(0)
}

/// Runs `f` with every task-local value set so far on this thread hidden:
/// scopes entered inside `f` are visible in it as usual, and the hidden
/// values are back when `f` returns or unwinds. A `LocalSet` polls each of
/// its tasks this way, so a scope around the set is not seen by the tasks
/// (they are separate futures, like spawned tasks).
pub(crate) fn hidden<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(u64);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = GENERATION.try_with(|g| g.set(self.0));
        }
    }
    let next = LAST_GENERATION.with(|last| {
        let next = last.get() + 1;
        last.set(next);
        next
    });
    let _restore = Restore(GENERATION.with(|g| g.replace(next)));
    f()
}

/// Declares task-local values: each `static NAME: T;` becomes a
/// [`LocalKey<T>`](crate::task::LocalKey) that is set for the duration of a
/// future with [`scope`](crate::task::LocalKey::scope) and read with
/// [`with`](crate::task::LocalKey::with), [`get`](crate::task::LocalKey::get)
/// or [`try_with`](crate::task::LocalKey::try_with).
///
/// A value is visible only inside the future given to `scope` (and the
/// futures it awaits), on whichever worker polls it. Tasks spawned from
/// inside the scope do not inherit it; pass it on explicitly with
/// `KEY.scope(KEY.get(), child)`.
///
/// ```
/// runtime_core::task_local! {
///     /// The id of the request being served.
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// # runtime_core::scheduler::Runtime::new().unwrap().block_on(async {
/// let handled = REQUEST_ID
///     .scope(7, async {
///         runtime_core::time::sleep(runtime_core::time::Duration::from_millis(1)).await;
///         REQUEST_ID.get() // still 7 after the await, on any worker
///     })
///     .await;
/// assert_eq!(handled, 7);
/// assert!(REQUEST_ID.try_with(|id| *id).is_err()); // outside the scope
///
/// let len = USER.scope("ada".to_string(), async { USER.with(|u| u.len()) }).await;
/// assert_eq!(len, 3);
/// # });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of `task_local!`: a private thread-local slot and the public
/// `LocalKey` naming it.
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __TASK_LOCAL_SLOT: ::std::cell::RefCell<$crate::task::__TaskLocalSlot<$t>> =
                    const { ::std::cell::RefCell::new($crate::task::__TaskLocalSlot::EMPTY) };
            }
            $crate::task::LocalKey::__new(__TASK_LOCAL_SLOT, ::std::stringify!($name))
        };
    };
}

/// A key for a task-local value, declared with
/// [`task_local!`](crate::task_local).
///
/// Set it for the duration of a future with [`scope`](Self::scope) (or of
/// a closure with [`sync_scope`](Self::sync_scope)); read it with
/// [`with`](Self::with), [`get`](Self::get) or their `try_` forms, which
/// return [`AccessError`] outside a scope instead of panicking.
pub struct LocalKey<T: 'static> {
    slot: std::thread::LocalKey<RefCell<Slot<T>>>,
    name: &'static str,
}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn __new(slot: std::thread::LocalKey<RefCell<Slot<T>>>, name: &'static str) -> Self {
        Self { slot, name }
    }

    /// The future `future` with this key set to `value` while it runs:
    /// every poll of `future` (and the drop of `future`, if it is dropped
    /// before finishing) sees `value`, whichever thread polls it. Scopes
    /// nest: an inner scope's value hides the outer one until the inner
    /// future finishes.
    ///
    /// Futures spawned from inside do not see the value (see
    /// [`task_local!`](crate::task_local)).
    ///
    /// ```
    /// runtime_core::task_local! { static DEPTH: u32; }
    /// # runtime_core::scheduler::Runtime::new().unwrap().block_on(async {
    /// DEPTH.scope(1, async {
    ///     assert_eq!(DEPTH.get(), 1);
    ///     DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
    ///     assert_eq!(DEPTH.get(), 1); // the outer value is back
    /// })
    /// .await;
    /// # });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            slot: Some(value),
            future: Some(future),
        }
    }

    /// Runs `f` with this key set to `value`, then restores what was there
    /// (also when `f` panics).
    ///
    /// # Panics
    /// When called from inside a [`with`](Self::with) closure of the same
    /// key.
    ///
    /// ```
    /// runtime_core::task_local! { static LEVEL: &'static str; }
    /// let seen = LEVEL.sync_scope("debug", || LEVEL.get());
    /// assert_eq!(seen, "debug");
    /// assert!(LEVEL.try_get().is_err());
    /// ```
    #[track_caller]
    pub fn sync_scope<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R {
        let mut slot = Some(value);
        let _in_scope = self.enter(&mut slot);
        f()
    }

    /// Calls `f` with a reference to the value of the current scope.
    ///
    /// # Panics
    /// Outside a scope of this key, with a message saying how to set it;
    /// use [`try_with`](Self::try_with) to get an [`AccessError`] instead.
    #[track_caller]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    /// Calls `f` with a reference to the value of the current scope, or
    /// returns [`AccessError`] when no scope of this key is active here
    /// (outside any [`scope`](Self::scope), in a task spawned from inside
    /// one, or while the thread's locals are being destroyed).
    ///
    /// ```
    /// runtime_core::task_local! { static TRACE: u64; }
    /// let err = TRACE.try_with(|t| *t).unwrap_err();
    /// assert!(err.to_string().contains("TRACE"));
    /// assert_eq!(TRACE.sync_scope(9, || TRACE.try_with(|t| *t)), Ok(9));
    /// ```
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        let err = AccessError { name: self.name };
        self.slot
            .try_with(|cell| {
                let slot = cell.borrow();
                match &slot.value {
                    // A value set outside the current hidden region (a
                    // scope around a `LocalSet`, seen from its tasks) is
                    // not this task's.
                    Some(value) if slot.generation == generation() => Ok(f(value)),
                    _ => Err(err),
                }
            })
            .unwrap_or(Err(err))
    }

    /// A clone of the value of the current scope (a copy for `Copy` types).
    ///
    /// # Panics
    /// Outside a scope of this key, as [`with`](Self::with) does.
    #[track_caller]
    pub fn get(&'static self) -> T
    where
        T: Clone,
    {
        self.with(T::clone)
    }

    /// A clone of the value of the current scope, or [`AccessError`]
    /// outside one. asyncio's `var.get(default)` is
    /// `KEY.try_get().unwrap_or(default)`.
    pub fn try_get(&'static self) -> Result<T, AccessError>
    where
        T: Clone,
    {
        self.try_with(T::clone)
    }

    /// Swaps `slot` into this thread's slot; the returned guard swaps it
    /// back when dropped.
    #[track_caller]
    fn enter<'a>(&'static self, slot: &'a mut Option<T>) -> Entered<'a, T> {
        match self.try_enter(slot) {
            Ok(entered) => entered,
            Err(EnterError::Borrowed) => panic!(
                "task-local `{}`: cannot enter a scope of it from inside its own `with` closure: \
                 read the value, end the `with` closure, then call `scope`",
                self.name
            ),
            Err(EnterError::Destroyed) => panic!(
                "task-local `{}`: this thread's locals are being destroyed, so no scope can be \
                 entered here",
                self.name
            ),
        }
    }

    fn try_enter<'a>(&'static self, slot: &'a mut Option<T>) -> Result<Entered<'a, T>, EnterError> {
        let prev_generation = self
            .slot
            .try_with(|cell| {
                let mut current = cell.try_borrow_mut().map_err(|_| EnterError::Borrowed)?;
                std::mem::swap(slot, &mut current.value);
                Ok(std::mem::replace(&mut current.generation, generation()))
            })
            .map_err(|_| EnterError::Destroyed)??;
        Ok(Entered {
            key: self,
            slot,
            prev_generation,
        })
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey")
            .field("name", &self.name)
            .finish()
    }
}

enum EnterError {
    Borrowed,
    Destroyed,
}

/// A scope being polled: the scope's value is in the thread's slot and the
/// value it displaced is in `slot`; dropping swaps them back.
struct Entered<'a, T: 'static> {
    key: &'static LocalKey<T>,
    slot: &'a mut Option<T>,
    /// The displaced value's generation, restored with it.
    prev_generation: u64,
}

impl<T: 'static> Drop for Entered<'_, T> {
    fn drop(&mut self) {
        // The borrow cannot fail: `enter` took it mutably, so no `with`
        // closure of this key was running when the scope was entered, and
        // any that ran inside the scope has returned (a `Ref` cannot escape
        // its closure). The thread-local is alive: it was when we entered,
        // and it is destroyed only after the code on this thread returns.
        let _ = self.key.slot.try_with(|cell| {
            let mut current = cell.borrow_mut();
            std::mem::swap(self.slot, &mut current.value);
            current.generation = self.prev_generation;
        });
    }
}

/// The error of [`LocalKey::try_with`] and [`LocalKey::try_get`]: no scope
/// of the key is active on this task.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    name: &'static str,
}

impl AccessError {
    /// The name of the key, as declared in `task_local!`.
    pub fn key_name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError")
            .field("key", &self.name)
            .finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task-local `{0}` read outside of a scope: run the code inside \
             `{0}.scope(value, future)`; a spawned task does not inherit it, so scope the \
             spawned future too: `spawn({0}.scope({0}.get(), future))`",
            self.name
        )
    }
}

impl Error for AccessError {}

pin_project_lite::pin_project! {
    /// The future returned by [`LocalKey::scope`]: `future` with the key set
    /// to the scope's value during each of its polls and its drop.
    pub struct TaskLocalFuture<T: 'static, F> {
        key: &'static LocalKey<T>,
        // The scope's value between polls; during a poll, the value the
        // scope displaced.
        slot: Option<T>,
        #[pin]
        future: Option<F>,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.future.is_some() {
                // Drop the unfinished future inside the scope, so cleanup in
                // its `Drop` (a cancelled task's guards) can read the value.
                // If no scope can be entered (the thread's locals are going
                // away), it is dropped outside the scope.
                let mut future = this.future;
                let _in_scope = this.key.try_enter(this.slot).ok();
                future.set(None);
            }
        }
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let _in_scope = this.key.enter(this.slot);
        let Some(inner) = future.as_mut().as_pin_mut() else {
            panic!("TaskLocalFuture polled after it completed");
        };
        let out = inner.poll(cx);
        if out.is_ready() {
            future.set(None);
        }
        out
    }
}

impl<T: 'static + fmt::Debug, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("key", &self.key.name)
            .field("finished", &self.future.is_none())
            .finish_non_exhaustive()
    }
}
