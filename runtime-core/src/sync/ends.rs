//! The two ends of a `watch` or `broadcast` channel: how many senders and
//! receivers are alive, and who waits on each side.
//!
//! Both channels keep an [`Ends`] inside their one state mutex, so every
//! rule below runs in the same critical section as the channel's own
//! state:
//!
//! - The channel starts with one sender and one receiver. Cloning either
//!   counts it up ([`Ends::sender_cloned`], [`Ends::receiver_cloned`]).
//! - The last sender's drop sets `closed` and unlinks every receive waiter
//!   (`rx_waiters`), so each one looks again, finds `closed` and returns
//!   its "channel closed" result.
//! - The last receiver's drop unlinks every `Sender::closed` waiter
//!   (`tx_waiters`). A `closed` waiter that wakes to find a receiver again
//!   (one subscribed in between) queues again ([`requeue`]).
//! - A waiter whose future is dropped removes its node; nothing is passed
//!   on, because each wake-up here goes to every waiter of its side.
//!
//! The wakers unlinked go into a [`WakeList`] that the caller wakes after
//! releasing the lock. The loom models are the channels' own
//! (`loom-tests/tests/sync_broadcast.rs`, `sync_watch.rs`).

use super::waitlist::{WaitList, WakeList};
use std::task::{Context, Poll};

/// Live senders and receivers of a channel, and the waiters of each side.
pub(super) struct Ends {
    pub(super) senders: usize,
    pub(super) receivers: usize,
    /// Every sender is gone.
    pub(super) closed: bool,
    /// Receivers waiting for a value (or for `closed`).
    pub(super) rx_waiters: WaitList<()>,
    /// `Sender::closed` futures waiting for the last receiver to go.
    pub(super) tx_waiters: WaitList<()>,
}

impl Ends {
    /// One sender, one receiver, nobody waiting.
    pub(super) fn new() -> Ends {
        Ends {
            senders: 1,
            receivers: 1,
            closed: false,
            rx_waiters: WaitList::new(),
            tx_waiters: WaitList::new(),
        }
    }

    pub(super) fn sender_cloned(&mut self) {
        self.senders += 1;
    }

    pub(super) fn receiver_cloned(&mut self) {
        self.receivers += 1;
    }

    /// A sender is gone; the last one closes the channel and hands every
    /// receive waiter to `wakers`.
    pub(super) fn sender_dropped(&mut self, wakers: &mut WakeList) {
        self.senders -= 1;
        if self.senders == 0 {
            self.closed = true;
            self.rx_waiters.unlink_all(wakers, |_| {});
        }
    }

    /// A receiver is gone; the last one hands every `Sender::closed` waiter
    /// to `wakers`.
    pub(super) fn receiver_dropped(&mut self, wakers: &mut WakeList) {
        self.receivers -= 1;
        if self.receivers == 0 {
            self.tx_waiters.unlink_all(wakers, |_| {});
        }
    }

    /// One poll of a `Sender::closed` future whose node is `key`: ready
    /// once no receiver is left, else queued (or refreshed).
    pub(super) fn poll_closed(&mut self, key: &mut Option<usize>, cx: &Context<'_>) -> Poll<()> {
        if self.receivers == 0 {
            if let Some(k) = key.take() {
                self.tx_waiters.remove(k);
            }
            return Poll::Ready(());
        }
        requeue(&mut self.tx_waiters, key, cx);
        Poll::Pending
    }
}

/// Queues (or refreshes) a waiter's node in `list`. A node already
/// unlinked means the waiter was woken and the condition it was woken for
/// has gone again: it queues anew, at the back.
pub(super) fn requeue(list: &mut WaitList<()>, key: &mut Option<usize>, cx: &Context<'_>) {
    match *key {
        Some(k) if list.is_linked(k) => list.set_waker(k, cx.waker()),
        Some(k) => {
            list.remove(k);
            *key = Some(list.push_back((), Some(cx.waker())));
        }
        None => *key = Some(list.push_back((), Some(cx.waker()))),
    }
}
