//! `select!`: wait on several futures at once, on the current task, and run
//! the handler of the first one to complete (Tokio's `select!`, asyncio's
//! `wait(..., return_when=FIRST_COMPLETED)` without tasks).
//!
//! This module holds the macro's hidden support (`runtime_core::__select`);
//! the macro itself is [`select!`](crate::select!) at the crate root.
//!
//! # How the expansion works
//!
//! The macro is plain `macro_rules`. It munches its input branch by branch
//! into a list of records (one fresh, hygienic identifier for each branch's
//! future and for its result slot, the branch's index written as
//! `0 + 1 + 1 ...`, its pattern as raw tokens, its future, its optional
//! precondition and its handler), then writes out:
//!
//! 1. the preconditions, in branch order: a false one disables its branch;
//! 2. the futures, in branch order (disabled ones too, never polled), each
//!    pinned on the stack with `core::pin::pin!`, inside an inner block;
//! 3. one `poll_fn` that polls the enabled branches in turn, starting at
//!    branch 0 (`biased;`) or at a branch drawn from a per-thread xorshift
//!    generator, and wrapping around. A branch that completes is disabled;
//!    its value is checked against the branch's pattern (matched by
//!    reference, with `mut` and `ref` removed, so nothing moves). On a match
//!    the value goes into the branch's slot and the `poll_fn` returns the
//!    branch index; on a mismatch the value is dropped and polling goes on
//!    with the other branches. When every branch is disabled it returns the
//!    branch count, meaning "run `else`";
//! 4. the inner block ends, so every future is dropped *before* any handler
//!    runs (a handler may use what a future borrowed);
//! 5. an `if index == 0 {..} else if index == 0 + 1 {..} ... else {..}`
//!    chain that matches the slot against the user's pattern and runs the
//!    handler, or runs `else` (or panics when there is none).
//!
//! The handlers run outside any closure or loop of the macro, so `break`,
//! `continue`, `return` and `?` in a handler act on the code around the
//! `select!`. No `unsafe`, no allocation.

use std::cell::Cell;

crate::loom::thread_local_const! {
    /// The per-thread xorshift state for the random start; 0 until seeded.
    static RNG: Cell<u64> = Cell::new(0);
}

