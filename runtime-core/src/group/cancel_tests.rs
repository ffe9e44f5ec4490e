//! Unit tests of `cancel.rs` that look inside the token tree: dropped
//! children leave their parent, nothing is left linked.

use super::cancel::CancellationToken;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn dropped_children_leave_the_parent() {
    let root = CancellationToken::new();
    let children: Vec<_> = (0..100).map(|_| root.child_token()).collect();
    assert_eq!(root.children(), 100);
    let clones: Vec<_> = children.iter().map(Clone::clone).collect();
    drop(children);
    assert_eq!(root.children(), 100, "clones keep the children linked");
    drop(clones);
    assert_eq!(root.children(), 0);
}

#[test]
fn a_node_with_children_stays_until_its_last_child_goes() {
    let root = CancellationToken::new();
    let child = root.child_token();
    let grandchild = child.child_token();
    drop(child);
    assert_eq!(root.children(), 1, "kept for the grandchild's sake");
    drop(grandchild);
    assert_eq!(root.children(), 0, "gone with its last child, up the tree");
}

#[test]
fn a_cancelled_child_leaves_at_once_and_a_cancelled_parent_drains() {
    let root = CancellationToken::new();
    let a = root.child_token();
    let _b = root.child_token();
    a.cancel();
    assert_eq!(
        root.children(),
        1,
        "a cancelled child has nothing left to learn"
    );
    root.cancel();
    assert_eq!(root.children(), 0);
    drop(a);
}

#[test]
fn callbacks_run_once_and_unregister_on_drop() {
    let runs = Arc::new(AtomicUsize::new(0));
    let token = CancellationToken::new();
    let counted = runs.clone();
    let kept = token.on_cancel(move || {
        counted.fetch_add(1, SeqCst);
    });
    let counted = runs.clone();
    let dropped = token.on_cancel(move || {
        counted.fetch_add(100, SeqCst);
    });
    assert_eq!(token.children(), 2);
    drop(dropped);
    assert_eq!(token.children(), 1);
    token.cancel();
    token.cancel();
    assert_eq!(runs.load(SeqCst), 1);
    drop(kept);
    let counted = runs.clone();
    assert!(token
        .on_cancel(move || {
            counted.fetch_add(10, SeqCst);
        })
        .is_none());
    assert_eq!(
        runs.load(SeqCst),
        11,
        "on a cancelled token it runs at once"
    );
}

#[test]
fn a_registration_without_token_handles_still_detaches() {
    let root = CancellationToken::new();
    let child = root.child_token();
    let registration = child.on_cancel(|| {});
    drop(child);
    assert_eq!(
        root.children(),
        1,
        "the registration keeps the child linked"
    );
    drop(registration);
    assert_eq!(root.children(), 0);
}

#[test]
fn a_deep_chain_cancels_without_recursion() {
    let root = CancellationToken::new();
    let mut chain = vec![root.child_token()];
    for _ in 0..100_000 {
        let next = chain.last().unwrap().child_token();
        chain.push(next);
    }
    root.cancel();
    assert!(chain.last().unwrap().is_cancelled());
    // Dropping from the root down frees the whole chain at the leaf's drop,
    // without recursing either.
    drop(root);
    chain.reverse();
    while chain.pop().is_some() {}
}
