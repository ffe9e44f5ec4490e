// A branch without `pattern =`.
async fn f() -> u32 {
    runtime::select! {
        async { 1 } => 2,
    }
}
fn main() {
    drop(f());
}
