// `biased;` after a branch.
async fn f() -> u32 {
    runtime::select! {
        v = async { 1 } => v,
        biased;
    }
}
fn main() {
    drop(f());
}
