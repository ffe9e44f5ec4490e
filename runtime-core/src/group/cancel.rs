//! `CancellationToken`: a cancellation signal shared by many tasks, with
//! child tokens (tokio-util's `CancellationToken`).
//!
//! # Protocol
//!
//! A token is a handle to a *node*. A node holds its parent (fixed at
//! creation), an atomic `cancelled` flag for the lock-free
//! `is_cancelled`, and one mutex over the rest: `cancelled` again (the
//! flag's writer holds the lock), the number of token handles, its
//! *children* in a slab (child nodes, and the callbacks a `TaskGroup`
//! registers), the key under which it sits in its parent's slab, and the
//! wakers of tasks waiting in `cancelled()`.
//!
//! **Lock order.** A parent's lock is taken before a child's, and only
//! `detach` (below) holds two locks. Nothing else nests, and no waker,
//! callback or drop of a node runs under a lock.
//!
//! - **cancel**: lock the node; if already cancelled, stop; else set
//!   `cancelled` (lock and flag), take its children and waiters out; unlock;
//!   wake the waiters, run the callbacks, and cancel the child nodes the same
//!   way (an explicit work list, so a deep tree cannot overflow the stack).
//!   Then the node detaches itself from its parent: a cancelled node has
//!   nothing left to learn from it.
//! - **child_token**: under the parent's lock, if the parent is cancelled
//!   the child is created cancelled (and not linked); otherwise it is
//!   inserted in the parent's slab, its key recorded in it. A cancel either
//!   came before (the child is born cancelled) or finds the child in the
//!   slab: a child is never missed.
//! - **keys**: a slab entry is removed only by its owner (the child's
//!   `detach`, a callback's registration) or by the parent's cancel, which
//!   drains the slab; after a cancel nothing is inserted again. So a key
//!   never names another entry, and once the parent is cancelled, a stale
//!   key is simply ignored.
//! - **drop of the last handle**: a node with no handles left and no
//!   children can never be cancelled directly again, so it detaches: lock
//!   the parent, lock the node, and, if the node is still removable and the
//!   parent not cancelled, remove the node's entry. If that leaves the
//!   parent with no handles and no children either, the parent detaches
//!   too, up the tree. A node without handles that still has children stays
//!   linked (a cancel of its ancestors must reach them) until its last
//!   child goes. Nothing is leaked and nothing is re-parented.
//! - **cancelled()**: fast path, the atomic flag; else under the lock, a
//!   cancelled node completes the wait, an open one stores the waker in its
//!   slot (inserted on the first poll, refreshed later). Cancel takes the
//!   wakers in the same critical section that sets the flag, so a waiter
//!   either sees the flag or is woken. A waiter dropped before the cancel
//!   removes its slot.
//!
//! The loom models are in `loom-tests/tests/cancellation_token.rs`.

use crate::coop;
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::{Arc, Mutex};
use slab::Slab;
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{ready, Context, Poll, Waker};

/// A signal that many tasks can watch and anyone can raise: once
/// [`cancel`](Self::cancel) is called, [`is_cancelled`](Self::is_cancelled)
/// is true and every [`cancelled`](Self::cancelled) future completes, for
/// this token, its clones, and every token made from it with
/// [`child_token`](Self::child_token) (cancelling a child does not cancel
/// its parent).
///
/// Clones share one signal. Give a token to a [`TaskGroup`] with
/// [`TaskGroup::with_token`] and cancelling it cancels the group.
///
/// ```
/// # runtime_core::scheduler::Runtime::new().unwrap().block_on(async {
/// use runtime_core::group::CancellationToken;
/// use runtime_core::time::{sleep, Duration};
///
/// let shutdown = CancellationToken::new();
/// let worker = runtime_core::scheduler::spawn({
///     let token = shutdown.child_token();
///     async move {
///         let mut ticks = 0;
///         loop {
///             runtime_core::select! {
///                 _ = token.cancelled() => return ticks,
///                 _ = sleep(Duration::from_millis(1)) => ticks += 1,
///             }
///         }
///     }
/// });
/// sleep(Duration::from_millis(5)).await;
/// shutdown.cancel(); // reaches the child token
/// let ticks = worker.await.unwrap(); // the worker stopped
/// println!("{ticks} ticks before the shutdown");
///
/// // A child's cancellation stays below it.
/// let child = shutdown.child_token();
/// assert!(child.is_cancelled(), "born from a cancelled parent");
/// let root = CancellationToken::new();
/// root.child_token().cancel();
/// assert!(!root.is_cancelled());
/// # });
/// ```
///
/// [`TaskGroup`]: super::TaskGroup
/// [`TaskGroup::with_token`]: super::TaskGroup::with_token
pub struct CancellationToken {
    node: Arc<Node>,
}

