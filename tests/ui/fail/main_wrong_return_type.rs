#[runtime::main]
async fn main() -> Result<(), String> {
    let value = 5;
    value
}
