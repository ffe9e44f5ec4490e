#[runtime::test(flavor = "current_thread", worker_threads = 4)]
async fn on_one_thread() {}

fn main() {}