struct Node {
    /// Fixed at creation; `None` for a root (or a child born cancelled).
    parent: Option<Arc<Node>>,
    /// Mirrors `Inner::cancelled`, for `is_cancelled` without the lock.
    cancelled: AtomicBool,
    inner: Mutex<Inner>,
}

struct Inner {
    cancelled: bool,
    /// Live `CancellationToken`s for this node (clones, owned waiters,
    /// drop guards).
    handles: usize,
    children: Slab<Child>,
    /// This node's key in its parent's `children`.
    key_in_parent: Option<usize>,
    waiters: Slab<Waker>,
}

enum Child {
    Token(Arc<Node>),
    Callback(Box<dyn FnOnce() + Send>),
}

impl Node {
    fn new(parent: Option<Arc<Node>>, cancelled: bool, key_in_parent: Option<usize>) -> Node {
        Node {
            parent,
            cancelled: AtomicBool::new(cancelled),
            inner: Mutex::new(Inner {
                cancelled,
                handles: 1,
                children: Slab::new(),
                key_in_parent,
                waiters: Slab::new(),
            }),
        }
    }
}

impl Drop for Node {
    /// Frees a chain of parents this node was the last to hold one by one,
    /// instead of one nested drop per ancestor (which a long chain of child
    /// tokens would overflow the stack with).
    fn drop(&mut self) {
        let mut next = self.parent.take();
        while let Some(parent) = next {
            next = match Arc::try_unwrap(parent) {
                Ok(mut node) => node.parent.take(),
                Err(_) => None,
            };
        }
    }
}

/// Cancels `root` and everything below it; then detaches `root` from its
/// parent.
fn cancel(root: &Arc<Node>) {
    let mut work = vec![root.clone()];
    let mut first = true;
    while let Some(node) = work.pop() {
        let (children, waiters) = {
            let mut inner = node.inner.lock();
            if inner.cancelled {
                if first {
                    return;
                }
                continue;
            }
            inner.cancelled = true;
            node.cancelled.store(true, Release);
            (
                std::mem::take(&mut inner.children),
                std::mem::take(&mut inner.waiters),
            )
        };
        first = false;
        for waker in waiters.into_iter().map(|(_, w)| w) {
            waker.wake();
        }
        for (_, child) in children {
            match child {
                Child::Token(node) => work.push(node),
                Child::Callback(callback) => callback(),
            }
        }
    }
    detach(root.clone());
}

/// Removes `node` from its parent's children if it is cancelled, or has
/// neither handles nor children; walks up while that empties the parent.
fn detach(mut node: Arc<Node>) {
    loop {
        let Some(parent) = node.parent.clone() else {
            return;
        };
        let (removed, cascade) = {
            let mut p = parent.inner.lock();
            let mut me = node.inner.lock();
            let removable = me.cancelled || (me.handles == 0 && me.children.is_empty());
            let removed = match me.key_in_parent {
                Some(key) if removable && !p.cancelled => {
                    me.key_in_parent = None;
                    Some(p.children.remove(key))
                }
                _ => None,
            };
            let cascade =
                removed.is_some() && !p.cancelled && p.handles == 0 && p.children.is_empty();
            (removed, cascade)
        };
        drop(removed);
        if !cascade {
            return;
        }
        node = parent;
    }
}

