// A multi-thread runtime's task may move to another worker at any `.await`,
// so it cannot hold a `LocalSet` (which is `!Send`) across one: run the set
// in `block_on`, or on the blocking pool with `handle.block_on(..)`.
use runtime::task::LocalSet;

#[runtime::main]
async fn main() {
    let task = runtime::spawn(async {
        let local = LocalSet::new();
        local.run_until(runtime::yield_now()).await;
    });
    task.await.unwrap();
}
