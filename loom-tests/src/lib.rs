//! loom models of runtime-core's protocols live in `tests/`; run them with
//! `RUSTFLAGS="--cfg runtime_loom" cargo test -p loom-tests --release`.