/// One step of xorshift64*, seeded per thread from std's `RandomState`.
fn next_random() -> u64 {
    RNG.with(|rng| {
        let mut x = rng.get();
        if x == 0 {
            use std::hash::BuildHasher;
            x = std::collections::hash_map::RandomState::new()
                .hash_one(std::thread::current().id())
                | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        rng.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// The branch polled first: 0 when `biased`, else a random one of
/// `branches`, so that no branch always wins when several are ready.
#[inline]
pub fn start(branches: usize, biased: bool) -> usize {
    if biased || branches < 2 {
        return 0;
    }
    (((next_random() >> 32) * branches as u64) >> 32) as usize
}

/// The end of a `select!` without `else` whose every branch is disabled.
#[cold]
#[track_caller]
pub fn no_branch_left() -> ! {
    panic!(
        "select!: every branch is disabled (its `if` precondition was false, or its future \
         completed with a value that did not match its pattern) and there is no `else` branch; \
         add `else => ...` to handle that case"
    )
}

/// Waits on several futures at once and runs the handler of the first one
/// to complete whose value matches its pattern; the other futures are
/// dropped (cancelled) first. The futures run concurrently on the
/// **current** task (not in parallel: spawn them and select on the [`Task`]
/// handles for that). Must be used inside `async` code.
///
/// ```text
/// select! {
///     biased;                                      // optional: poll in order
///     <pattern> = <future> => <handler>,
///     <pattern> = <future>, if <condition> => <handler>,
///     else => <handler>,                           // optional
/// }
/// ```
///
/// 1. Every `if` condition is evaluated, in order; a false one disables its
///    branch for this `select!`.
/// 2. Every future expression is evaluated, in order (a disabled branch's
///    too; it is never polled). Anything implementing `IntoFuture` works,
///    including `&mut fut` for a future kept across loop iterations (it must
///    be `Unpin`: pin it first with `std::pin::pin!`).
/// 3. The enabled futures are polled, starting with a branch chosen at
///    random each time (or with the first, after `biased;`), so that a
///    branch that is always ready cannot starve the others.
/// 4. When a future completes, its branch is disabled. If its value matches
///    the branch's pattern, every future is dropped and the handler runs
///    with the pattern's bindings; the `select!` evaluates to the handler's
///    value. If it does not match (say `Some(v) = rx.recv()` got `None`),
///    the value is dropped and the other branches go on.
/// 5. When every branch is disabled, the `else` handler runs; without an
///    `else`, the `select!` panics saying so.
///
/// Handlers run in the surrounding code: `break`, `continue`, `return` and
/// `?` in a handler act on the enclosing loop or function.
///
/// # Cancellation
///
/// Losing branches are dropped, so only select over futures that are
/// *cancel safe* (dropping them loses nothing), or keep the future across
/// iterations with `&mut`. Each waiting method of this crate says whether
/// it is cancel safe in a "Cancel safety" line; the table is in
/// `docs/select.md`.
///
/// # Example
///
/// ```
/// # runtime_core::scheduler::Runtime::new().unwrap().block_on(async {
/// use runtime_core::select;
/// use runtime_core::sync::mpsc;
/// use runtime_core::time::{sleep, Duration};
///
/// let (tx, mut rx) = mpsc::channel(8);
/// runtime_core::scheduler::spawn(async move {
///     for i in 0..3 {
///         tx.send(i).await.unwrap();
///     }
/// });
///
/// // Receive until the channel ends: `None` does not match `Some(v)`, so
/// // the branch is disabled and, with no branch left, `else` runs.
/// let mut got = Vec::new();
/// loop {
///     select! {
///         Some(v) = rx.recv() => got.push(v),
///         else => break,
///     }
/// }
/// assert_eq!(got, [0, 1, 2]);
///
/// // A timeout: whichever completes first wins, the other is dropped.
/// let (_tx, mut quiet) = mpsc::channel::<u32>(1);
/// let outcome = select! {
///     v = quiet.recv() => format!("got {v:?}"),
///     _ = sleep(Duration::from_millis(10)) => "timed out".to_string(),
/// };
/// assert_eq!(outcome, "timed out");
///
/// // `biased;` polls in order, and `if` disables a branch.
/// let first = select! {
///     biased;
///     v = async { 1 }, if false => v,
///     v = async { 2 } => v,
///     v = async { 3 } => v,
/// };
/// assert_eq!(first, 2);
/// # });
/// ```
///
/// [`Task`]: crate::task::Task
#[macro_export]
macro_rules! select {
    () => {
        ::core::compile_error!(
            "select! needs at least one branch: `pattern = future => handler` \
             (or `else => handler`)"
        )
    };
    (biased; $($branches:tt)*) => {
        $crate::__select_impl!(@{ biased=[true] else=[] count=[] branches=[] } [] $($branches)*)
    };
    ($($branches:tt)*) => {
        $crate::__select_impl!(@{ biased=[] else=[] count=[] branches=[] } [] $($branches)*)
    };
}

/// The `select!` muncher. State: `biased`, the `else` handler (at most
/// one), `count` (one `1` per branch so far), the branch records; then the
/// pattern tokens gathered so far for the branch being read, then the input
/// left. A branch is read in one step when its pattern has at most three
/// token trees (one more step per four tokens beyond), so the expansion
/// stays far below the recursion limit.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_impl {
    // ------------------------------------------------------------ the end
    (@{ biased=$b:tt else=[] count=[] branches=[] } []) => {
        ::core::compile_error!(
            "select! needs at least one branch besides `biased;`: `pattern = future => handler`"
        )
    };
    (@{ biased=[$($b:tt)*] else=[$($e:tt)*] count=[$($c:tt)*] branches=[$(
        ($fut:ident $slot:ident [$($skip:tt)*] [$($pat:tt)*] [$f:expr] [$($cond:expr)?] $h:tt)
    )*] } []) => {{
        let __count: usize = 0 $(+ $c)*;
        let mut __disabled = [false; 0 $(+ $c)*];
        $({
            let __i: usize = 0 $(+ $skip)*;
            $( if !$cond { __disabled[__i] = true; } )?
        })*
        $( let mut $slot = ::core::option::Option::None; )*
        let __index: usize = {
            $( let mut $fut = ::core::pin::pin!(::core::future::IntoFuture::into_future($f)); )*
            let __start = $crate::__select::start(__count, false $(|| $b)*);
            ::core::future::poll_fn(|__cx| {
                for __pass in 0..2u8 {
                    $({
                        let __i: usize = 0 $(+ $skip)*;
                        if (__pass == 0) == (__i >= __start) && !__disabled[__i] {
                            if let ::core::task::Poll::Ready(__value) =
                                ::core::future::Future::poll($fut.as_mut(), __cx)
                            {
                                __disabled[__i] = true;
                                #[allow(unused_variables, unreachable_patterns)]
                                let __matched = match &__value {
                                    $crate::__select_clean_pattern!($($pat)*) => true,
                                    _ => false,
                                };
                                if __matched {
                                    $slot = ::core::option::Option::Some(__value);
                                    return ::core::task::Poll::Ready(__i);
                                }
                            }
                        }
                    })*
                }
                if __disabled.iter().all(|__d| *__d) {
                    ::core::task::Poll::Ready(__count)
                } else {
                    ::core::task::Poll::Pending
                }
            })
            .await
        };
        $(
            if __index == 0 $(+ $skip)* {
                match $slot {
                    ::core::option::Option::Some($($pat)*) => $h,
                    #[allow(unreachable_patterns)]
                    _ => ::core::unreachable!("select!: a matched branch's value is in its slot"),
                }
            } else
        )* {
            $crate::__select_else!([$($e)*])
        }
    }};

    // ------------------------------------------------------------ `else`
    (@{ biased=$b:tt else=[$e:tt] count=$c:tt branches=$br:tt } [] else $($rest:tt)*) => {
        ::core::compile_error!(
            "select! has more than one `else` branch: keep one (it runs when every branch is disabled)"
        )
    };
    (@{ biased=$b:tt else=[] count=$c:tt branches=$br:tt } [] else => $h:block, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=[$h] count=$c branches=$br } [] $($rest)*)
    };
    (@{ biased=$b:tt else=[] count=$c:tt branches=$br:tt } [] else => $h:block $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=[$h] count=$c branches=$br } [] $($rest)*)
    };
    (@{ biased=$b:tt else=[] count=$c:tt branches=$br:tt } [] else => $h:expr, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=[{ $h }] count=$c branches=$br } [] $($rest)*)
    };
    (@{ biased=$b:tt else=[] count=$c:tt branches=$br:tt } [] else => $h:expr) => {
        $crate::__select_impl!(@{ biased=$b else=[{ $h }] count=$c branches=$br } [])
    };
    (@{ $($state:tt)* } [] else $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "select!: an `else` branch is `else => handler`, found `else ",
            ::core::stringify!($($rest)*), "`"
        ))
    };
    (@{ $($state:tt)* } [] biased; $($rest:tt)*) => {
        ::core::compile_error!("select!: `biased;` must come first, before every branch")
    };
    (@{ $($state:tt)* } [] = $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "select!: a branch has no pattern before `=`: write `_ = ",
            ::core::stringify!($($rest)*), "` to ignore the value"
        ))
    };

    // ------------------------ a branch whose `=` is 0..=3 token trees away
    // Each position has the four handler forms: a block with or without a
    // comma, an expression followed by a comma, an expression at the end.
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        = $f:expr $(, if $cond:expr)? => $h:block, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)*] [$f] [$($cond)?] $h)] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        = $f:expr $(, if $cond:expr)? => $h:block $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)*] [$f] [$($cond)?] $h)] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        = $f:expr $(, if $cond:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)*] [$f] [$($cond)?] { $h })] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        = $f:expr $(, if $cond:expr)? => $h:expr) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)*] [$f] [$($cond)?] { $h })] } [])
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt = $f:expr $(, if $cond:expr)? => $h:block, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1] [$f] [$($cond)?] $h)] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt = $f:expr $(, if $cond:expr)? => $h:block $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1] [$f] [$($cond)?] $h)] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt = $f:expr $(, if $cond:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1] [$f] [$($cond)?] { $h })] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt = $f:expr $(, if $cond:expr)? => $h:expr) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1] [$f] [$($cond)?] { $h })] } [])
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt $p2:tt = $f:expr $(, if $cond:expr)? => $h:block, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1 $p2] [$f] [$($cond)?] $h)] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt $p2:tt = $f:expr $(, if $cond:expr)? => $h:block $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1 $p2] [$f] [$($cond)?] $h)] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt $p2:tt = $f:expr $(, if $cond:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1 $p2] [$f] [$($cond)?] { $h })] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt $p2:tt = $f:expr $(, if $cond:expr)? => $h:expr) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1 $p2] [$f] [$($cond)?] { $h })] } [])
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt $p2:tt $p3:tt = $f:expr $(, if $cond:expr)? => $h:block, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1 $p2 $p3] [$f] [$($cond)?] $h)] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt $p2:tt $p3:tt = $f:expr $(, if $cond:expr)? => $h:block $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1 $p2 $p3] [$f] [$($cond)?] $h)] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt $p2:tt $p3:tt = $f:expr $(, if $cond:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1 $p2 $p3] [$f] [$($cond)?] { $h })] } [] $($rest)*)
    };
    (@{ biased=$b:tt else=$e:tt count=[$($c:tt)*] branches=[$($br:tt)*] } [$($p:tt)*]
        $p1:tt $p2:tt $p3:tt = $f:expr $(, if $cond:expr)? => $h:expr) => {
        $crate::__select_impl!(@{ biased=$b else=$e count=[$($c)* 1] branches=[$($br)*
            (__fut __slot [$($c)*] [$($p)* $p1 $p2 $p3] [$f] [$($cond)?] { $h })] } [])
    };

    // ------------------------------------------- malformed branches
    // `=` found, but what follows is not `future => handler`.
    (@{ $($state:tt)* } [$($p:tt)*] = $($rest:tt)*) => {
        $crate::__select_bad_branch!([$($p)*] $($rest)*)
    };
    (@{ $($state:tt)* } [$($p:tt)*] $p1:tt = $($rest:tt)*) => {
        $crate::__select_bad_branch!([$($p)* $p1] $($rest)*)
    };
    (@{ $($state:tt)* } [$($p:tt)*] $p1:tt $p2:tt = $($rest:tt)*) => {
        $crate::__select_bad_branch!([$($p)* $p1 $p2] $($rest)*)
    };
    (@{ $($state:tt)* } [$($p:tt)*] $p1:tt $p2:tt $p3:tt = $($rest:tt)*) => {
        $crate::__select_bad_branch!([$($p)* $p1 $p2 $p3] $($rest)*)
    };
    // `=>` before any `=`: the `pattern =` part is missing.
    (@{ $($state:tt)* } [$($p:tt)*] => $($rest:tt)*) => {
        $crate::__select_missing_pattern!([$($p)*])
    };
    (@{ $($state:tt)* } [$($p:tt)*] $p1:tt => $($rest:tt)*) => {
        $crate::__select_missing_pattern!([$($p)* $p1])
    };
    (@{ $($state:tt)* } [$($p:tt)*] $p1:tt $p2:tt => $($rest:tt)*) => {
        $crate::__select_missing_pattern!([$($p)* $p1 $p2])
    };
    (@{ $($state:tt)* } [$($p:tt)*] $p1:tt $p2:tt $p3:tt => $($rest:tt)*) => {
        $crate::__select_missing_pattern!([$($p)* $p1 $p2 $p3])
    };
    // A long pattern: keep four more token trees and look again.
    (@{ $($state:tt)* } [$($p:tt)*] $p1:tt $p2:tt $p3:tt $p4:tt $($rest:tt)*) => {
        $crate::__select_impl!(@{ $($state)* } [$($p)* $p1 $p2 $p3 $p4] $($rest)*)
    };
    // Input ends in the middle of a branch.
    (@{ $($state:tt)* } [$($p:tt)*] $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "select!: incomplete branch `", ::core::stringify!($($p)* $($rest)*),
            "`: a branch is `pattern = future => handler`"
        ))
    };
}

