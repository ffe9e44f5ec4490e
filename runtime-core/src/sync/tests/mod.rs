//! Tests of the sync primitives.
