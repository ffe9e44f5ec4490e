// A crate that re-exports `runtime` points the macro at its own path.
mod framework {
    pub use runtime as rt;
}

#[framework::rt::main(crate = "framework::rt", flavor = "current_thread")]
async fn main() {
    assert_eq!(framework::rt::Handle::current().num_workers(), 1);
}
