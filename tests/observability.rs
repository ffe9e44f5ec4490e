//! Observability and the failure policy: slow polls are reported with the
//! task's name and location, detached panics follow the policy, metrics
//! count the work, and the dump shows every live task under its parent.
mod common;
use common::{watchdog, LIMIT};
use runtime::time::Duration;
use runtime::Policy;
use std::future::pending;
use std::process::Command;

/// Re-runs this test binary with `--exact name` and an env var selecting the
/// child body; returns (success, stderr).
fn run_child(test: &str, mode: &str) -> (bool, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("RUNTIME_OBS_CHILD", mode)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("spawn child test process");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn child_mode() -> Option<String> {
    std::env::var("RUNTIME_OBS_CHILD").ok()
}

#[test]
fn a_blocking_poll_is_reported_with_name_and_location() {
    if child_mode().as_deref() == Some("slow") {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .slow_poll_threshold(Some(Duration::from_millis(50)))
            .build()
            .unwrap();
        rt.block_on(async {
            runtime::task::Builder::new()
                .name("frozen-worker")
                .spawn(async {
                    // A blocking call inside async code: 200 ms.
                    std::thread::sleep(std::time::Duration::from_millis(200));
                })
                .await
                .unwrap();
        });
        return;
    }
    watchdog(LIMIT, || {
        let (ok, stderr) = run_child("a_blocking_poll_is_reported_with_name_and_location", "slow");
        assert!(ok, "child failed: {stderr}");
        assert!(
            stderr.contains("slow poll: task 'frozen-worker'"),
            "{stderr}"
        );
        assert!(
            stderr.contains("still running"),
            "reported while it blocks: {stderr}"
        );
        assert!(
            stderr.contains("observability.rs"),
            "spawn location: {stderr}"
        );
        assert!(
            stderr.contains("blocked worker"),
            "reported again when it ends: {stderr}"
        );
    });
}

#[test]
fn slow_poll_detection_can_be_turned_off() {
    if child_mode().as_deref() == Some("quiet") {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .slow_poll_threshold(None)
            .build()
            .unwrap();
        rt.block_on(async {
            runtime::spawn(async { std::thread::sleep(std::time::Duration::from_millis(150)) })
                .await
                .unwrap();
        });
        return;
    }
    watchdog(LIMIT, || {
        let (ok, stderr) = run_child("slow_poll_detection_can_be_turned_off", "quiet");
        assert!(ok, "{stderr}");
        assert!(!stderr.contains("slow poll"), "{stderr}");
    });
}

#[test]
fn detached_panics_follow_the_policy() {
    if let Some(mode @ ("log" | "ignore" | "shutdown" | "abort")) = child_mode().as_deref() {
        let policy = match mode {
            "log" => Policy::Log,
            "ignore" => Policy::Ignore,
            "shutdown" => Policy::ShutdownRuntime,
            _ => Policy::Abort,
        };
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .unhandled_failure(policy)
            .build()
            .unwrap();
        let wait_forever = matches!(policy, Policy::ShutdownRuntime | Policy::Abort);
        rt.block_on(async move {
            let orphan = runtime::task::Builder::new()
                .name("orphan")
                .spawn(async { panic!("nobody is listening") });
            let (tx, rx) = runtime::sync::oneshot::channel();
            orphan.add_done_callback(move |_| {
                let _ = tx.send(());
            });
            orphan.detach();
            if wait_forever {
                // Only the policy can end this: by making block_on panic
                // (ShutdownRuntime) or by aborting the process.
                pending::<()>().await;
            }
            let _ = rx.await;
        });
        // Dropping the runtime joins its workers, so the report of the
        // task they completed has been made by now.
        drop(rt);
        eprintln!("block_on returned normally");
        return;
    }
    watchdog(LIMIT, || {
        let test = "detached_panics_follow_the_policy";
        let expected = "task 'orphan' (id ";
        let (ok, stderr) = run_child(test, "log");
        assert!(ok, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(
            stderr.contains("panicked and its result was never retrieved: nobody is listening"),
            "{stderr}"
        );
        assert!(stderr.contains("observability.rs"), "{stderr}");
        assert!(stderr.contains("block_on returned normally"));

        let (ok, stderr) = run_child(test, "ignore");
        assert!(ok, "{stderr}");
        assert!(!stderr.contains("never retrieved"), "{stderr}");

        let (ok, stderr) = run_child(test, "shutdown");
        assert!(!ok, "block_on panicked, failing the child");
        assert!(
            stderr.contains("unhandled-failure policy (ShutdownRuntime)"),
            "{stderr}"
        );
        assert!(stderr.contains("task 'orphan'"), "{stderr}");
        assert!(!stderr.contains("block_on returned normally"), "{stderr}");

        let (ok, stderr) = run_child(test, "abort");
        assert!(!ok);
        assert!(stderr.contains("aborting the process"), "{stderr}");
    });
}

/// A panicked task whose handle outlives its runtime: dropping the handle
/// unread still applies the runtime's policy (the task keeps what the
/// policy needs; it does not reach into the dropped runtime).
#[test]
fn a_failed_result_dropped_after_the_runtime_is_gone_follows_the_policy() {
    if let Some(mode @ ("late-log" | "late-ignore")) = child_mode().as_deref() {
        let policy = match mode {
            "late-log" => Policy::Log,
            _ => Policy::Ignore,
        };
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .unhandled_failure(policy)
            .build()
            .unwrap();
        let mut failed = runtime::task::Builder::new()
            .name("outlived")
            .spawn_on(async { panic!("read by nobody") }, rt.handle());
        rt.block_on(std::future::poll_fn(|cx| failed.poll_finished(cx)));
        drop(rt);
        eprintln!("runtime dropped");
        drop(failed);
        eprintln!("handle dropped");
        return;
    }
    watchdog(LIMIT, || {
        let test = "a_failed_result_dropped_after_the_runtime_is_gone_follows_the_policy";
        let (ok, stderr) = run_child(test, "late-log");
        assert!(ok, "{stderr}");
        let report = stderr
            .find("task 'outlived' (id ")
            .expect("the failure was reported");
        assert!(stderr[..report].contains("runtime dropped"), "{stderr}");
        assert!(
            stderr.contains("never retrieved: read by nobody"),
            "{stderr}"
        );
        assert!(stderr.contains("handle dropped"), "{stderr}");

        let (ok, stderr) = run_child(test, "late-ignore");
        assert!(ok, "{stderr}");
        assert!(!stderr.contains("never retrieved"), "{stderr}");
        assert!(stderr.contains("handle dropped"), "{stderr}");
    });
}

#[test]
fn metrics_count_a_known_workload() {
    watchdog(LIMIT, || {
        let rt = common::rt(2, "metrics");
        const N: u64 = 5_000;
        rt.block_on(async {
            let tasks: Vec<_> = (0..N).map(|i| runtime::spawn(async move { i })).collect();
            for t in tasks {
                t.await.unwrap();
            }
            let spinner = runtime::spawn(async {
                loop {
                    // Always-ready work: the budget must force yields.
                    let t = runtime::spawn(async {});
                    t.await.unwrap();
                }
            });
            runtime::time::sleep(Duration::from_millis(20)).await;
            spinner.cancel();
            // Its cancellation passes through the injector: wait for it.
            assert!(spinner.await.unwrap_err().is_cancelled());
        });
        let m = rt.handle().metrics();
        assert_eq!(m.workers, 2);
        assert_eq!(m.per_worker.len(), 2);
        assert!(
            m.total_polls() >= N,
            "N spawns give at least N polls: {m:?}"
        );
        assert_eq!(m.injector_depth, 0);
        assert!(m.live_tasks <= 1, "{m:?}");
    });
}

#[test]
fn dump_shows_every_live_named_task_under_its_parent() {
    watchdog(LIMIT, || {
        let rt = common::rt(2, "dump");
        rt.block_on(async {
            let server = runtime::task::Builder::new().name("server").spawn(async {
                let conns: Vec<_> = (0..3)
                    .map(|i| {
                        runtime::task::Builder::new()
                            .name(format!("conn-{i}"))
                            .spawn(pending::<()>())
                    })
                    .collect();
                pending::<()>().await;
                drop(conns);
            });
            // Wait until the connections exist.
            while runtime::all_tasks().len() < 4 {
                runtime::yield_now().await;
            }
            let dump = runtime::Handle::current().dump();
            let server_info = dump.get(server.id()).expect("server listed");
            assert_eq!(server_info.name.as_deref(), Some("server"));
            for i in 0..3 {
                let conn = dump
                    .tasks()
                    .iter()
                    .find(|t| t.name.as_deref() == Some(&format!("conn-{i}")))
                    .expect("connection listed");
                assert_eq!(conn.parent, Some(server.id()), "parent recorded");
            }
            let text = dump.to_string();
            assert!(text.starts_with("runtime dump:"), "{text}");
            let server_line = text.lines().position(|l| l.contains("'server'")).unwrap();
            let conn_line = text.lines().position(|l| l.contains("'conn-0'")).unwrap();
            assert!(
                conn_line > server_line,
                "children under the parent:\n{text}"
            );
            assert!(
                text.lines().nth(conn_line).unwrap().starts_with("  - task"),
                "indented:\n{text}"
            );
            server.cancel();
        });
    });
}
