//! `#[runtime::test]` and `#[runtime::main]` used for real: each test below
//! runs on a runtime the attribute built for it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[runtime::test]
async fn default_is_current_thread() {
    assert_eq!(runtime::Handle::current().num_workers(), 1);
    let task = runtime::spawn(async { 20 + 22 });
    assert_eq!(task.await.unwrap(), 42);
}

#[runtime::test(flavor = "current_thread")]
async fn current_thread_runs_spawned_tasks_on_the_test_thread() {
    let here = std::thread::current().id();
    let there = runtime::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(here, there);
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_has_two_workers() {
    assert_eq!(runtime::Handle::current().num_workers(), 2);
    let count = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let count = Arc::clone(&count);
            runtime::spawn(async move {
                count.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(count.load(Ordering::SeqCst), 16);
}

#[runtime::test(worker_threads = 2)]
async fn worker_threads_alone_means_multi_thread() {
    assert_eq!(runtime::Handle::current().num_workers(), 2);
}

#[runtime::test(
    flavor = "multi_thread",
    worker_threads = 2,
    thread_name = "macro-test"
)]
async fn thread_name_names_the_workers() {
    let name = runtime::spawn(async { std::thread::current().name().map(str::to_owned) })
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        name.starts_with("macro-test-worker-"),
        "worker named {name:?}"
    );
}

#[runtime::test]
async fn returns_ok() -> Result<(), runtime::JoinError> {
    let value = runtime::spawn(async { 7 }).await?;
    assert_eq!(value, 7);
    Ok(())
}

#[runtime::test]
async fn question_mark_converts_errors() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = "12".parse()?;
    assert_eq!(n, 12);
    Ok(())
}

#[runtime::test]
async fn early_return_from_the_body() -> Result<(), String> {
    if runtime::Handle::try_current().is_ok() {
        return Ok(());
    }
    Err("no runtime".to_owned())
}

#[runtime::test]
#[should_panic(expected = "boom from the test body")]
async fn should_panic_sees_the_body_panic() {
    runtime::yield_now().await;
    panic!("boom from the test body");
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "boom on two workers")]
async fn should_panic_on_multi_thread() {
    panic!("boom on two workers");
}

#[runtime::test]
#[ignore = "checks that other attributes are kept"]
async fn ignored_attribute_is_kept() {
    panic!("an #[ignore]d test must not run");
}

#[runtime::test(timeout = "10s")]
async fn timeout_that_does_not_fire() {
    assert_eq!(runtime::spawn(async { 1 }).await.unwrap(), 1);
}

#[runtime::test(timeout = "10s", flavor = "multi_thread", worker_threads = 2)]
async fn timeout_keeps_the_runtime_options() {
    assert_eq!(runtime::Handle::current().num_workers(), 2);
}

#[runtime::test(timeout = "10s")]
async fn timeout_with_result_non_send_error() -> Result<(), Box<dyn std::error::Error>> {
    let n: i32 = "-3".parse()?;
    assert_eq!(n, -3);
    Ok(())
}

#[runtime::test(timeout = "10s")]
#[should_panic(expected = "boom under a timeout")]
async fn timeout_reraises_the_body_panic() {
    panic!("boom under a timeout");
}

#[runtime::test(timeout = "10s")]
async fn timeout_runs_on_a_thread_named_like_the_test() {
    let name = std::thread::current().name().map(str::to_owned);
    assert_eq!(
        name.as_deref(),
        Some("timeout_runs_on_a_thread_named_like_the_test")
    );
}

mod reexported {
    /// Stands for a crate that re-exports `runtime` under another path.
    pub(crate) mod framework {
        pub(crate) use runtime as rt;
    }

    #[runtime::test(crate = "crate::reexported::framework::rt")]
    async fn crate_option_uses_the_given_path() {
        assert_eq!(runtime::Handle::current().num_workers(), 1);
    }
}

// `#[runtime::main]` on a function that is not `main`: callable like any fn.
#[runtime::main(flavor = "current_thread")]
async fn compute() -> Result<u32, std::num::ParseIntError> {
    let a: u32 = "40".parse()?;
    Ok(a + runtime::spawn(async { 2 }).await.unwrap())
}

#[runtime::main(worker_threads = 2)]
async fn count_workers() -> usize {
    runtime::Handle::current().num_workers()
}

#[test]
fn main_attribute_on_a_plain_function() {
    assert_eq!(compute(), Ok(42));
    assert_eq!(count_workers(), 2);
}

#[runtime::test]
async fn inner_attributes_stay_inside_the_body() {
    #![allow(clippy::bool_assert_comparison)]
    assert_eq!(runtime::Handle::try_current().is_ok(), true);
}
