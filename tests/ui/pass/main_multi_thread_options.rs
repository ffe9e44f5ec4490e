#[runtime::main(flavor = "multi_thread", worker_threads = 2, thread_name = "ui-pass")]
async fn main() {
    assert_eq!(runtime::Handle::current().num_workers(), 2);
    let name = runtime::spawn(async { std::thread::current().name().map(str::to_owned) })
        .await
        .unwrap()
        .unwrap();
    assert!(name.starts_with("ui-pass-worker-"), "{name}");
}
