//! The waiting side of the semaphore protocol (see `semaphore.rs`): the
//! first poll's fast path and enqueue, the lock-free completion, and
//! cancellation.

use super::{Semaphore, CLOSED, SHIFT, WAITERS};
use crate::coop;
use crate::loom::sync::atomic::Ordering::*;
use crate::sync::error::{AcquireError, TryAcquireError};
use crate::sync::waitlist::WakeList;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The waiting part of an acquire: resolves once `needed` permits were taken
/// from the semaphore (the caller then wraps them in a guard).
pub(crate) struct Acquire<'a> {
    sem: &'a Semaphore,
    needed: usize,
    /// Our ticket, while this future has a record in the wait list or had
    /// one that was served or failed and the outcome was not consumed yet.
    ticket: Option<u64>,
}

impl<'a> Acquire<'a> {
    pub(crate) fn new(sem: &'a Semaphore, needed: usize) -> Self {
        assert!(
            needed <= Semaphore::MAX_PERMITS,
            "acquire_many({needed}) can never succeed: at most Semaphore::MAX_PERMITS ({}) permits exist",
            Semaphore::MAX_PERMITS
        );
        Self {
            sem,
            needed,
            ticket: None,
        }
    }

    /// First poll: the fast path, else enqueue under the mutex.
    fn poll_first(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), AcquireError>> {
        match self.sem.try_take(self.needed) {
            Ok(()) => return Poll::Ready(Ok(())),
            Err(TryAcquireError::Closed) => return Poll::Ready(Err(AcquireError)),
            Err(TryAcquireError::NoPermits) => {}
        }
        // Made outside the critical section (it almost always waits now).
        let waker = cx.waker().clone();
        let sem = self.sem;
        let mut w = sem.waiters.lock();
        // Under the mutex `WAITERS` is ours to set, but without it the
        // permits may still change under us (fast paths): a CAS loop.
        let mut cur = sem.state.load(Acquire);
        let assigned = loop {
            if cur & CLOSED != 0 {
                return Poll::Ready(Err(AcquireError));
            }
            if cur & WAITERS != 0 {
                debug_assert_eq!(cur >> SHIFT, 0, "free permits while waiters are queued");
                break 0;
            }
            let free = cur >> SHIFT;
            // Enough permits turned up since the fast path: take them.
            // Otherwise become the head: take every free permit and set
            // `WAITERS` in the same CAS.
            let (new, done) = if free >= self.needed {
                (cur - (self.needed << SHIFT), true)
            } else {
                (WAITERS, false)
            };
            match sem.state.compare_exchange(cur, new, AcqRel, Acquire) {
                Ok(_) if done => return Poll::Ready(Ok(())),
                Ok(_) => break free,
                Err(actual) => cur = actual,
            }
        };
        let ticket = w.next_ticket;
        w.next_ticket += 1;
        w.list.push_back(ticket, self.needed, assigned, waker);
        drop(w);
        self.ticket = Some(ticket);
        Poll::Pending
    }

    /// A later poll: the outcome without the mutex when it is final.
    fn poll_queued(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), AcquireError>> {
        let ticket = self.ticket.expect("queued");
        let served = match self.sem.outcome(ticket) {
            Some(served) => served,
            None => {
                let mut w = self.sem.waiters.lock();
                // Finished between the load and the lock?
                match self.sem.outcome(ticket) {
                    Some(served) => served,
                    None => {
                        w.list.set_waker(ticket, cx.waker());
                        return Poll::Pending;
                    }
                }
            }
        };
        self.ticket = None;
        if served {
            Poll::Ready(Ok(()))
        } else {
            Poll::Ready(Err(AcquireError))
        }
    }
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let out = if this.ticket.is_none() {
            // Zero permits never wait (not even behind queued waiters), but
            // fail once closed: `try_take` does both.
            this.poll_first(cx)
        } else {
            this.poll_queued(cx)
        };
        if out.is_pending() {
            coop::refund();
        }
        out
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        match self.sem.outcome(ticket) {
            // Chosen but cancelled before it ran: the permits are ours to
            // give back, to the next waiter if there is one.
            Some(true) => self.sem.release(self.needed),
            Some(false) => {}
            None => {
                let mut wakers = WakeList::new();
                let mut own_waker = None;
                let mut w = self.sem.waiters.lock();
                let released = match self.sem.outcome(ticket) {
                    Some(true) => self.needed,
                    Some(false) => 0,
                    None => {
                        // Still queued: leave, handing off what the record
                        // holds (only the head can hold any).
                        let (assigned, waker) = w.list.cancel(ticket);
                        own_waker = waker;
                        assigned
                    }
                };
                // Also clears `WAITERS` if the list is now empty.
                self.sem.hand_off(&mut w, released, &mut wakers);
                drop(w);
                wakers.wake_all();
                drop(own_waker);
            }
        }
    }
}