impl CancellationToken {
    /// A new token, not cancelled, with no parent.
    pub fn new() -> CancellationToken {
        CancellationToken {
            node: Arc::new(Node::new(None, false, None)),
        }
    }

    /// Cancels this token and every child token (transitively): every
    /// `cancelled()` future of theirs completes, and a `TaskGroup` given one
    /// of them is cancelled. Idempotent; the parent is not affected. When it
    /// returns, the whole subtree is cancelled.
    pub fn cancel(&self) {
        cancel(&self.node);
    }

    /// Whether this token has been cancelled (directly or through a parent).
    pub fn is_cancelled(&self) -> bool {
        self.node.cancelled.load(Acquire)
    }

    /// A new token that is cancelled when this one is (or on its own):
    /// cancelling the child does not cancel this token. Dropping every
    /// handle of the child unlinks it from this one.
    pub fn child_token(&self) -> CancellationToken {
        let mut inner = self.node.inner.lock();
        if inner.cancelled {
            return CancellationToken {
                node: Arc::new(Node::new(None, true, None)),
            };
        }
        let entry = inner.children.vacant_entry();
        let child = Arc::new(Node::new(Some(self.node.clone()), false, Some(entry.key())));
        entry.insert(Child::Token(child.clone()));
        CancellationToken { node: child }
    }

    /// Completes once this token is cancelled (at once if it already is).
    ///
    /// Cancel safety: yes. Waiting consumes nothing; a dropped `cancelled()`
    /// only gives up its waker slot.
    pub fn cancelled(&self) -> WaitForCancellation<'_> {
        WaitForCancellation {
            node: &self.node,
            waiter: Waiter { key: None },
        }
    }

    /// [`cancelled`](Self::cancelled) as a `'static` future that owns the
    /// token, to move into a task or store in a struct.
    ///
    /// Cancel safety: yes, as [`cancelled`](Self::cancelled).
    pub fn cancelled_owned(self) -> WaitForCancellationOwned {
        WaitForCancellationOwned {
            token: self,
            waiter: Waiter { key: None },
        }
    }

    /// Runs `future` until it completes (`Some(output)`) or this token is
    /// cancelled (`None`, and `future` is dropped). A token already cancelled
    /// wins over a future that is ready at once.
    ///
    /// Cancel safety: it is as cancel safe as `future`.
    pub async fn run_until_cancelled<F: Future>(&self, future: F) -> Option<F::Output> {
        let mut future = pin!(future);
        let mut cancelled = pin!(self.cancelled());
        std::future::poll_fn(|cx| {
            if cancelled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            future.as_mut().poll(cx).map(Some)
        })
        .await
    }

    /// A guard that cancels this token when dropped (unless
    /// [`disarm`](CancellationDropGuard::disarm)ed): cancellation on every exit path of a
    /// scope, including a panic or the scope's own cancellation.
    pub fn drop_guard(self) -> CancellationDropGuard {
        CancellationDropGuard { token: Some(self) }
    }

    /// Runs `callback` when this token is cancelled (at once, here, if it
    /// already is), until the returned registration is dropped.
    pub(crate) fn on_cancel(&self, callback: impl FnOnce() + Send + 'static) -> Option<OnCancel> {
        let mut inner = self.node.inner.lock();
        if inner.cancelled {
            drop(inner);
            callback();
            return None;
        }
        let key = inner.children.insert(Child::Callback(Box::new(callback)));
        Some(OnCancel {
            node: self.node.clone(),
            key,
        })
    }
}

#[cfg(all(test, not(runtime_loom)))]
impl CancellationToken {
    /// Entries in this node's children slab (child nodes and callbacks).
    pub(crate) fn children(&self) -> usize {
        self.node.inner.lock().children.len()
    }
}

impl Default for CancellationToken {
    fn default() -> Self {
        CancellationToken::new()
    }
}

