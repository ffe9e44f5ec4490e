//! `all_tasks()` lists live tasks with their names and states.
mod common;
use common::{watchdog, LIMIT};
use runtime::task::TaskState;
use std::future::pending;

#[test]
fn all_tasks_lists_live_named_tasks() {
    watchdog(LIMIT, || {
        let rt = common::rt(2, "list");
        rt.block_on(async {
            let a = runtime::task::Builder::new()
                .name("alpha")
                .spawn(pending::<()>());
            let b = runtime::task::Builder::new()
                .name("beta")
                .spawn(pending::<()>());
            let done = runtime::spawn(async { 1 });
            done.await.unwrap();
            // Wait until both have been polled once.
            loop {
                let infos = runtime::all_tasks();
                let idle = infos
                    .iter()
                    .filter(|i| i.state == TaskState::Idle && i.polls >= 1)
                    .count();
                if idle >= 2 {
                    break;
                }
                runtime::yield_now().await;
            }
            let infos = runtime::all_tasks();
            let names: Vec<_> = infos.iter().filter_map(|i| i.name.clone()).collect();
            assert!(names.contains(&"alpha".to_owned()) && names.contains(&"beta".to_owned()));
            let alpha = infos.iter().find(|i| i.id == a.id()).unwrap();
            assert_eq!(alpha.state, TaskState::Idle);
            assert!(
                alpha.location.file().ends_with("all_tasks.rs"),
                "{}",
                alpha.location
            );
            assert!(alpha.to_string().contains("alpha"));
            assert!(infos.iter().all(|i| i.name.is_some() || i.id != a.id()));
            b.cancel();
            let _ = b.await;
            let infos = runtime::all_tasks();
            assert!(
                infos.iter().all(|i| i.name.as_deref() != Some("beta")),
                "beta left"
            );
            a.cancel();
        });
    });
}
