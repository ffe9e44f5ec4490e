//! A minimal HTTP/1.1 server answering "Hello, world!" to every request,
//! with keep-alive and pipelining: enough for `curl` and for load tools
//! such as `wrk`.
//!
//! ```text
//! cargo run --release --example http_hello                      # 127.0.0.1:8080
//! cargo run --release --example http_hello -- 127.0.0.1:3000
//! curl -s http://127.0.0.1:8080/
//! wrk -t1 -c10 -d3s http://127.0.0.1:8080/
//! ```
//!
//! One task per connection. A connection reads what is available, answers
//! every complete request in its buffer with one write (so pipelined
//! requests are answered in order with a single syscall), and stays open
//! until the client closes it or sends `Connection: close` (HTTP/1.0
//! clients get keep-alive only when they ask for it). Request bodies with a
//! `Content-Length` are skipped. Ctrl-C stops the server.

use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::time::{sleep, Duration};

const BODY: &str = "Hello, world!";
/// Requests whose headers do not fit are refused.
const MAX_HEAD: usize = 16 * 1024;

/// What one parsed request asks for.
struct Request {
    /// Bytes it takes in the buffer: the head plus its body.
    len: usize,
    keep_alive: bool,
    http10: bool,
}

/// Parses the request at the start of `buf`: `Ok(None)` if it is not
/// complete yet, `Err` if it is malformed.
fn parse(buf: &[u8]) -> Result<Option<Request>, &'static str> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if buf.len() > MAX_HEAD {
            Err("request head too large")
        } else {
            Ok(None)
        };
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| "request head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(_method), Some(_target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("malformed request line");
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err("unsupported HTTP version"),
    };
    let mut keep_alive = !http10;
    let mut body_len = 0usize;
    for line in lines {
        let (name, value) = line.split_once(':').ok_or("malformed header")?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            if value.eq_ignore_ascii_case("close") {
                keep_alive = false;
            } else if value.eq_ignore_ascii_case("keep-alive") {
                keep_alive = true;
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            body_len = value.parse().map_err(|_| "bad Content-Length")?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("chunked request bodies are not supported");
        }
    }
    let len = end + 4 + body_len;
    if buf.len() < len {
        return Ok(None); // the body has not all arrived
    }
    Ok(Some(Request {
        len,
        keep_alive,
        http10,
    }))
}

/// Appends the response to one request.
fn respond(out: &mut Vec<u8>, req: &Request) {
    let connection = match (req.keep_alive, req.http10) {
        (false, _) => "Connection: close\r\n",
        (true, true) => "Connection: keep-alive\r\n",
        (true, false) => "",
    };
    out.extend_from_slice(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{connection}\r\n{BODY}",
            BODY.len()
        )
        .as_bytes(),
    );
}

async fn serve(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut out: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(()); // the client closed the connection
        }
        buf.extend_from_slice(&chunk[..n]);

        // Answer every complete request in the buffer (pipelining).
        let mut used = 0;
        let mut close = false;
        loop {
            match parse(&buf[used..]) {
                Ok(Some(req)) => {
                    respond(&mut out, &req);
                    used += req.len;
                    if !req.keep_alive {
                        close = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(reason) => {
                    let msg = format!(
                        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reason}",
                        reason.len()
                    );
                    out.extend_from_slice(msg.as_bytes());
                    close = true;
                    break;
                }
            }
        }
        buf.drain(..used);
        if !out.is_empty() {
            stream.write_all(&out).await?;
            out.clear();
        }
        if close {
            return Ok(());
        }
    }
}

async fn accept_loop(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                // Detached: a connection's task ends when its client leaves.
                runtime::spawn(async move {
                    if let Err(e) = serve(stream).await {
                        if e.kind() != io::ErrorKind::ConnectionReset {
                            eprintln!("connection error: {e}");
                        }
                    }
                });
            }
            Err(e) => {
                eprintln!("accept failed: {e}");
                sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

#[runtime::main]
async fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listener = TcpListener::bind(addr.as_str()).await?;
    println!(
        "http_hello listening on http://{}/ (Ctrl-C to stop)",
        listener.local_addr()?
    );
    let server = runtime::task::Builder::new()
        .name("acceptor")
        .spawn(accept_loop(listener));
    runtime::signal::ctrl_c().await?;
    println!("\nshutting down");
    server.cancel();
    Ok(())
}
