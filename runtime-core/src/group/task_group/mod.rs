//! `TaskGroup`: structured concurrency (asyncio's `TaskGroup` and
//! `ExceptionGroup`) on all cores.
//!
//! # Protocol
//!
//! The group's state sits under one mutex: its members (task id -> abort
//! handle), the failures so far, whether it is closed, and the waker of
//! `join`.
//!
//! - **spawn**: the task is spawned wrapped in a [`Member`] future, then
//!   inserted into `members`, then given a done callback that removes it.
//!   The callback runs after the task is complete, so when `members` is
//!   empty every member has finished (no output still being stored).
//! - **first poll of a member**: under the lock, if the group is already
//!   closed (a failure or `cancel` came first) and the member is not in
//!   `woken` (see *failure*), the member cancels itself without ever
//!   polling the user's future: spawns after a failure are refused. Later
//!   polls take no lock: a member costs one lock at its first poll over a
//!   plain task.
//! - **failure** (a member returns `Err` or panics): under the lock the
//!   failure is recorded and, if the group was open, it is closed and every
//!   other member is cancelled *keeping its wake* (`task/state.rs`): a
//!   member already woken (queued, or woken during the poll it is in) gets
//!   `CANCELLED | GRACE`, so the poll of that wake still happens and the
//!   cancellation is honoured after it; one being polled gets `CANCELLED`,
//!   honoured when that poll ends; an idle one is cancelled. Each member's
//!   fate is one CAS on its state word, so a wake landed either before it
//!   (and is served) or after (and is not). The woken and running ones go
//!   into `woken`, so that if the poll they are due is their first one, it
//!   is not refused; the Notified of an idle one is submitted after the
//!   lock is released. The failing member then ends its own task, with its
//!   error kept by the group (its handle resolves to a "failed"
//!   `JoinError`). A failure in a woken member's poll is recorded too. This
//!   is asyncio's rule, where the group learns of a failure in a callback
//!   queued behind the steps already ready, so the members woken in the
//!   same loop iteration all run first (issue 18). `cancel`, a token and a
//!   drop close the group without this grace: they cancel every member at
//!   once, as asyncio's cancellation of the `async with` body does.
//! - **join**: waits until `members` is empty, then returns every failure.
//! - **drop without join** (including the `join` future being dropped, which
//!   is how cancellation of the parent reaches a nested group): close and
//!   cancel every member. No task outlives the group unobserved.
//! - **nesting**: a group created while a member of another group is being
//!   polled records that group as its parent. Every member it gains or loses
//!   is counted in the parent's (and its ancestors') `nested` count, and a
//!   group's `join` waits until both its own members and `nested` are zero.
//!   So when an outer group's failure cancels a member that owns an inner
//!   group, the outer `join` returns only after the inner group's tasks,
//!   cancelled by its `Drop`, are gone too, as with asyncio's nested
//!   `async with TaskGroup()`.
//! - **a cancellation token** ([`TaskGroup::with_token`]): the group
//!   registers a callback with the token that does what `cancel` does
//!   (close, cancel every member). The registration sits in the group's
//!   state and is dropped, unregistering the callback, when the original
//!   group is dropped (which `join` does when it returns); a token already
//!   cancelled runs the callback at once, closing the group. The callback
//!   runs on the cancelling thread, outside the token's lock, and takes only
//!   the group's lock, so the two locks never nest.

mod member;

use super::cancel::{CancellationToken, OnCancel};
use super::error::{Failure, GroupError};
use crate::loom::sync::Arc;
use crate::loom::sync::Mutex;
use crate::scheduler::Handle;
use crate::task::{AbortHandle, KeepWake, Task, TaskId};
use member::Member;
use std::collections::{HashMap, HashSet};
use std::future::{poll_fn, Future};
use std::panic::Location;
use std::task::{Poll, Waker};

