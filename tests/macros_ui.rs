//! Compile-time behaviour of `#[runtime::main]` / `#[runtime::test]`:
//! `tests/ui/pass` must build and run, `tests/ui/fail` must fail with the
//! errors recorded in the `.stderr` files beside them (regenerate with
//! `TRYBUILD=overwrite` after checking the new text by hand).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
