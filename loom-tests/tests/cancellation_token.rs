//! loom models of `CancellationToken` (`runtime-core/src/group/cancel.rs`,
//! the protocol in its top comment): the token tree's cancel racing child
//! registration, the drop of a child (or of an intermediate node), a
//! waiter, and a callback registration. Every node is a loom `Arc`, so a
//! node left linked in a parent (a parent <-> child cycle) is reported by
//! loom as a leaked `Arc`. The models check that
//!
//! - a child created while its parent is being cancelled is cancelled
//!   either way (born cancelled, or reached by the cancel): its waiter
//!   always completes;
//! - a child dropped while its parent is cancelled leaves nothing behind,
//!   and two children dropped at once both leave;
//! - dropping an intermediate token while the root is cancelled still
//!   cancels the grandchild;
//! - a waiter racing the cancel is woken (no lost wakeup), and a waiter
//!   polled once and dropped during the cancel gives its slot back;
//! - a callback runs at most once, exactly once unless its registration
//!   was dropped before the cancel, and at once when registered on a token
//!   already cancelled.
#![cfg(runtime_loom)]

mod sync_support;

use loom::thread;
use loom_tests::{check, poll_once, Counter};
use runtime_core::__loom::cancel::on_cancel;
use runtime_core::group::CancellationToken;
use sync_support::block_on;

/// The parent is cancelled on another thread while the main thread makes a
/// child and waits on it.
#[test]
fn cancel_races_child_registration() {
    check("cancel_races_child_registration", || {
        let parent = CancellationToken::new();
        let canceller = {
            let parent = parent.clone();
            thread::spawn(move || parent.cancel())
        };
        let child = parent.child_token();
        block_on(child.cancelled());
        assert!(child.is_cancelled());
        canceller.join().unwrap();
    });
}

/// The parent is cancelled while its only child's last handle is dropped;
/// then a second child leaves while the first detaches.
#[test]
fn cancel_races_child_drop() {
    check("cancel_races_child_drop", || {
        let parent = CancellationToken::new();
        let child = parent.child_token();
        let canceller = {
            let parent = parent.clone();
            thread::spawn(move || parent.cancel())
        };
        drop(child);
        canceller.join().unwrap();
        assert!(parent.is_cancelled());
    });
}

/// Two children of one parent drop at the same time (both detach under
/// the parent's lock), and the parent's last handle goes with one of them.
#[test]
fn children_drop_concurrently() {
    check("children_drop_concurrently", || {
        let parent = CancellationToken::new();
        let a = parent.child_token();
        let b = parent.child_token();
        let dropper = thread::spawn(move || drop(a));
        drop(b);
        drop(parent);
        dropper.join().unwrap();
    });
}

/// The root is cancelled while the intermediate token is dropped: the
/// grandchild is cancelled either way (the intermediate node stays linked
/// while it has a child).
#[test]
fn cancel_races_intermediate_drop() {
    check("cancel_races_intermediate_drop", || {
        let root = CancellationToken::new();
        let middle = root.child_token();
        let leaf = middle.child_token();
        let canceller = {
            let root = root.clone();
            thread::spawn(move || root.cancel())
        };
        drop(middle);
        block_on(leaf.cancelled());
        canceller.join().unwrap();
    });
}

/// A waiter awaits while another thread cancels; a second waiter is polled
/// once and dropped during the cancel.
#[test]
fn cancel_races_waiters() {
    check("cancel_races_waiters", || {
        let token = CancellationToken::new();
        let canceller = {
            let token = token.clone();
            thread::spawn(move || token.cancel())
        };
        let mut dropped = token.cancelled();
        let _ = poll_once(&mut dropped);
        drop(dropped);
        block_on(token.cancelled());
        canceller.join().unwrap();
    });
}

/// A callback is registered and then unregistered while the token is
/// cancelled: it runs at most once, and if the registration found the
/// token cancelled it ran right away.
#[test]
fn cancel_races_callback_registration() {
    check("cancel_races_callback_registration", || {
        let token = CancellationToken::new();
        let runs = Counter::new();
        let canceller = {
            let token = token.clone();
            thread::spawn(move || token.cancel())
        };
        let counted = runs.clone();
        let registration = on_cancel(&token, move || counted.incr());
        let registered = registration.is_some();
        if !registered {
            assert_eq!(
                runs.get(),
                1,
                "on a cancelled token the callback runs at once"
            );
        }
        drop(registration);
        canceller.join().unwrap();
        assert!(runs.get() <= 1, "a callback runs at most once");
        let counted = runs.clone();
        assert!(on_cancel(&token, move || counted.incr()).is_none());
    });
}

/// A callback whose registration is kept always runs exactly once.
#[test]
fn kept_callback_runs_once() {
    check("kept_callback_runs_once", || {
        let parent = CancellationToken::new();
        let child = parent.child_token();
        let runs = Counter::new();
        let counted = runs.clone();
        let registration = on_cancel(&child, move || counted.incr());
        let canceller = {
            let parent = parent.clone();
            thread::spawn(move || parent.cancel())
        };
        drop(child);
        canceller.join().unwrap();
        assert_eq!(runs.get(), 1);
        drop(registration);
    });
}
