#[runtime::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(runtime::Handle::current().num_workers(), 1);
    let here = std::thread::current().id();
    let there = runtime::spawn(async { std::thread::current().id() }).await.unwrap();
    assert_eq!(here, there);
}
