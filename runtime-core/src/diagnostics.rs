//! The reports the runtime makes on its own: a failure nobody would see
//! otherwise (a panic whose result is never retrieved, a done callback that
//! panicked, a waker whose `wake` panicked in a driver, the abort of the
//! `Abort` policy) and a slow poll.
//!
//! This is a leaf of the crate: it knows nothing of tasks or schedulers, and
//! every floor above may call it. A [`Report`] carries the message people
//! read (the same text on stderr and in a `tracing` event) and, when it is
//! about a task, the task's id, name and spawn site as separate values.
//!
//! # Where a report goes
//!
//! With a `tracing` subscriber installed (as `tracing_subscriber::fmt()`
//! or any other), a report is an event with target `runtime`, at `ERROR`
//! for failures and `WARN` for slow polls, with the fields
//!
//! | field | value |
//! | --- | --- |
//! | `kind` | `unretrieved_panic`, `callback_panic`, `waker_panic`, `abort`, `slow_poll` or `slow_poll_end` |
//! | `task.id` | the task's id (absent when the report is about no task) |
//! | `task.name` | its name, or the empty string for an unnamed task |
//! | `task.spawned_at` | `file:line:column` of the spawn call |
//!
//! and the message as the event's message, so a subscriber can filter on
//! `kind` or index by `task.id` without parsing text. Without a subscriber
//! the message goes to stderr, prefixed `runtime: `: never nowhere.

use std::fmt;
use std::panic::Location;

/// How loud a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Something to look at (a slow poll).
    Warn,
    /// A failure (a panic nobody retrieved, a process abort).
    Error,
}

/// The task a report is about.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub(crate) id: u64,
    pub(crate) name: Option<String>,
    pub(crate) spawned_at: &'static Location<'static>,
}

impl Subject {
    /// "task 'name' (id N, spawned at file:line:col)", or "task (id N, ...)"
    /// for an unnamed task: how every report names its task.
    pub(crate) fn describe(&self) -> String {
        let who = match &self.name {
            Some(name) => format!("task '{name}'"),
            None => "task".to_owned(),
        };
        format!("{who} (id {}, spawned at {})", self.id, self.spawned_at)
    }
}

/// One report: what happened, to which task, in words.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) kind: &'static str,
    pub(crate) level: Level,
    pub(crate) task: Option<Subject>,
    pub(crate) message: String,
}

impl Report {
    /// A report about no task in particular.
    pub(crate) fn plain(kind: &'static str, level: Level, message: String) -> Report {
        Report {
            kind,
            level,
            task: None,
            message,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Emits a report: to the `tracing` subscriber if one is installed, else to
/// stderr.
pub(crate) fn emit(report: &Report) {
    let has_subscriber = tracing::dispatcher::get_default(|dispatch| {
        !dispatch.is::<tracing::subscriber::NoSubscriber>()
    });
    if !has_subscriber {
        eprintln!("runtime: {}", report.message);
        return;
    }
    let kind = report.kind;
    let message = &report.message;
    // One macro call per level and shape: a tracing callsite's level and
    // field names are fixed where the macro is written.
    match (&report.task, report.level) {
        (Some(task), Level::Error) => tracing::error!(
            target: "runtime",
            kind,
            task.id = task.id,
            task.name = task.name.as_deref().unwrap_or(""),
            task.spawned_at = %task.spawned_at,
            "{message}"
        ),
        (Some(task), Level::Warn) => tracing::warn!(
            target: "runtime",
            kind,
            task.id = task.id,
            task.name = task.name.as_deref().unwrap_or(""),
            task.spawned_at = %task.spawned_at,
            "{message}"
        ),
        (None, Level::Error) => tracing::error!(target: "runtime", kind, "{message}"),
        (None, Level::Warn) => tracing::warn!(target: "runtime", kind, "{message}"),
    }
}
