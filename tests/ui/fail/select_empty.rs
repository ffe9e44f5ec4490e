// A select! with no branch at all.
async fn f() {
    runtime::select! {}
}
fn main() {
    drop(f());
}