/// The error for a branch whose `=` is not followed by `future => handler`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_bad_branch {
    ([$($p:tt)*] $f:expr, $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "select!: expected `=>` after the future in branch `", ::core::stringify!($($p)*),
            " = ", ::core::stringify!($f), "`: a branch is `pattern = future => handler`, \
             or `pattern = future, if condition => handler`"
        ))
    };
    ([$($p:tt)*] $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "select!: expected `=>` and a handler after the future in branch `",
            ::core::stringify!($($p)* = $($rest)*),
            "`: a branch is `pattern = future => handler`"
        ))
    };
}

/// The error for a branch with `=>` but no `pattern =`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_missing_pattern {
    ([$($f:tt)*]) => {
        ::core::compile_error!(::core::concat!(
            "select!: the branch `", ::core::stringify!($($f)*),
            " => ...` has no `pattern =`: write `_ = ", ::core::stringify!($($f)*),
            " => ...` to ignore the value, or `v = ", ::core::stringify!($($f)*),
            " => ...` to bind it"
        ))
    };
}

/// The `else` handler, or the panic when there is none.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_else {
    ([]) => {
        $crate::__select::no_branch_left()
    };
    ([$h:tt]) => {
        $h
    };
}

/// A branch's pattern with every `mut` and `ref` removed, for matching the
/// value by reference (`mut x` would move out of the reference). Walks the
/// tokens, descending into groups with an explicit stack of
/// `(delimiter, tokens before the group, tokens after it)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_clean_pattern {
    (@clean [] [$($out:tt)*]) => { $($out)* };
    (@clean $stack:tt [$($out:tt)*] mut $($rest:tt)*) => {
        $crate::__select_clean_pattern!(@clean $stack [$($out)*] $($rest)*)
    };
    (@clean $stack:tt [$($out:tt)*] ref $($rest:tt)*) => {
        $crate::__select_clean_pattern!(@clean $stack [$($out)*] $($rest)*)
    };
    (@clean [$($stack:tt)*] [$($out:tt)*] ( $($inner:tt)* ) $($rest:tt)*) => {
        $crate::__select_clean_pattern!(@clean [(paren [$($out)*] [$($rest)*]) $($stack)*] [] $($inner)*)
    };
    (@clean [$($stack:tt)*] [$($out:tt)*] [ $($inner:tt)* ] $($rest:tt)*) => {
        $crate::__select_clean_pattern!(@clean [(bracket [$($out)*] [$($rest)*]) $($stack)*] [] $($inner)*)
    };
    (@clean [$($stack:tt)*] [$($out:tt)*] { $($inner:tt)* } $($rest:tt)*) => {
        $crate::__select_clean_pattern!(@clean [(brace [$($out)*] [$($rest)*]) $($stack)*] [] $($inner)*)
    };
    (@clean $stack:tt [$($out:tt)*] $t:tt $($rest:tt)*) => {
        $crate::__select_clean_pattern!(@clean $stack [$($out)* $t] $($rest)*)
    };
    (@clean [(paren [$($o:tt)*] [$($r:tt)*]) $($stack:tt)*] [$($out:tt)*]) => {
        $crate::__select_clean_pattern!(@clean [$($stack)*] [$($o)* ($($out)*)] $($r)*)
    };
    (@clean [(bracket [$($o:tt)*] [$($r:tt)*]) $($stack:tt)*] [$($out:tt)*]) => {
        $crate::__select_clean_pattern!(@clean [$($stack)*] [$($o)* [$($out)*]] $($r)*)
    };
    (@clean [(brace [$($o:tt)*] [$($r:tt)*]) $($stack:tt)*] [$($out:tt)*]) => {
        $crate::__select_clean_pattern!(@clean [$($stack)*] [$($o)* {$($out)*}] $($r)*)
    };
    ($($pattern:tt)*) => {
        $crate::__select_clean_pattern!(@clean [] [] $($pattern)*)
    };
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::start;

    #[test]
    fn start_is_in_range_and_not_constant() {
        assert_eq!(start(5, true), 0);
        assert_eq!(start(1, false), 0);
        assert_eq!(start(0, false), 0);
        let mut seen = [0usize; 3];
        for _ in 0..3000 {
            let s = start(3, false);
            assert!(s < 3);
            seen[s] += 1;
        }
        // Each of three branches comes first about a third of the time.
        assert!(seen.iter().all(|&n| n > 500), "{seen:?}");
    }
}
