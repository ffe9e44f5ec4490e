//! Shared workload definitions for the side-by-side benchmarks.
