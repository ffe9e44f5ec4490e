//! loom models of runtime-core's protocols live in `tests/`, one family per
//! file; run them with
//!
//! ```text
//! RUSTFLAGS="--cfg runtime_loom -C debug-assertions" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p loom-tests --release
//! ```
//!
//! or `ci/loom.sh [family]`. See `docs/testing.md` for what each model
//! proves. Outside `cfg(runtime_loom)` this crate and its tests are empty.
//!
//! This library holds the helpers the models share: running a model under a
//! watchdog (`check`, which every model goes through: it also insists on
//! debug assertions; `check_bounded` with a lower preemption bound; `model`
//! and `model_bounded` underneath), a loom-aware `block_on`, drop counters,
//! and a one-shot "gate" future that another thread opens.

#[cfg(runtime_loom)]
mod helpers;
#[cfg(runtime_loom)]
pub use helpers::*;
