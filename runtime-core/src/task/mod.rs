//! Tasks: spawning, names, cancellation and results.
//!
//! A task is one heap allocation holding a header (an atomic state word, a
//! vtable pointer, id, parent, spawn site, join waker, counters; the name
//! and done callbacks behind a lazily allocated block), the scheduler
//! handle, and the stage: the future and, once finished, its output. See
//! `state.rs` for the state machine, `raw.rs` for the layout, `stage.rs`
//! for the stage and `harness.rs` for polling. `local/` runs tasks whose
//! futures are not `Send` (`spawn_local`, `LocalSet`) on one thread.

mod abort;
mod builder;
mod current;
mod error;
mod handle;
mod harness;
mod id;
mod info;
mod local;
mod meta;
mod outcome;
pub(crate) mod raw;
pub(crate) mod registry;
mod report;
mod site;
mod stage;
pub(crate) mod state;
mod task_local;
mod waker;

#[cfg(all(test, not(runtime_loom)))]
mod tests;

pub use abort::AbortHandle;
pub use builder::Builder;
pub(crate) use current::cancel_current;
pub use current::{id, name, try_id};
pub use error::JoinError;
pub use handle::Task;
pub use id::TaskId;
pub use info::{TaskInfo, TaskState};
pub(crate) use local::{set_runtime_policy_hook, spawn_local_inner};
pub use local::{spawn_local, LocalEnterGuard, LocalSet, RunUntil, POLLS_PER_TICK};
pub use outcome::TaskOutcome;
pub(crate) use report::subject as report_subject;
#[doc(hidden)]
pub use report::wake_contained;
pub(crate) use state::KeepWake;
pub(crate) use task_local::hidden as hide_task_locals;
#[doc(hidden)]
pub use task_local::Slot as __TaskLocalSlot;
pub use task_local::{AccessError, LocalKey, TaskLocalFuture};

pub(crate) use error::{panic_message, FailedInGroup};
