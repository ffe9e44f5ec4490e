// `#[runtime::test]` functions compile in a binary too (they are only run by
// `cargo test`); every option is accepted together.
#[runtime::test(flavor = "multi_thread", worker_threads = 2, thread_name = "t", timeout = "1m", crate = "::runtime")]
async fn all_options() -> Result<(), String> {
    Ok(())
}

#[runtime::test(timeout = "250ms")]
#[should_panic]
async fn with_should_panic() {
    panic!("expected");
}

fn main() {}
