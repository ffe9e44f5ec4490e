//! asyncio's `Barrier`: `n` tasks wait until all of them have arrived.
//!
//! # Waiter protocol
//!
//! State (one mutex): `parties`, `arrived` (tasks waiting in the current
//! round) and a [`WaitList`].
//!
//! - A `wait` future arrives on its first poll: `arrived += 1`. If that makes
//!   `arrived == parties` it is the leader: it resets `arrived` to 0 (a new
//!   round starts), unlinks every queued waiter and wakes them after
//!   releasing the lock, and returns at once. Otherwise it enqueues (same
//!   critical section as the count, so the leader cannot miss it).
//! - A queued waiter whose node was unlinked has been released: it returns.
//! - Drop of a waiter still queued withdraws its arrival (`arrived -= 1`), so
//!   a cancelled task never counts towards a round. Drop after release does
//!   nothing: the round is complete.

use super::waitlist::{WaitList, WakeList};
use crate::coop;
use crate::loom::sync::Mutex;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A barrier for `n` tasks, like asyncio's `Barrier`: [`wait`](Barrier::wait)
/// blocks until `n` tasks are waiting, then releases them all and resets for
/// the next round. Exactly one task per round is told it is the leader.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::sync::Barrier;
/// use std::sync::Arc;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let tasks: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         runtime_core::scheduler::spawn(async move { barrier.wait().await.is_leader() })
///     })
///     .collect();
/// let mut leaders = 0;
/// for t in tasks {
///     leaders += t.await.unwrap() as usize;
/// }
/// assert_eq!(leaders, 1);
/// # });
/// ```
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
}

struct State {
    arrived: usize,
    waiters: WaitList<()>,
}

impl Barrier {
    /// Creates a barrier for `n` tasks. `Barrier::new(0)` behaves like
    /// `Barrier::new(1)`: every `wait` returns at once as leader.
    pub fn new(n: usize) -> Self {
        Self {
            parties: n.max(1),
            state: Mutex::new(State {
                arrived: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// The number of tasks a round needs.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The number of tasks waiting in the current round.
    pub fn n_waiting(&self) -> usize {
        self.state.lock().arrived
    }

    /// Waits until `parties` tasks are waiting.
    ///
    /// # Cancellation safety
    ///
    /// Cancel safety: yes. A waiter dropped before the round completes withdraws
    /// from it (the round then needs another task). A waiter dropped after
    /// the round completed leaves the round complete for the others.
    pub fn wait(&self) -> impl Future<Output = BarrierWaitResult> + Send + Sync + '_ {
        Wait {
            barrier: self,
            key: None,
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("waiting", &self.n_waiting())
            .finish()
    }
}

/// What [`Barrier::wait`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// Whether this task completed the round (exactly one per round).
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

struct Wait<'a> {
    barrier: &'a Barrier,
    key: Option<usize>,
}

impl Future for Wait<'_> {
    type Output = BarrierWaitResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let mut wakers = WakeList::new();
        let mut st = this.barrier.state.lock();
        match this.key {
            None => {
                st.arrived += 1;
                if st.arrived == this.barrier.parties {
                    st.arrived = 0;
                    st.waiters.unlink_all(&mut wakers, |_| {});
                    drop(st);
                    wakers.wake_all();
                    return Poll::Ready(BarrierWaitResult { leader: true });
                }
                this.key = Some(st.waiters.push_back((), Some(cx.waker())));
            }
            Some(key) if st.waiters.is_linked(key) => st.waiters.set_waker(key, cx.waker()),
            Some(key) => {
                st.waiters.remove(key);
                this.key = None;
                return Poll::Ready(BarrierWaitResult { leader: false });
            }
        }
        drop(st);
        coop::refund();
        Poll::Pending
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut st = self.barrier.state.lock();
        if st.waiters.is_linked(key) {
            st.arrived -= 1;
        }
        st.waiters.remove(key);
    }
}
