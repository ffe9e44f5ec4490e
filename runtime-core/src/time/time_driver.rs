//! The time driver: the wheel behind a lock, the clock that maps `Instant`s
//! to ticks, and the hooks whoever drives time uses (the I/O poll's timer
//! hook, run by whichever thread drives the poll, or a
//! [`TimerThread`](super::TimerThread) when there is no reactor).
//!
//! See `README.md` in this directory for the protocol.

use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::loom::sync::{Arc, Mutex};
use crate::loom::thread_local;
use crate::task::wake_contained;
use crate::time::clock::Clock;
use crate::time::entry::{Entry, EntryShared, EntryState, Registration};
use crate::time::wheel::{Wheel, MAX_TICK};
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::task::Waker;
use std::time::{Duration, Instant};

/// The panic message for using a timer whose driver has shut down.
pub(crate) const SHUTDOWN_MSG: &str =
    "runtime::time: the runtime that owns this timer has shut down";

/// Who wakes the timers' wakers, for the report of a waker that panicked
/// (`task::wake_contained`: the panic is contained so that whoever drives
/// time, a worker or the reactor thread, survives a foreign waker's bug).
const BY: &str = "the time driver";

/// Wakers are woken in batches of this many, with the lock released.
const WAKE_BATCH: usize = 64;

const NANOS_PER_MS: u128 = 1_000_000;

/// The callback that interrupts whoever drives time.
type Unpark = Arc<dyn Fn() + Send + Sync>;

/// Owns the timing wheel of one runtime and advances it.
///
/// This is plumbing between the runtime's parts: user code works with
/// [`sleep`](super::sleep), [`timeout`](super::timeout) and
/// [`interval`](super::interval).
#[doc(hidden)]
pub struct TimeDriver {
    inner: Mutex<Inner>,
    /// The tick the driver waits for: no later than the deadline of any
    /// timer in the wheel, `u64::MAX` when the wheel is empty. Written only
    /// under `inner`'s lock (a new earlier timer lowers it and calls
    /// `unpark`; `next_timeout` sets it to the wheel's next deadline); read
    /// without the lock by [`turn`](Self::turn)'s fast path. `README.md`
    /// ("Who advances the wheel") has the protocol.
    waiting_for: AtomicU64,
    /// The instant of tick `start_tick`.
    base: Instant,
    start_tick: u64,
    /// Set (under the lock) by `shutdown`.
    shutdown: AtomicBool,
    /// Real or paused time (`clock.rs`: the test clock).
    clock: Clock,
    /// Under loom the clock is manual, in ms since `base`, set by the models
    /// (`__loom::time`): real time would make the model nondeterministic.
    #[cfg(runtime_loom)]
    manual_ms: std::sync::atomic::AtomicU64,
}

struct Inner {
    wheel: Wheel<Entry>,
    unpark: Option<Unpark>,
}

/// Why a timer could not be put in the wheel.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RegisterError {
    /// The deadline has passed: the timer is complete.
    Elapsed,
    /// The driver has shut down.
    ShutDown,
}

impl TimeDriver {
    /// A new driver whose clock starts now.
    pub fn new() -> Arc<TimeDriver> {
        Self::starting_at(0)
    }

