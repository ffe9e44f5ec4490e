//! The reactor thread's loop, in its two modes.
//!
//! - **Alone** ([`Reactor::start`](super::Reactor::start)): the thread is the
//!   only driver; it blocks in the poll turn after turn.
//! - **Shared** ([`Reactor::start_shared`](super::Reactor::start_shared), what
//!   the runtime uses): the runtime's threads drive the poll themselves (a
//!   parked worker blocks in it, busy workers poll it without blocking), and
//!   the thread is the *backstop*: it drives only when nobody else has for a
//!   whole tick ([`BACKSTOP`], backing off to [`BACKSTOP_MAX`] while the
//!   workers keep taking turns), or when a parking thread found the poll
//!   taken. `README.md` ("Who drives the poll") has the argument.

use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::time::Duration;

use super::poll_turn::{lock, stopping, try_lock, turn, wake_collected, Wait};
use super::Inner;

/// How long the poll may go untouched while the runtime is busy before the
/// reactor thread drives it itself: the first tick, and the tick after any
/// look that found no turn taken (or after the thread drove).
pub(super) const BACKSTOP: Duration = Duration::from_millis(1);

/// The longest tick. While every look finds that turns were taken (busy
/// workers drive the poll themselves), the tick doubles up to this, so a
/// busy runtime is disturbed at most every `BACKSTOP_MAX`. It bounds how
/// late the thread steps in once the turns stop: within two ticks, at most
/// `2 * BACKSTOP_MAX` (`README.md`, "Who drives the poll").
pub(super) const BACKSTOP_MAX: Duration = Duration::from_millis(16);

/// The tick after a look that found turns taken during `tick`.
fn back_off(tick: Duration) -> Duration {
    (tick * 2).min(BACKSTOP_MAX)
}

/// Runs until asked to stop (or the poll fails), then shuts every source
/// down. The shutdown also runs if the timer hook or a waker panics.
pub(super) fn run(inner: &Inner, shared: bool) {
    struct FinishOnExit<'a>(&'a Inner);
    impl Drop for FinishOnExit<'_> {
        fn drop(&mut self) {
            self.0.finish_shutdown();
        }
    }
    let _finish = FinishOnExit(inner);
    if shared {
        run_backstop(inner);
    } else {
        while !stopping(inner) {
            if !drive(inner) {
                break;
            }
        }
    }
}

/// One blocking turn on the reactor thread. `false` if the poll failed.
fn drive(inner: &Inner) -> bool {
    let mut state = lock(inner);
    let result = turn(inner, &mut state, Wait::Block, &mut || true);
    drop(state);
    wake_collected();
    match result {
        Ok(_) => true,
        Err(err) => {
            eprintln!("runtime::net: the I/O reactor's poll failed, shutting it down: {err}");
            false
        }
    }
}

/// The shared mode's loop.
///
/// Each round the thread decides whether the poll needs it:
/// - a parking thread found the poll taken (`missed`): drive now;
/// - somebody is parked in the poll (`in_driver`) and the last tick saw no
///   turn (the runtime is idle): the parked thread will see every event, so
///   sleep without a timeout (announced in `thread_sleeping`; whoever leaves
///   the poll wakes the thread);
/// - otherwise sleep one tick and drive only if no turn was taken meanwhile
///   (every worker is busy in long polls, or parked on its condvar because
///   it lost a race for the poll). The tick starts at [`BACKSTOP`], doubles
///   (up to [`BACKSTOP_MAX`]) each time the look finds turns taken, and
///   goes back to [`BACKSTOP`] as soon as one finds none, or the thread
///   drives.
fn run_backstop(inner: &Inner) {
    let mut seen_turns = inner.turns.load(Relaxed);
    // Whether the last tick found the runtime idle: no turn taken during it.
    let mut idle_tick = false;
    let mut tick = BACKSTOP;
    loop {
        if stopping(inner) {
            return;
        }
        if !inner.missed.swap(false, SeqCst) {
            // Sleep for good only when the runtime is idle: a worker is
            // parked in the poll *and* no turn was taken during the last
            // tick. While workers keep parking and waking, the thread keeps
            // ticking instead, so leaving the poll never has to wake it.
            if idle_tick && inner.in_driver.load(SeqCst) {
                idle_tick = false;
                // Announce the sleep, then re-check: a thread leaving the poll
                // clears `in_driver` and then reads `thread_sleeping` (both
                // SeqCst), so it either sees the announcement and wakes us or
                // we see it gone here.
                inner.thread_sleeping.store(true, SeqCst);
                if inner.in_driver.load(SeqCst) && !inner.missed.load(SeqCst) && !stopping(inner) {
                    std::thread::park();
                }
                inner.thread_sleeping.store(false, SeqCst);
                seen_turns = inner.turns.load(Relaxed);
                continue;
            }
            std::thread::park_timeout(tick);
            if stopping(inner) {
                return;
            }
            if !inner.missed.swap(false, SeqCst) {
                let turns = inner.turns.load(Relaxed);
                idle_tick = turns == seen_turns;
                // Turns taken: the workers drive, look again later. None:
                // the next look comes soon (or, idle, the thread sleeps).
                tick = if idle_tick { BACKSTOP } else { back_off(tick) };
                if turns != seen_turns || inner.in_driver.load(SeqCst) {
                    seen_turns = turns;
                    continue;
                }
            }
        }
        tick = BACKSTOP;
        // Nobody drives: block in the poll here until an event, a timer or
        // a wake-up, then hand it back.
        let Some(mut state) = try_lock(inner) else {
            continue;
        };
        let result = turn(inner, &mut state, Wait::Block, &mut || true);
        if matches!(result, Ok(n) if n > 0) {
            // The tasks just woken will run, and the worker that runs out of
            // them parks in the poll: a miss recorded before now is stale.
            inner.missed.store(false, SeqCst);
        }
        drop(state);
        wake_collected();
        if let Err(err) = result {
            eprintln!("runtime::net: the I/O reactor's poll failed, shutting it down: {err}");
            return;
        }
        seen_turns = inner.turns.load(Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tick_doubles_up_to_the_cap() {
        let mut tick = BACKSTOP;
        let mut ticks = vec![tick];
        while tick < BACKSTOP_MAX {
            tick = back_off(tick);
            ticks.push(tick);
        }
        let ms: Vec<u128> = ticks.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [1, 2, 4, 8, 16]);
        assert_eq!(back_off(BACKSTOP_MAX), BACKSTOP_MAX);
    }
}
