#[runtime::main]
struct App;

fn main() {}
