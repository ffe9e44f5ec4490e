//! `JoinError`: why a task produced no value.

use super::id::TaskId;
use super::raw::Header;
use std::any::Any;
use std::fmt;
use std::sync::Mutex;

/// A task ended without a value: it was cancelled, or it panicked.
///
/// The Display names the task and its id, so a log line says which task:
///
/// ```text
/// task 'fetch' (id 7) panicked: connection refused
/// task 12 was cancelled
/// ```
pub struct JoinError(Box<Inner>);

/// Boxed, so that a task's output slot (`Result<T, JoinError>`) costs one
/// pointer for the error: every task carries that slot, few ever fail.
struct Inner {
    repr: Repr,
    id: TaskId,
    name: Option<Box<str>>,
}

enum Repr {
    Cancelled,
    /// A task-group member returned `Err`; the error went to the group.
    Failed,
    /// The payload is only ever taken by value; the mutex makes the error
    /// `Sync` without unsafe code.
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

impl JoinError {
    pub(crate) fn cancelled(header: &Header) -> JoinError {
        JoinError(Box::new(Inner {
            repr: Repr::Cancelled,
            id: header.id,
            name: header.meta.name_boxed(),
        }))
    }

    pub(crate) fn panic(header: &Header, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        let repr = if payload.is::<FailedInGroup>() {
            Repr::Failed
        } else {
            Repr::Panic(Mutex::new(payload))
        };
        JoinError(Box::new(Inner {
            repr,
            id: header.id,
            name: header.meta.name_boxed(),
        }))
    }

    /// The task was cancelled before it finished.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.0.repr, Repr::Cancelled)
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.0.repr, Repr::Panic(_))
    }

    /// The task was a `TaskGroup` member that returned `Err`: the error
    /// itself went to the group, whose `join` reports it.
    pub fn is_failed(&self) -> bool {
        matches!(self.0.repr, Repr::Failed)
    }

    /// How the task ended.
    pub fn outcome(&self) -> super::TaskOutcome {
        match self.0.repr {
            Repr::Cancelled => super::TaskOutcome::Cancelled,
            Repr::Failed => super::TaskOutcome::Failed,
            Repr::Panic(_) => super::TaskOutcome::Panicked,
        }
    }

    /// The panic payload, for `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// If the task was cancelled rather than panicking; use
    /// [`try_into_panic`](Self::try_into_panic) to check.
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic called on a cancelled task's error")
    }

    /// The panic payload, or the error itself if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        if !self.is_panic() {
            return Err(self);
        }
        match self.0.repr {
            Repr::Panic(payload) => Ok(payload.into_inner().unwrap_or_else(|p| p.into_inner())),
            Repr::Cancelled | Repr::Failed => unreachable!("checked above"),
        }
    }

    /// The panic message, when the payload is a string (as with `panic!`).
    pub fn panic_message(&self) -> Option<String> {
        match &self.0.repr {
            Repr::Panic(payload) => {
                let payload = payload.lock().unwrap_or_else(|p| p.into_inner());
                panic_message(&**payload).map(str::to_owned)
            }
            Repr::Cancelled | Repr::Failed => None,
        }
    }

    /// The id of the task.
    pub fn id(&self) -> TaskId {
        self.0.id
    }

    /// The task's name when it ended, if it had one.
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    fn fmt_task(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.name {
            Some(name) => write!(f, "task '{name}' (id {})", self.0.id),
            None => write!(f, "task {}", self.0.id),
        }
    }
}

/// The panic payload a task-group member unwinds with after handing its
/// error to the group: the harness turns it into a "failed" `JoinError`
/// (not a panic), and no panic hook runs for it (`resume_unwind`).
pub(crate) struct FailedInGroup;

/// The text of a panic payload made by `panic!` with a message.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_task(f)?;
        match &self.0.repr {
            Repr::Cancelled => f.write_str(" was cancelled"),
            Repr::Failed => f.write_str(" failed; its error was handed to its task group"),
            Repr::Panic(_) => match self.panic_message() {
                Some(msg) => write!(f, " panicked: {msg}"),
                None => f.write_str(" panicked"),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0.repr {
            Repr::Cancelled => "Cancelled",
            Repr::Failed => "Failed",
            Repr::Panic(_) => "Panic",
        };
        f.debug_struct("JoinError")
            .field("kind", &kind)
            .field("id", &self.0.id)
            .field("name", &self.0.name)
            .field("message", &self.panic_message())
            .finish()
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> std::io::Error {
        let kind = if e.is_cancelled() {
            std::io::ErrorKind::Interrupted
        } else {
            std::io::ErrorKind::Other
        };
        std::io::Error::new(kind, e.to_string())
    }
}
