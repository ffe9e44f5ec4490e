// `runtime::spawn` may run the task on any worker, so its future must be
// `Send`; an `Rc` held across an `.await` is not. The fix is a local task:
// `runtime::task::spawn_local(fut)` (see tests/ui/pass/spawn_local_rc.rs).
use std::rc::Rc;

#[runtime::main(flavor = "current_thread")]
async fn main() {
    let shared = Rc::new(1);
    let task = runtime::spawn(async move {
        runtime::yield_now().await;
        *shared + 1
    });
    assert_eq!(task.await.unwrap(), 2);
}
