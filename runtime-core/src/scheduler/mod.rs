//! The work-stealing scheduler. See `README.md` in this directory for the
//! protocols.

pub(crate) mod park;
