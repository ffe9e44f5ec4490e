#[runtime::main(flavor = "bogus")]
async fn main() {}
