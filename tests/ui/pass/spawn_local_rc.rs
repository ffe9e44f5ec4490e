// The fix for tests/ui/fail/spawn_rc_future.rs: a local task may hold an
// `Rc` across `.await`s; it runs on the thread that spawned it.
use std::rc::Rc;

#[runtime::main(flavor = "current_thread")]
async fn main() {
    let shared = Rc::new(1);
    let task = runtime::task::spawn_local(async move {
        runtime::yield_now().await;
        *shared + 1
    });
    assert_eq!(task.await.unwrap(), 2);
}
