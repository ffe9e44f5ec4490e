// A branch without `=>` between its future and its handler.
async fn f() -> u32 {
    runtime::select! {
        v = async { 1 }, v + 1,
    }
}
fn main() {
    drop(f());
}
