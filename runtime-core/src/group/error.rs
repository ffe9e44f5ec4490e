//! `GroupError`: every failure of a task group (asyncio's `ExceptionGroup`).

use crate::task::TaskId;
use std::fmt;

/// What went wrong in one task of a group.
#[derive(Debug)]
pub enum FailureKind<E> {
    /// The task returned `Err`.
    Error(E),
    /// The task panicked, with this message.
    Panic(String),
}

/// One failed task of a group: which task, and what went wrong.
#[derive(Debug)]
pub struct Failure<E> {
    id: TaskId,
    name: Option<String>,
    kind: FailureKind<E>,
}

impl<E> Failure<E> {
    pub(crate) fn new(id: TaskId, name: Option<String>, kind: FailureKind<E>) -> Failure<E> {
        Failure { id, name, kind }
    }

    /// The failed task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The failed task's name, if it had one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// What went wrong.
    pub fn kind(&self) -> &FailureKind<E> {
        &self.kind
    }

    /// The error the task returned, if it returned one (not a panic).
    pub fn error(&self) -> Option<&E> {
        match &self.kind {
            FailureKind::Error(e) => Some(e),
            FailureKind::Panic(_) => None,
        }
    }

    /// Takes the error out, if the task returned one.
    pub fn into_error(self) -> Option<E> {
        match self.kind {
            FailureKind::Error(e) => Some(e),
            FailureKind::Panic(_) => None,
        }
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, FailureKind::Panic(_))
    }
}

impl<E: fmt::Display> fmt::Display for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "task '{name}' (id {})", self.id)?,
            None => write!(f, "task {}", self.id)?,
        }
        match &self.kind {
            FailureKind::Error(e) => write!(f, " failed: {e}"),
            FailureKind::Panic(msg) => write!(f, " panicked: {msg}"),
        }
    }
}

/// Every failure of a [`TaskGroup`](super::TaskGroup), in the order they
/// happened (asyncio's `ExceptionGroup`). Iterate it to handle each; its
/// Display lists them all.
#[derive(Debug)]
pub struct GroupError<E> {
    failures: Vec<Failure<E>>,
}

impl<E> GroupError<E> {
    pub(crate) fn new(failures: Vec<Failure<E>>) -> GroupError<E> {
        GroupError { failures }
    }

    /// Number of failed tasks (at least one).
    pub fn len(&self) -> usize {
        self.failures.len()
    }

    /// Always `false`: a `GroupError` has at least one failure.
    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
    }

    /// The failures, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Failure<E>> {
        self.failures.iter()
    }

    /// The errors returned by failed tasks (panics left out), like
    /// `except* SomeError as eg: eg.exceptions`.
    pub fn errors(&self) -> impl Iterator<Item = &E> {
        self.failures.iter().filter_map(Failure::error)
    }

    /// The panic messages of tasks that panicked.
    pub fn panics(&self) -> impl Iterator<Item = &str> {
        self.failures.iter().filter_map(|f| match &f.kind {
            FailureKind::Panic(msg) => Some(msg.as_str()),
            FailureKind::Error(_) => None,
        })
    }

    /// The failures, by value.
    pub fn into_failures(self) -> Vec<Failure<E>> {
        self.failures
    }
}

impl<E> IntoIterator for GroupError<E> {
    type Item = Failure<E>;
    type IntoIter = std::vec::IntoIter<Failure<E>>;

    fn into_iter(self) -> Self::IntoIter {
        self.failures.into_iter()
    }
}

impl<'a, E> IntoIterator for &'a GroupError<E> {
    type Item = &'a Failure<E>;
    type IntoIter = std::slice::Iter<'a, Failure<E>>;

    fn into_iter(self) -> Self::IntoIter {
        self.failures.iter()
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.failures.len();
        write!(
            f,
            "{n} task{} of the group failed",
            if n == 1 { "" } else { "s" }
        )?;
        for failure in &self.failures {
            write!(f, "\n  - {failure}")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for GroupError<E> {}
