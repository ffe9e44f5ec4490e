// Every problem is reported at once, each at its own place.
#[runtime::main(flavor = "bogus", worker_threads = 0)]
fn main(argc: i32) {}
