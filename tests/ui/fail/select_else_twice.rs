// Two `else` branches.
async fn f() -> u32 {
    runtime::select! {
        v = async { 1 } => v,
        else => 2,
        else => 3,
    }
}
fn main() {
    drop(f());
}
