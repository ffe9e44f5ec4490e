#[runtime::main]
async fn main() {
    let task = runtime::spawn(async { 40 + 2 });
    assert_eq!(task.await.unwrap(), 42);
    assert!(runtime::Handle::current().num_workers() >= 1);
}
