//! `#[runtime::main]` and `#[runtime::test]`.
