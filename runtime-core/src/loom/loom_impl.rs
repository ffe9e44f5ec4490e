//! The model-checking side of the shim: loom's atomics, cells, locks and
//! threads, wrapped to the same API as `std_impl`.

pub(crate) mod sync {
    pub(crate) use loom::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{
            fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
    }

    /// loom's mutex with poisoning unwrapped, so `lock` returns the guard.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }
        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }
        #[allow(dead_code)]
        pub(crate) fn into_inner(self) -> T {
            self.0.into_inner().unwrap()
        }
    }

    /// loom's readers-writer lock with poisoning unwrapped.
    #[derive(Debug)]
    pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);
    pub(crate) type RwLockReadGuard<'a, T> = loom::sync::RwLockReadGuard<'a, T>;
    pub(crate) type RwLockWriteGuard<'a, T> = loom::sync::RwLockWriteGuard<'a, T>;

    impl<T> RwLock<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::RwLock::new(value))
        }
        pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
            self.0.read().unwrap()
        }
        pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
            self.0.write().unwrap()
        }
    }

    /// loom's condvar with a guard-by-`&mut` API like parking_lot's.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Self(loom::sync::Condvar::new())
        }
        pub(crate) fn wait<'a, T>(&self, guard: &mut MutexGuard<'a, T>) {
            replace_guard(guard, |g| self.0.wait(g).unwrap());
        }
        /// loom has no time: a timed wait is an untimed wait that may also
        /// return spuriously, which every caller must tolerate anyway.
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            guard: &mut MutexGuard<'a, T>,
            _timeout: std::time::Duration,
        ) -> bool {
            replace_guard(guard, |g| self.0.wait(g).unwrap());
            false
        }
        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }
        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    /// Runs `f` on the guard held in `slot`, putting back the guard it returns.
    fn replace_guard<'a, T>(
        slot: &mut MutexGuard<'a, T>,
        f: impl FnOnce(MutexGuard<'a, T>) -> MutexGuard<'a, T>,
    ) {
        // `f` is a condvar wait, which only panics when loom aborts the whole
        // execution; the process then unwinds out of the model and the
        // duplicated guard below is never observed.
        // SAFETY: the guard is moved out of `slot` and a guard for the same
        // mutex is written back before `slot` is used again.
        unsafe {
            let guard = std::ptr::read(slot);
            std::ptr::write(slot, f(guard));
        }
    }
}

pub(crate) mod cell {
    pub(crate) use loom::cell::UnsafeCell;
}

pub(crate) mod thread {
    pub(crate) use loom::thread::{current, park, yield_now, Builder, JoinHandle, Thread};
}

/// Under loom a spin loop must yield so the checker can schedule the thread
/// that will end the spin.
#[inline(always)]
pub(crate) fn spin_loop() {
    loom::thread::yield_now();
}

pub(crate) use loom::thread_local;
