#[runtime::test(timeout = "abc")]
async fn no_number() {}

#[runtime::test(timeout = "10h")]
async fn unknown_unit() {}

#[runtime::test(timeout = "0s")]
async fn zero() {}

#[runtime::test(timeout = 10)]
async fn not_a_string() {}

fn main() {}
