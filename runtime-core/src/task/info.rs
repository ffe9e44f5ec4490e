//! `TaskInfo`: a snapshot of one live task, for `all_tasks()`.

use super::raw::Header;
use super::TaskId;
use crate::loom::sync::atomic::Ordering::Relaxed;
use std::fmt;
use std::panic::Location;
use std::time::Duration;

/// What a task was doing when the snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting for a wake-up.
    Idle,
    /// Woken and queued, waiting for a worker.
    Scheduled,
    /// Being polled right now.
    Running,
    /// Cancellation requested; the future will be dropped at its next await.
    Cancelling,
    /// Finished (about to leave the registry).
    Complete,
}

/// A snapshot of one live task (asyncio's `all_tasks()` entries).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// What it was doing.
    pub state: TaskState,
    /// Where it was spawned (the caller of `spawn`).
    pub location: &'static Location<'static>,
    /// How many times it has been polled.
    pub polls: u64,
    /// The task that spawned it, if it was spawned from a task.
    pub parent: Option<TaskId>,
    /// How long ago it was spawned (coarse; `None` when the runtime runs
    /// without its watchdog, which keeps the coarse clock).
    pub age: Option<Duration>,
    /// Time it has spent being polled, as sampled by the slow-poll
    /// watchdog (polls shorter than a sample interval mostly go unseen).
    pub busy: Duration,
}

impl TaskInfo {
    pub(crate) fn of(header: &Header, age: impl Fn(u32) -> Option<Duration>) -> TaskInfo {
        let s = header.state.load();
        let state = if s.is_complete() {
            TaskState::Complete
        } else if s.is_cancelled() {
            TaskState::Cancelling
        } else if s.is_running() {
            TaskState::Running
        } else if s.is_scheduled() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        TaskInfo {
            id: header.id,
            name: header.meta.name(),
            state,
            location: header.location(),
            polls: u64::from(header.polls.load(Relaxed)),
            parent: header.meta.parent(),
            age: age(header.spawned_ms),
            busy: Duration::from_millis(u64::from(header.meta.busy_ms())),
        }
    }
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " '{name}'")?;
        }
        write!(
            f,
            " {:?}, {} polls, spawned at {}",
            self.state, self.polls, self.location
        )
    }
}
