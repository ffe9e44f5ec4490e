//! A hyper 1.x client on `runtime` (feature `hyper`): 64 concurrent
//! kept-alive connections fetching from `examples/hyper_server.rs`.
//!
//! ```sh
//! cargo run --release --features hyper --example hyper_server &
//! cargo run --release --features hyper --example hyper_client [ADDR] [CONNECTIONS] [REQUESTS_PER_CONNECTION]
//! ```
//!
//! Each connection is one task: a hyper HTTP/1 handshake over a
//! `runtime::net::TcpStream`, its connection future spawned beside it, then
//! sequential requests alternating `/` and `/json`, each body read to the
//! end. It prints the totals and exits non-zero if any request failed.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{Request, StatusCode};
use runtime::hyper::Io;
use runtime::net::TcpStream;
use runtime::time::Instant;
use runtime::JoinSet;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// One connection: `requests` sequential requests; returns the bytes read.
async fn fetch(addr: String, requests: usize) -> Result<usize, Error> {
    let stream = TcpStream::connect(addr.as_str()).await?;
    stream.set_nodelay(true)?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(Io::new(stream)).await?;
    let conn = runtime::spawn(conn);
    let mut bytes = 0;
    for i in 0..requests {
        let path = if i % 2 == 0 { "/" } else { "/json" };
        let req = Request::get(path)
            .header("host", addr.as_str())
            .body(Empty::<Bytes>::new())?;
        send.ready().await?;
        let res = send.send_request(req).await?;
        if res.status() != StatusCode::OK {
            return Err(format!("{path}: status {}", res.status()).into());
        }
        bytes += res.into_body().collect().await?.to_bytes().len();
    }
    // Dropping the sender lets the connection close cleanly.
    drop(send);
    conn.await??;
    Ok(bytes)
}

#[runtime::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let connections: usize = args.next().map_or(Ok(64), |s| s.parse())?;
    let requests: usize = args.next().map_or(Ok(100), |s| s.parse())?;

    let start = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..connections {
        set.spawn(fetch(addr.clone(), requests));
    }
    let (mut ok, mut failed, mut bytes) = (0, 0, 0);
    while let Some(done) = set.join_next().await {
        match done? {
            Ok(n) => {
                ok += 1;
                bytes += n;
            }
            Err(err) => {
                failed += 1;
                eprintln!("connection failed: {err}");
            }
        }
    }
    let elapsed = start.elapsed();
    let total = ok * requests;
    println!(
        "{ok} connection(s) x {requests} request(s) = {total} responses, {bytes} body bytes, \
         in {elapsed:.2?} ({:.0} req/s); {failed} connection(s) failed",
        total as f64 / elapsed.as_secs_f64()
    );
    if failed > 0 {
        return Err(format!("{failed} connection(s) failed").into());
    }
    Ok(())
}