/// A group of tasks that succeed or fail together (asyncio's `TaskGroup`).
///
/// Tasks spawned into the group run on all workers. The first failure (an
/// `Err` returned by a task, or a panic) cancels every other task in the
/// group and refuses further spawns; [`join`](TaskGroup::join) waits for
/// every task to finish or be cancelled and returns **every** failure in a
/// [`GroupError`] (asyncio's `ExceptionGroup`). Dropping a group without
/// joining it cancels its tasks, so none is orphaned.
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::group::TaskGroup;
///
/// let group = TaskGroup::<String>::new();
/// let doubled: Vec<_> = (0..5)
///     .map(|i| group.spawn(async move { Ok::<_, String>(i * 2) }))
///     .collect();
/// group.join().await.unwrap();
/// let mut results = Vec::new();
/// for task in doubled {
///     results.push(task.await.unwrap().unwrap());
/// }
/// assert_eq!(results, [0, 2, 4, 6, 8]);
///
/// // The first failure cancels the others; join reports every failure.
/// let group = TaskGroup::<String>::new();
/// group.spawn_named("bad", async { Err::<(), _>("boom".to_string()) });
/// group.spawn_named("slow", async {
///     std::future::pending::<()>().await;
///     Ok(())
/// });
/// let err = group.join().await.unwrap_err();
/// assert_eq!(err.len(), 1);
/// assert!(err.to_string().contains("task 'bad'"));
/// # });
/// ```
///
/// # Simultaneous failures
///
/// A failure cancels the other members, except those already woken (queued
/// to run, or woken during the poll they are in) when it closes the group:
/// each of those gets that poll first, and a failure in it is reported too.
/// So several members that fail in the same round all appear in the
/// [`GroupError`], as in asyncio's `ExceptionGroup` (asyncio runs every step
/// that is ready before the group reacts). A member woken after the group
/// closed is cancelled without another poll, and [`cancel`](Self::cancel),
/// a token or a drop cancel every member at once, woken or not.
///
/// On the current-thread flavour this makes the outcome the one asyncio
/// gives: every member woken in the same round runs. On the multi-thread
/// flavour it holds for the members woken when the group closes; wakes that
/// land one after another (a timer tick wakes its tasks in turn) can race a
/// worker that runs the first failing member, and a member woken after
/// that is cancelled.
///
/// ```
/// # runtime_core::scheduler::Builder::new_current_thread().build().unwrap().block_on(async {
/// use runtime_core::group::TaskGroup;
///
/// let group = TaskGroup::<String>::new();
/// let members: Vec<_> = (0..5)
///     .map(|i| {
///         group.spawn(async move {
///             if i == 1 || i == 3 {
///                 return Err(format!("member {i} failed"));
///             }
///             Ok(i * 10)
///         })
///     })
///     .collect();
/// let err = group.join().await.unwrap_err();
/// // All five were queued when member 1 failed: member 3 still ran and failed.
/// let mut errors: Vec<_> = err.errors().cloned().collect();
/// errors.sort();
/// assert_eq!(errors, ["member 1 failed", "member 3 failed"]);
/// let mut ok = Vec::new();
/// for member in members {
///     if let Ok(value) = member.await {
///         ok.push(value.unwrap());
///     }
/// }
/// assert_eq!(ok, [0, 20, 40]);
/// # });
/// ```
pub struct TaskGroup<E> {
    shared: Arc<Shared<E>>,
    handle: Handle,
    /// Only the original (not a clone) cancels on drop and can join.
    owner: bool,
    joined: bool,
}

struct Shared<E> {
    state: Mutex<State<E>>,
    /// The group this one was created in, if any.
    parent: Option<Parent>,
}

/// A type-erased link to a parent group (its error type may differ).
type Parent = std::sync::Arc<dyn Nest>;

/// What a child group tells its ancestors.
trait Nest: Send + Sync {
    fn nested_started(&self);
    fn nested_finished(&self);
}

/// `Nest` for a group held by the runtime's `Arc`.
struct Link<E>(Arc<Shared<E>>);

impl<E: Send> Nest for Link<E> {
    fn nested_started(&self) {
        self.0.state.lock().nested += 1;
        if let Some(parent) = &self.0.parent {
            parent.nested_started();
        }
    }

    fn nested_finished(&self) {
        let waker = {
            let mut state = self.0.state.lock();
            state.nested -= 1;
            state.take_join_waker_if_done()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        if let Some(parent) = &self.0.parent {
            parent.nested_finished();
        }
    }
}

crate::loom::thread_local_const! {
    /// The group whose member is being polled on this thread.
    static CURRENT_GROUP: std::cell::RefCell<Option<Parent>> = std::cell::RefCell::new(None);
}

struct State<E> {
    members: HashMap<TaskId, AbortHandle>,
    failures: Vec<Failure<E>>,
    closed: bool,
    /// Members that were woken or being polled when a failure closed the
    /// group: their first poll, if that is the one due, is not refused.
    woken: HashSet<TaskId>,
    join_waker: Option<Waker>,
    /// Live members of groups nested in this one (transitively).
    nested: usize,
    /// Callbacks registered with the tokens given to `with_token`.
    tokens: Vec<OnCancel>,
}

impl<E> State<E> {
    fn take_join_waker_if_done(&mut self) -> Option<Waker> {
        if self.members.is_empty() && self.nested == 0 {
            self.join_waker.take()
        } else {
            None
        }
    }
}

impl<E: Send + 'static> TaskGroup<E> {
    /// A new, empty group on the current runtime.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    #[allow(clippy::new_without_default)] // needs a runtime: not a plain default
    pub fn new() -> TaskGroup<E> {
        TaskGroup::new_in(&Handle::current_for("runtime::TaskGroup::new"))
    }

