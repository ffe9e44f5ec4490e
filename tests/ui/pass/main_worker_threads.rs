#[runtime::main(worker_threads = 3)]
async fn main() {
    assert_eq!(runtime::Handle::current().num_workers(), 3);
}
