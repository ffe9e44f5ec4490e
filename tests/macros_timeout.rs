//! `#[runtime::test(timeout = ...)]` fails a hanging test with a message
//! naming it; the runtime thread left behind does not keep the process alive.

#[runtime::test(timeout = "300ms")]
#[should_panic(expected = "test `hangs` timed out after 300ms")]
async fn hangs() {
    std::future::pending::<()>().await
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2, timeout = "200ms")]
#[should_panic(expected = "test `hangs_on_multi_thread` timed out after 200ms")]
async fn hangs_on_multi_thread() {
    std::future::pending::<()>().await
}

#[runtime::test(timeout = "300ms")]
#[should_panic(expected = "timed out after 300ms")]
async fn blocks_the_runtime_thread() {
    // A body that never yields: the watchdog still fires.
    loop {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