    /// A new driver whose wheel starts at tick `start_tick` instead of 0
    /// (tests use this to run real timers across a top-level wrap).
    pub(crate) fn starting_at(start_tick: u64) -> Arc<TimeDriver> {
        Arc::new(TimeDriver {
            inner: Mutex::new(Inner {
                wheel: Wheel::starting_at(start_tick),
                unpark: None,
            }),
            waiting_for: AtomicU64::new(u64::MAX),
            base: Instant::now(),
            start_tick,
            shutdown: AtomicBool::new(false),
            clock: Clock::new(),
            #[cfg(runtime_loom)]
            manual_ms: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Time from now until the earliest pending deadline, rounded up to whole
    /// ms; `None` when no timer is pending.
    ///
    /// The driver then waits that long (or until unparked) and calls
    /// [`process`](Self::process). The time may be earlier than every
    /// deadline: the wheel has to cascade a slot then.
    pub fn next_timeout(&self) -> Option<Duration> {
        let next = {
            let inner = self.inner.lock();
            let next = inner.wheel.next_deadline();
            // Relaxed: every write is made under the lock, and the
            // fast path's argument rests on coherence (README.md).
            self.waiting_for
                .store(next.unwrap_or(u64::MAX), Ordering::Relaxed);
            next?
        };
        Some(self.timeout_until(next, self.now()))
    }

    /// What whoever drives time does before each wait: fires the due
    /// timers and returns how long it may then wait: zero if it fired any
    /// (their tasks should run first), else the time until the next
    /// deadline ([`next_timeout`](Self::next_timeout)), `None` when no timer
    /// is pending.
    ///
    /// The I/O poll's timer hook calls this before every poll, and busy
    /// workers poll between tasks, so it has a fast path that takes no lock: while the
    /// clock has not reached the tick the driver waits for (and always when
    /// no timer is pending) nothing can be due, and the wait ends at that
    /// tick. A timer registered meanwhile with an earlier deadline calls the
    /// unpark callback, as it does for a driver already waiting (README.md,
    /// "Who advances the wheel").
    pub fn turn(&self) -> Option<Duration> {
        let waiting_for = self.waiting_for.load(Ordering::Relaxed);
        if waiting_for == u64::MAX {
            return None;
        }
        let now = self.now();
        if self.tick_at(now) < waiting_for {
            return Some(self.timeout_until(waiting_for, now));
        }
        let (fired, next) = self.fire_due();
        if fired > 0 {
            return Some(Duration::ZERO);
        }
        Some(self.timeout_until(next?, self.now()))
    }

    /// Fires every timer whose deadline is `<= now`: marks it elapsed and
    /// wakes its waker, in batches, outside the lock. Returns how many fired.
    /// Cheap when none is due (one uncontended lock, no allocation), and
    /// [`turn`](Self::turn) skips it while none can be.
    pub fn process(&self) -> usize {
        self.fire_due().0
    }

    /// [`process`](Self::process), which also records the wheel's next
    /// deadline as `waiting_for` in its last critical section and returns
    /// it: `turn()`'s slow path then takes the lock once instead of twice
    /// (`process` and `next_timeout`), and after firing timers the next
    /// `turn()` takes the fast path again instead of finding the old
    /// `waiting_for` behind the clock.
    fn fire_due(&self) -> (usize, Option<u64>) {
        let now = self.now_tick();
        let mut wakers = Vec::new();
        let mut fired = 0;
        loop {
            let mut done = None;
            {
                let mut inner = self.inner.lock();
                while wakers.len() < WAKE_BATCH {
                    let Some((_, entry)) = inner.wheel.poll(now) else {
                        let next = inner.wheel.next_deadline();
                        // Relaxed, as in `next_timeout` (README.md).
                        self.waiting_for
                            .store(next.unwrap_or(u64::MAX), Ordering::Relaxed);
                        done = Some(next);
                        break;
                    };
                    entry.shared.fire();
                    fired += 1;
                    if wakers.capacity() == 0 {
                        wakers.reserve_exact(WAKE_BATCH);
                    }
                    wakers.extend(entry.waker);
                }
            }
            for waker in wakers.drain(..) {
                wake_contained(waker, BY);
            }
            if let Some(next) = done {
                return (fired, next);
            }
        }
    }

    /// Registers the callback that interrupts whoever drives time (a condvar
    /// notify, or a `mio::Waker::wake`). It is called when a timer is
    /// inserted with a deadline earlier than the one the driver is waiting
    /// for, and only then.
    pub fn set_unpark(&self, f: Arc<dyn Fn() + Send + Sync>) {
        self.inner.lock().unpark = Some(f);
    }

    /// Shuts down: wakes every pending timer and drops the unpark callback
    /// (nothing will register any more, so nobody needs interrupting; and
    /// the callback may own a handle to whoever drives this driver, which
    /// in turn owns the driver: dropping it breaks any such cycle).
    /// Afterwards polling a pending `Sleep` of this driver, or creating
    /// one, panics.
    pub fn shutdown(&self) {
        let (entries, unpark) = {
            let mut inner = self.inner.lock();
            self.shutdown.store(true, Ordering::Release);
            let entries = inner.wheel.drain();
            for entry in &entries {
                entry.shared.shut_down();
            }
            (entries, inner.unpark.take())
        };
        // Dropped outside the lock: it may free the I/O reactor.
        drop(unpark);
        for entry in entries {
            if let Some(waker) = entry.waker {
                wake_contained(waker, BY);
            }
        }
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Puts a timer due at `deadline` in the wheel, to wake `waker`.
    pub(crate) fn register(
        &self,
        deadline: Instant,
        waker: &Waker,
    ) -> Result<Registration, RegisterError> {
        if self.is_shutdown() {
            return Err(RegisterError::ShutDown);
        }
        let now = self.now();
        if deadline <= now {
            return Err(RegisterError::Elapsed);
        }
        let tick = self.deadline_tick(deadline);
        let shared = Arc::new(EntryShared::new());
        let entry = Entry {
            shared: shared.clone(),
            waker: Some(waker.clone()),
        };
        let unpark;
        let key = {
            let mut inner = self.inner.lock();
            if self.shutdown.load(Ordering::Acquire) {
                return Err(RegisterError::ShutDown);
            }
            if inner.wheel.is_empty() {
                // `turn`'s fast path leaves an empty wheel where it was;
                // advance it to now, as a slow turn would have, so the new
                // entry is filed against the current time (on level 0 if it
                // is due within 64 ms) rather than cascading down later.
                let fired = inner.wheel.poll(self.tick_at(now));
                debug_assert!(fired.is_none(), "an empty wheel fires nothing");
            }
            let key = inner
                .wheel
                .insert(tick, entry)
                .map_err(|_| RegisterError::Elapsed)?;
            unpark = self.lower_waiting_for(&inner, tick);
            key
        };
        if let Some(unpark) = unpark {
            unpark();
        }
        Ok(Registration {
            key,
            shared,
            waker: waker.clone(),
        })
    }

    /// Makes `reg`'s entry wake `waker` instead. Returns `false` when the
    /// entry is no longer waiting (it fired or was shut down).
    pub(crate) fn update_waker(&self, reg: &mut Registration, waker: &Waker) -> bool {
        let mut inner = self.inner.lock();
        if reg.shared.state() != EntryState::Waiting {
            return false;
        }
        inner.wheel.get_mut(reg.key).waker = Some(waker.clone());
        drop(inner);
        reg.waker = waker.clone();
        true
    }

    /// Moves `reg`'s entry to `deadline`. Returns `false`, changing nothing,
    /// when the entry is no longer waiting. A deadline that has passed fires
    /// the entry at once.
    pub(crate) fn reset(&self, reg: &Registration, deadline: Instant) -> bool {
        let passed = deadline <= self.now();
        let tick = self.deadline_tick(deadline);
        let mut inner = self.inner.lock();
        if reg.shared.state() != EntryState::Waiting {
            return false;
        }
        if passed || !inner.wheel.reset(reg.key, tick) {
            let entry = inner.wheel.remove(reg.key);
            entry.shared.fire();
            drop(inner);
            if let Some(waker) = entry.waker {
                wake_contained(waker, BY);
            }
            return true;
        }
        let unpark = self.lower_waiting_for(&inner, tick);
        drop(inner);
        if let Some(unpark) = unpark {
            unpark();
        }
        true
    }

    /// Takes `reg`'s entry out of the wheel if it is still there.
    pub(crate) fn deregister(&self, reg: &Registration) {
        if reg.shared.state() != EntryState::Waiting {
            return;
        }
        let mut inner = self.inner.lock();
        // Re-checked under the lock: once fired, the key may name another timer.
        if reg.shared.state() == EntryState::Waiting {
            drop(inner.wheel.remove(reg.key));
        }
    }

    /// The tick of `deadline`, rounded up so the timer never fires early.
    fn deadline_tick(&self, deadline: Instant) -> u64 {
        let nanos = deadline.saturating_duration_since(self.base).as_nanos();
        self.to_tick(nanos.div_ceil(NANOS_PER_MS))
    }

    /// The tick of the current instant, rounded down.
    fn now_tick(&self) -> u64 {
        self.tick_at(self.now())
    }

    /// The tick of `instant`, rounded down.
    fn tick_at(&self, instant: Instant) -> u64 {
        let nanos = instant.saturating_duration_since(self.base).as_nanos();
        self.to_tick(nanos / NANOS_PER_MS)
    }

    /// The time from `now` until `tick` starts, rounded up to whole ms.
    fn timeout_until(&self, tick: u64, now: Instant) -> Duration {
        let target = Duration::from_millis(tick - self.start_tick);
        let since_base = now.saturating_duration_since(self.base);
        round_up_to_ms(target.saturating_sub(since_base))
    }

    /// Notes a new timer at `tick` (`inner` is the locked state): if the
    /// driver waits for a later tick, or for none, it must be interrupted;
    /// returns the callback to call after unlocking.
    fn lower_waiting_for(&self, inner: &Inner, tick: u64) -> Option<Unpark> {
        // Under the lock, which every writer holds: this reads the latest
        // value.
        if tick < self.waiting_for.load(Ordering::Relaxed) {
            self.waiting_for.store(tick, Ordering::Relaxed);
            inner.unpark.clone()
        } else {
            None
        }
    }

    fn to_tick(&self, ms: u128) -> u64 {
        let ms = u64::try_from(ms).unwrap_or(MAX_TICK).min(MAX_TICK);
        self.start_tick.saturating_add(ms).min(MAX_TICK)
    }

    /// Number of pending timers (tests).
    #[cfg(any(test, runtime_loom))]
    pub(crate) fn pending(&self) -> usize {
        self.inner.lock().wheel.len()
    }

    /// The tick the driver is waiting for (tests).
    #[cfg(any(test, runtime_loom))]
    pub(crate) fn waiting_for(&self) -> u64 {
        let _inner = self.inner.lock();
        self.waiting_for.load(Ordering::Relaxed)
    }
}

impl TimeDriver {
    /// The current instant: the real clock or the paused test clock
    /// (`clock.rs`), or the manual one under loom.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        #[cfg(runtime_loom)]
        {
            let ms = self.manual_ms.load(std::sync::atomic::Ordering::SeqCst);
            self.base + Duration::from_millis(ms)
        }
        #[cfg(not(runtime_loom))]
        self.clock.now(self.base)
    }

    pub(super) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The instant of tick `start_tick`.
    pub(super) fn base(&self) -> Instant {
        self.base
    }

    /// The wheel's next deadline (or slot to cascade), in ns since `base`.
    pub(super) fn next_deadline_nanos(&self) -> Option<u64> {
        let tick = self.inner.lock().wheel.next_deadline()?;
        Some((tick - self.start_tick).saturating_mul(NANOS_PER_MS as u64))
    }

    /// Interrupts whoever waits for the next timer, so it computes its wait
    /// again.
    pub(super) fn unpark_driver(&self) {
        let unpark = self.inner.lock().unpark.clone();
        if let Some(unpark) = unpark {
            unpark();
        }
    }

    /// Sets the manual clock to `ms` after the driver's creation (loom).
    #[cfg(runtime_loom)]
    pub(crate) fn set_manual_clock(&self, ms: u64) {
        self.manual_ms
            .store(ms, std::sync::atomic::Ordering::SeqCst);
    }

    /// The instant `ms` after the driver's creation: tick `start_tick + ms`.
    #[cfg(runtime_loom)]
    pub(crate) fn instant_at(&self, ms: u64) -> Instant {
        self.base + Duration::from_millis(ms)
    }
}

impl fmt::Debug for TimeDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeDriver")
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

fn round_up_to_ms(d: Duration) -> Duration {
    let rest = d.subsec_nanos() % 1_000_000;
    if rest == 0 {
        d
    } else {
        d.checked_add(Duration::from_nanos(u64::from(1_000_000 - rest)))
            .unwrap_or(d)
    }
}

/// Wraps a closure as an unpark callback (loom's `Arc` cannot coerce to a
/// trait object, so it goes through `std`'s there).
pub(crate) fn unpark_fn(f: impl Fn() + Send + Sync + 'static) -> Arc<dyn Fn() + Send + Sync> {
    #[cfg(not(runtime_loom))]
    {
        Arc::new(f)
    }
    #[cfg(runtime_loom)]
    {
        let f: std::sync::Arc<dyn Fn() + Send + Sync> = std::sync::Arc::new(f);
        Arc::from_std(f)
    }
}

// loom's `thread_local!` takes no `const` initialiser.
#[cfg(not(runtime_loom))]
thread_local! {
    static CURRENT: RefCell<Option<Arc<TimeDriver>>> = const { RefCell::new(None) };
}
#[cfg(runtime_loom)]
thread_local! {
    static CURRENT: RefCell<Option<Arc<TimeDriver>>> = RefCell::new(None);
}

/// Makes `driver` the current thread's time driver until the guard drops
/// (the runtime enters it on its worker threads and in `block_on`).
#[doc(hidden)]
pub fn enter(driver: Arc<TimeDriver>) -> EnterGuard {
    let prev = CURRENT.with(|current| current.borrow_mut().replace(driver));
    EnterGuard {
        prev,
        _not_send: PhantomData,
    }
}

/// The current thread's time driver, if a runtime entered one.
#[doc(hidden)]
pub fn try_current() -> Option<Arc<TimeDriver>> {
    CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten()
}

/// Restores the previous current time driver when dropped. Not `Send`: it
/// belongs to the thread that entered.
#[doc(hidden)]
#[must_use = "the driver is current only while the guard lives"]
pub struct EnterGuard {
    prev: Option<Arc<TimeDriver>>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|current| *current.borrow_mut() = prev);
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(runtime_loom)))]
#[path = "time_driver_tests.rs"]
mod tests;
