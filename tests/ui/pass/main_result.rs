use std::error::Error;

#[runtime::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: u32 = "41".parse()?;
    let m = runtime::spawn(async move { n + 1 }).await?;
    if m != 42 {
        return Err("wrong answer".into());
    }
    Ok(())
}
