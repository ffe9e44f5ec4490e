//! `runtime`: a multi-threaded, work-stealing async runtime with asyncio's task model.
pub use runtime_core::*;
