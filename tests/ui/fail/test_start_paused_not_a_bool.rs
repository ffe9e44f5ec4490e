#[runtime::test(start_paused = "yes")]
async fn paused() {}

fn main() {}