    /// A new, empty group whose tasks run on `handle`'s runtime.
    pub fn new_in(handle: &Handle) -> TaskGroup<E> {
        let parent = CURRENT_GROUP
            .try_with(|current| current.borrow().clone())
            .ok()
            .flatten();
        TaskGroup {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    members: HashMap::new(),
                    failures: Vec::new(),
                    closed: false,
                    woken: HashSet::new(),
                    join_waker: None,
                    nested: 0,
                    tokens: Vec::new(),
                }),
                parent,
            }),
            handle: handle.clone(),
            owner: true,
            joined: false,
        }
    }

    /// Links the group to a cancellation token: when `token` is cancelled
    /// (directly or through a parent token), the group is cancelled as by
    /// [`cancel`](Self::cancel): its tasks are cancelled and later spawns
    /// refused. A token already cancelled closes the group at once. The
    /// token is not cancelled by the group's own failures, and the link
    /// ends when the group is dropped or joined. Several tokens may be
    /// linked; any of them cancels the group.
    ///
    /// [`join`](Self::join) then returns once every member is gone, with
    /// `Ok(())` if no member had failed (a cancelled member is not a
    /// failure), or `Err` with the failures that happened before the
    /// cancellation reached them. Ask the token
    /// ([`is_cancelled`](CancellationToken::is_cancelled)) to tell a
    /// cancelled group from a finished one.
    ///
    /// ```
    /// # runtime_core::scheduler::Runtime::new().unwrap().block_on(async {
    /// use runtime_core::group::{CancellationToken, TaskGroup};
    ///
    /// let shutdown = CancellationToken::new();
    /// let group = TaskGroup::<String>::new().with_token(shutdown.child_token());
    /// let server = group.spawn(async {
    ///     std::future::pending::<()>().await; // serves until cancelled
    ///     Ok(())
    /// });
    /// shutdown.cancel();
    /// assert!(group.join().await.is_ok(), "cancellation is not a failure");
    /// assert!(server.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn with_token(self, token: CancellationToken) -> TaskGroup<E> {
        let shared = self.shared.clone();
        if let Some(registration) = token.on_cancel(move || shared.close(None)) {
            self.shared.state.lock().tokens.push(registration);
        }
        self
    }

    /// Spawns a task into the group (asyncio's `tg.create_task`). Its `Err`
    /// fails the whole group; see the type docs.
    ///
    /// The returned handle gives the task's value. If the task fails, its
    /// error goes to the group and the handle resolves to a `JoinError` for
    /// which `is_failed()` is true.
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> Task<Result<T, E>>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_inner(None, future, Location::caller())
    }

    /// [`spawn`](Self::spawn) with a task name, which `join`'s error shows.
    #[track_caller]
    pub fn spawn_named<F, T>(&self, name: impl Into<String>, future: F) -> Task<Result<T, E>>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_inner(Some(name.into()), future, Location::caller())
    }

    fn spawn_inner<F, T>(
        &self,
        name: Option<String>,
        future: F,
        location: &'static Location<'static>,
    ) -> Task<Result<T, E>>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        let member = Member {
            future: Box::pin(future),
            link: std::sync::Arc::new(Link(self.shared.clone())),
            shared: self.shared.clone(),
            started: false,
        };
        let task = self
            .handle
            .spawn_inner(member, name.map(String::into_boxed_str), location);
        let id = task.id();
        let closed = {
            let mut state = self.shared.state.lock();
            state.members.insert(id, task.abort_handle());
            state.closed
        };
        if let Some(parent) = &self.shared.parent {
            parent.nested_started();
        }
        if closed {
            // The group closed between the spawn and the insertion, and the
            // member may already have been polled (past its own check of
            // `closed`) without being in the list `close` cancelled: cancel it
            // here. Inserting under the lock makes this check exhaustive.
            task.cancel();
        }
        let shared = self.shared.clone();
        task.add_done_callback(move |_| shared.member_done(id));
        task
    }

    /// Cancels every task in the group and refuses further spawns. `join`
    /// then returns once they are all gone; cancellation is not a failure.
    pub fn cancel(&self) {
        self.shared.close(None);
    }

    /// Whether the group has failed or been cancelled.
    pub fn is_closed(&self) -> bool {
        self.shared.state.lock().closed
    }

    /// Number of tasks still running (or being cancelled).
    pub fn len(&self) -> usize {
        self.shared.state.lock().members.len()
    }

    /// Whether no task is running.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits for every task to finish or be cancelled, then returns every
    /// failure (asyncio's `async with` exit). Dropping this future before it
    /// completes cancels the remaining tasks.
    ///
    /// Cancel safety: no, by design: dropping `join` cancels every task of the
    /// group (it is the end of the group's scope), and the failures are lost.
    ///
    /// # Panics
    /// On a clone of the group: only the group that created it joins it.
    pub async fn join(mut self) -> Result<(), GroupError<E>> {
        assert!(
            self.owner,
            "TaskGroup::join called on a clone: join the group returned by TaskGroup::new"
        );
        poll_fn(|cx| {
            let mut state = self.shared.state.lock();
            if state.members.is_empty() && state.nested == 0 {
                Poll::Ready(())
            } else {
                state.join_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
        self.joined = true;
        let failures = std::mem::take(&mut self.shared.state.lock().failures);
        if failures.is_empty() {
            Ok(())
        } else {
            Err(GroupError::new(failures))
        }
    }
}

impl<E> Shared<E> {
    /// Closes the group, records `failure` if any, and cancels every member
    /// except the failing one; on a failure, the members already woken are
    /// left their poll (see the module docs).
    fn close(&self, failure: Option<(Failure<E>, TaskId)>) {
        let mut guard = self.state.lock();
        let state = &mut *guard;
        let except = failure.as_ref().map(|(_, id)| *id);
        let failed = failure.is_some();
        let mut to_submit = Vec::new();
        if let Some((failure, _)) = failure {
            state.failures.push(failure);
        }
        if state.closed {
            return;
        }
        state.closed = true;
        let mut to_cancel = Vec::new();
        for (id, handle) in &state.members {
            if Some(*id) == except {
                continue;
            }
            if !failed {
                to_cancel.push(handle.clone());
                continue;
            }
            // Under the lock, so that a member's first-poll check finds
            // `woken` complete. The CAS schedules nothing itself.
            match handle.cancel_keeping_wake() {
                KeepWake::Graced | KeepWake::Running => {
                    state.woken.insert(*id);
                }
                KeepWake::Submit => to_submit.push(handle.clone()),
                KeepWake::Complete => {}
            }
        }
        drop(guard);
        for handle in to_submit {
            handle.submit_cancelled();
        }
        for handle in to_cancel {
            handle.cancel();
        }
    }

    fn member_done(&self, id: TaskId) {
        let waker = {
            let mut state = self.state.lock();
            state.members.remove(&id);
            state.woken.remove(&id);
            state.take_join_waker_if_done()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        if let Some(parent) = &self.parent {
            parent.nested_finished();
        }
    }
}

impl<E> Clone for TaskGroup<E> {
    /// Another handle to the same group, for spawning from elsewhere (for
    /// example inside a member). Dropping a clone does not cancel anything.
    fn clone(&self) -> TaskGroup<E> {
        TaskGroup {
            shared: self.shared.clone(),
            handle: self.handle.clone(),
            owner: false,
            joined: false,
        }
    }
}

impl<E> Drop for TaskGroup<E> {
    fn drop(&mut self) {
        if self.owner && !self.joined {
            self.shared.close(None);
        }
        if self.owner {
            // Unregister from the tokens, outside the group's lock.
            let tokens = std::mem::take(&mut self.shared.state.lock().tokens);
            drop(tokens);
        }
    }
}

impl<E> std::fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("TaskGroup")
            .field("running", &state.members.len())
            .field("failures", &state.failures.len())
            .field("closed", &state.closed)
            .finish()
    }
}

/// Runs `body` with a new [`TaskGroup`] and then joins the group: the scoped
/// form of `async with asyncio.TaskGroup() as tg:`. The group's tasks can
/// never outlive the call; if the returned future is dropped early, they are
/// cancelled.
///
/// Returns `body`'s value once every task has finished, or every failure.
///
/// ```
/// # runtime_core::scheduler::run(async {
/// use runtime_core::group::task_group;
///
/// let total = task_group(|tg| async move {
///     let a = tg.spawn(async { Ok::<_, String>(20) });
///     let b = tg.spawn(async { Ok(22) });
///     a.await.unwrap().unwrap() + b.await.unwrap().unwrap()
/// })
/// .await
/// .unwrap();
/// assert_eq!(total, 42);
/// # });
/// ```
///
/// Cancel safety: no: dropping the future cancels the group's tasks.
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn task_group<E, R, F, Fut>(body: F) -> impl Future<Output = Result<R, GroupError<E>>>
where
    E: Send + 'static,
    F: FnOnce(TaskGroup<E>) -> Fut,
    Fut: Future<Output = R>,
{
    let group = TaskGroup::new();
    let inner = group.clone();
    async move {
        let out = body(inner).await;
        group.join().await.map(|()| out)
    }
}
