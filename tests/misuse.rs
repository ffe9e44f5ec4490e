//! Misuse gets a clear message saying what to do.
mod common;
use common::{watchdog, LIMIT};

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("should have panicked");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn spawn_outside_a_runtime_panics_with_advice() {
    let msg = panic_message(|| drop(runtime::spawn(async {})));
    assert!(
        msg.contains("runtime::spawn called outside of a runtime"),
        "{msg}"
    );
    assert!(
        msg.contains("#[runtime::main]") && msg.contains("Handle::spawn"),
        "{msg}"
    );
    let err = runtime::Handle::try_current().unwrap_err();
    assert!(err.to_string().contains("no runtime"), "{err}");
    let msg = panic_message(|| drop(runtime::spawn_blocking(|| ())));
    assert!(
        msg.contains("runtime::spawn_blocking called outside of a runtime"),
        "{msg}"
    );
}

#[test]
fn nested_block_on_panics_with_advice() {
    watchdog(LIMIT, || {
        let rt = common::rt(1, "nested");
        let handle = rt.handle().clone();
        // Inside block_on.
        let msg = panic_message(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async { handle.block_on(async {}) });
        }));
        assert!(
            msg.contains("block_on called from within a runtime"),
            "{msg}"
        );
        assert!(msg.contains(".await"), "{msg}");
        // Inside a task on a worker: the panic becomes the task's JoinError.
        let handle = rt.handle().clone();
        let err = rt
            .block_on(rt.spawn(async move { handle.block_on(async {}) }))
            .unwrap_err();
        assert!(err
            .panic_message()
            .unwrap()
            .contains("block_on called from within a runtime"));
        // The runtime still works after both.
        assert_eq!(rt.block_on(async { 3 }), 3);
    });
}

#[test]
fn builder_values_out_of_range_name_the_field() {
    let err = runtime::Builder::new_multi_thread()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("worker_threads"), "{err}");
    let err = runtime::Builder::new_multi_thread()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("max_blocking_threads"), "{err}");
    let err = runtime::Builder::new_current_thread()
        .event_interval(0)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("event_interval"), "{err}");
}

#[test]
fn enter_makes_spawn_work_from_a_plain_thread() {
    watchdog(LIMIT, || {
        let rt = common::rt(1, "enter");
        let task = {
            let _guard = rt.enter();
            assert!(runtime::Handle::try_current().is_ok());
            runtime::spawn(async { 9 })
        };
        assert!(
            runtime::Handle::try_current().is_err(),
            "guard restored the context"
        );
        assert_eq!(rt.block_on(task).unwrap(), 9);
    });
}
