// A branch whose expression is a plain value, not a future.
async fn f() -> u32 {
    runtime::select! {
        v = 5 => v,
    }
}
fn main() {
    drop(f());
}
