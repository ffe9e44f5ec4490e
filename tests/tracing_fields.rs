//! The runtime's own reports as `tracing` events: target `runtime`, a
//! `kind`, and the task's id, name and spawn site as fields (not only in the
//! message text), at ERROR for failures and WARN for slow polls.
//!
//! One test in its own binary: it installs a global subscriber, which
//! applies to the worker and watchdog threads that emit the reports.

mod common;

use common::{watchdog, LIMIT};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One recorded event: level, target and every field as text.
#[derive(Debug, Clone)]
struct Seen {
    level: Level,
    target: String,
    fields: HashMap<String, String>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Recorder {
    /// The first event of `kind` (about the task named `name`, if given).
    fn find(&self, kind: &str, name: Option<&str>) -> Option<Seen> {
        let seen = self.0.lock().unwrap();
        seen.iter()
            .find(|e| {
                let field = |k: &str| e.fields.get(k).map(String::as_str);
                field("kind") == Some(kind) && (name.is_none() || field("task.name") == name)
            })
            .cloned()
    }
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Seen {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn wait_for(recorder: &Recorder, kind: &str) -> Seen {
    wait_for_task(recorder, kind, None)
}

fn wait_for_task(recorder: &Recorder, kind: &str, name: Option<&str>) -> Seen {
    loop {
        if let Some(seen) = recorder.find(kind, name) {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn reports_are_structured_tracing_events() {
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).expect("first subscriber");
    watchdog(LIMIT, move || {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tr-fields")
            .slow_poll_threshold(Some(Duration::from_millis(20)))
            .build()
            .unwrap();
        rt.block_on(async {
            // A panic nobody retrieves.
            let orphan = runtime::task::Builder::new()
                .name("orphan")
                .spawn(async { panic!("nobody is listening") });
            let orphan_id = orphan.id().as_u64().to_string();
            drop(orphan);
            let seen = runtime::spawn_blocking({
                let r = recorder.clone();
                move || wait_for(&r, "unretrieved_panic")
            })
            .await
            .unwrap();
            assert_eq!(seen.level, Level::ERROR);
            assert_eq!(seen.target, "runtime");
            assert_eq!(seen.fields["task.name"], "orphan");
            assert_eq!(seen.fields["task.id"], orphan_id);
            assert!(
                seen.fields["task.spawned_at"].contains("tracing_fields.rs"),
                "{seen:?}"
            );
            assert!(
                seen.fields["message"].contains("nobody is listening"),
                "{seen:?}"
            );

            // A done callback that panics.
            let quiet = runtime::spawn(async {});
            quiet.add_done_callback(|_| panic!("callback broke"));
            quiet.await.unwrap();
            let seen = runtime::spawn_blocking({
                let r = recorder.clone();
                move || wait_for(&r, "callback_panic")
            })
            .await
            .unwrap();
            assert_eq!(seen.level, Level::ERROR);
            assert!(seen.fields.contains_key("task.id"), "{seen:?}");

            // A slow poll: the task blocks its worker until the watchdog has
            // reported it (no timing guess), then finishes at once; the
            // closing report still names it although it left the registry.
            // (Other polls may be reported too: printing a panic's
            // backtrace can take longer than the threshold.)
            let r = recorder.clone();
            let sloth = runtime::task::Builder::new()
                .name("sloth")
                .spawn(async move {
                    wait_for_task(&r, "slow_poll", Some("sloth"));
                });
            sloth.await.unwrap();
            let r = recorder.clone();
            let (start, end) = runtime::spawn_blocking(move || {
                (
                    wait_for_task(&r, "slow_poll", Some("sloth")),
                    wait_for_task(&r, "slow_poll_end", Some("sloth")),
                )
            })
            .await
            .unwrap();
            for seen in [&start, &end] {
                assert_eq!(seen.level, Level::WARN);
                assert_eq!(seen.fields["task.id"], start.fields["task.id"]);
            }
            assert!(end.fields["message"].contains("task 'sloth'"), "{end:?}");
        });
    });
}