impl Clone for CancellationToken {
    /// Another handle to the same token (not a child).
    fn clone(&self) -> Self {
        self.node.inner.lock().handles += 1;
        CancellationToken {
            node: self.node.clone(),
        }
    }
}

impl Drop for CancellationToken {
    fn drop(&mut self) {
        let removable = {
            let mut inner = self.node.inner.lock();
            inner.handles -= 1;
            inner.handles == 0 && inner.children.is_empty()
        };
        if removable {
            detach(self.node.clone());
        }
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .finish()
    }
}

/// A callback registered with [`CancellationToken::on_cancel`]; dropping it
/// unregisters the callback (if it has not run).
pub(crate) struct OnCancel {
    node: Arc<Node>,
    key: usize,
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        let (callback, removable) = {
            let mut inner = self.node.inner.lock();
            if inner.cancelled {
                return;
            }
            let callback = inner.children.remove(self.key);
            (callback, inner.handles == 0 && inner.children.is_empty())
        };
        drop(callback);
        if removable {
            detach(self.node.clone());
        }
    }
}

/// A waiter's slot in a node's `waiters`.
struct Waiter {
    key: Option<usize>,
}

impl Waiter {
    fn poll(&mut self, node: &Node, cx: &mut Context<'_>) -> Poll<()> {
        if node.cancelled.load(Acquire) {
            return Poll::Ready(());
        }
        ready!(coop::poll_proceed(cx));
        let mut inner = node.inner.lock();
        if inner.cancelled {
            // The cancel drained `waiters`: the key is stale.
            self.key = None;
            return Poll::Ready(());
        }
        match self.key {
            Some(key) => match inner.waiters.get_mut(key) {
                Some(w) if w.will_wake(cx.waker()) => {}
                Some(w) => *w = cx.waker().clone(),
                None => unreachable!("a waiter's slot is removed only by its owner or a cancel"),
            },
            None => self.key = Some(inner.waiters.insert(cx.waker().clone())),
        }
        drop(inner);
        coop::refund();
        Poll::Pending
    }

    fn release(&mut self, node: &Node) {
        let Some(key) = self.key.take() else { return };
        let waker = {
            let mut inner = node.inner.lock();
            if inner.cancelled {
                return;
            }
            inner.waiters.remove(key)
        };
        drop(waker);
    }
}

/// The future of [`CancellationToken::cancelled`].
#[must_use = "futures do nothing unless polled"]
pub struct WaitForCancellation<'a> {
    node: &'a Arc<Node>,
    waiter: Waiter,
}

impl Future for WaitForCancellation<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.waiter.poll(this.node, cx)
    }
}

impl Drop for WaitForCancellation<'_> {
    fn drop(&mut self) {
        self.waiter.release(self.node);
    }
}

impl fmt::Debug for WaitForCancellation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellation")
            .finish_non_exhaustive()
    }
}

/// The future of [`CancellationToken::cancelled_owned`].
#[must_use = "futures do nothing unless polled"]
pub struct WaitForCancellationOwned {
    token: CancellationToken,
    waiter: Waiter,
}

impl Future for WaitForCancellationOwned {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.waiter.poll(&this.token.node, cx)
    }
}

impl Drop for WaitForCancellationOwned {
    fn drop(&mut self) {
        self.waiter.release(&self.token.node);
    }
}

impl fmt::Debug for WaitForCancellationOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationOwned")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Cancels its token when dropped; see [`CancellationToken::drop_guard`].
#[must_use = "the token is cancelled as soon as an unused guard is dropped"]
pub struct CancellationDropGuard {
    token: Option<CancellationToken>,
}

impl CancellationDropGuard {
    /// Gives the token back without cancelling it.
    pub fn disarm(mut self) -> CancellationToken {
        self.token
            .take()
            .expect("a CancellationDropGuard holds its token until dropped")
    }
}

impl Drop for CancellationDropGuard {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            token.cancel();
        }
    }
}

impl fmt::Debug for CancellationDropGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationDropGuard")
            .field("token", &self.token)
            .finish()
    }
}
