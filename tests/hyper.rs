//! Feature `hyper`: a hyper 1.x server on `runtime`, driven by real
//! clients (hyper's own client over our `TcpStream`, and `curl`).

#![cfg(feature = "hyper")]

mod common;
#[path = "hyper/server.rs"]
mod hyper_server;

use std::io::{Read, Write};
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::{Request, StatusCode};
use runtime::hyper::{Executor, Io, Timer};
use runtime::net::TcpStream;

use common::{watchdog, LIMIT};
use hyper_server::{pattern, Server};

type Sender<B> = hyper::client::conn::http1::SendRequest<B>;

/// An HTTP/1 client connection (hyper's) to `addr`; its connection task
/// runs on the current runtime.
async fn connect<B>(addr: std::net::SocketAddr) -> Sender<B>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(addr).await.unwrap();
    let (send, conn) = hyper::client::conn::http1::Builder::new()
        .handshake(Io::new(stream))
        .await
        .unwrap();
    runtime::spawn(async move {
        let _ = conn.await;
    });
    send
}

fn get(path: &str) -> Request<Empty<Bytes>> {
    Request::get(path)
        .header("host", "localhost")
        .body(Empty::new())
        .unwrap()
}

async fn body_of(res: hyper::Response<hyper::body::Incoming>) -> Bytes {
    res.into_body().collect().await.unwrap().to_bytes()
}

#[test]
fn keep_alive_reuses_one_connection_for_many_requests() {
    watchdog(LIMIT, || {
        let server = Server::start("h1-keepalive");
        server.rt.block_on(async {
            let mut send = connect(server.addr).await;
            for _ in 0..10 {
                send.ready().await.unwrap();
                let res = send.send_request(get("/")).await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                assert_eq!(&body_of(res).await[..], b"hello\n");
            }
        });
        assert_eq!(server.accepted.load(SeqCst), 1, "keep-alive was not used");
    });
}

#[test]
fn a_thousand_sequential_requests_on_one_connection() {
    watchdog(LIMIT, || {
        let server = Server::start("h1-thousand");
        server.rt.block_on(async {
            let mut send = connect(server.addr).await;
            for i in 0..1000 {
                send.ready().await.unwrap();
                let res = send.send_request(get(&format!("/n/{i}"))).await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                assert_eq!(body_of(res).await, format!("{i}\n"));
            }
        });
        assert_eq!(server.accepted.load(SeqCst), 1);
    });
}

#[test]
fn a_ten_mib_post_is_echoed_byte_exact() {
    watchdog(LIMIT, || {
        let server = Server::start("h1-echo");
        let payload = Bytes::from(pattern(10 << 20));
        server.rt.block_on(async {
            let mut send = connect(server.addr).await;
            let req = Request::post("/echo")
                .header("host", "localhost")
                .body(Full::new(payload.clone()))
                .unwrap();
            let res = send.send_request(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let back = body_of(res).await;
            assert_eq!(back.len(), payload.len());
            assert!(back == payload, "echoed body differs");
        });
    });
}

#[test]
fn a_client_that_disconnects_mid_body_ends_its_server_task() {
    watchdog(LIMIT, || {
        let server = Server::start("h1-midbody");
        let handle = server.rt.handle().clone();
        let baseline = handle.metrics().live_tasks;
        // A raw client: announces 1 MB, sends 64 KiB of it, then vanishes.
        let mut raw = std::net::TcpStream::connect(server.addr).unwrap();
        raw.write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n")
            .unwrap();
        raw.write_all(&pattern(64 << 10)).unwrap();
        // Wait until the server has accepted it (its task exists), then drop.
        while server.accepted.load(SeqCst) == 0 {
            std::thread::yield_now();
        }
        drop(raw);
        // The connection task ends (with hyper's error) and leaves nothing
        // behind: live tasks return to the baseline (the accept loop).
        while server.ended.load(SeqCst) < 1 {
            std::thread::sleep(Duration::from_millis(1));
        }
        while handle.metrics().live_tasks > baseline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let errors = server.errors.lock().unwrap().clone();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(handle.metrics().live_tasks, baseline);
        // And the server still serves.
        server.rt.block_on(async {
            let mut send = connect(server.addr).await;
            let res = send.send_request(get("/")).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
        });
    });
}

/// Sends `request` on a raw socket and reads until the server closes it.
fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut raw = std::net::TcpStream::connect(addr).unwrap();
    raw.write_all(request).unwrap();
    let mut reply = Vec::new();
    // read_to_end returns only once the server closes the connection.
    raw.read_to_end(&mut reply).unwrap();
    String::from_utf8_lossy(&reply).into_owned()
}

#[test]
fn a_malformed_request_line_gets_400_and_a_closed_connection() {
    watchdog(LIMIT, || {
        let server = Server::start("h1-malformed");
        let reply = raw_exchange(server.addr, b"GARBAGE\x01 / NOT-HTTP\r\n\r\n");
        assert!(reply.starts_with("HTTP/1.1 400"), "reply: {reply:?}");
        // A non-UTF-8 header value is opaque bytes to HTTP: served, not a crash.
        let reply = raw_exchange(
            server.addr,
            b"GET / HTTP/1.1\r\nhost: x\r\nx-bytes: \xff\xfe\r\nconnection: close\r\n\r\n",
        );
        assert!(
            reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.1 400"),
            "reply: {reply:?}"
        );
        // The server keeps serving.
        server.rt.block_on(async {
            let mut send = connect(server.addr).await;
            let res = send.send_request(get("/")).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
        });
        assert_eq!(server.accepted.load(SeqCst), 3);
    });
}

#[test]
fn the_header_read_timeout_closes_a_stalled_connection() {
    watchdog(LIMIT, || {
        // hyper's header_read_timeout runs on runtime::hyper::Timer.
        let server = Server::start_with("h1-stall", Duration::from_millis(300));
        let reply = raw_exchange(server.addr, b"GET / HTTP/1.1\r\nhost: x\r\n");
        assert!(
            reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
            "reply: {reply:?}"
        );
        while server.ended.load(SeqCst) < 1 {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

#[test]
fn http2_server_and_client_with_the_executor() {
    watchdog(LIMIT, || {
        let server = Server::start("h2");
        server.rt.block_on(async {
            let stream = TcpStream::connect(server.addr_h2).await.unwrap();
            let (send, conn) = hyper::client::conn::http2::Builder::new(Executor)
                .timer(Timer)
                .handshake::<_, Empty<Bytes>>(Io::new(stream))
                .await
                .unwrap();
            runtime::spawn(conn);
            // 100 concurrent streams on one connection.
            let requests = (0..100).map(|i| {
                let mut send = send.clone();
                async move {
                    let req = Request::get(format!("http://localhost/n/{i}"))
                        .body(Empty::new())
                        .unwrap();
                    let res = send.send_request(req).await.unwrap();
                    assert_eq!(res.version(), hyper::Version::HTTP_2);
                    assert_eq!(body_of(res).await, format!("{i}\n"));
                }
            });
            runtime::gather(requests).await;
        });
        assert_eq!(server.accepted_h2.load(SeqCst), 1);
    });
}

#[test]
fn hyper_over_a_unix_stream() {
    watchdog(LIMIT, || {
        let server = Server::start("h1-unix");
        server.rt.block_on(async {
            let (ours, theirs) = runtime::net::UnixStream::pair().unwrap();
            runtime::spawn(hyper_server::serve_h1(
                ours,
                hyper_server::HEADER_READ_TIMEOUT,
            ));
            let (mut send, conn) = hyper::client::conn::http1::handshake(Io::new(theirs))
                .await
                .unwrap();
            runtime::spawn(conn);
            let res = send.send_request(get("/")).await.unwrap();
            assert_eq!(&body_of(res).await[..], b"hello\n");
        });
    });
}

#[test]
fn futures_io_carries_hyper_over_any_futures_io_stream() {
    watchdog(LIMIT, || {
        let server = Server::start("h1-futures-io");
        server.rt.block_on(async {
            // `FuturesIo` takes any futures-io stream (a TLS stream, say);
            // here our TcpStream through its futures-io impl, for the
            // zero-filling read path.
            let stream = TcpStream::connect(server.addr).await.unwrap();
            let io = runtime::hyper::FuturesIo::new(stream);
            let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
            runtime::spawn(conn);
            let payload = Bytes::from(pattern(1 << 20));
            let req = Request::post("/echo")
                .header("host", "localhost")
                .body(Full::new(payload.clone()))
                .unwrap();
            let back = body_of(send.send_request(req).await.unwrap()).await;
            assert!(back == payload, "echoed body differs");
        });
    });
}

// -- curl ------------------------------------------------------------------

/// `curl` with `args`, or `None` (and a printed reason) when it is absent.
fn curl(args: &[&str]) -> Option<std::process::Output> {
    match std::process::Command::new("curl").args(args).output() {
        Ok(out) => Some(out),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: curl is not installed (.ci/run installs it): {err}");
            None
        }
        Err(err) => panic!("running curl: {err}"),
    }
}

#[test]
fn curl_reuses_the_connection_and_gets_the_routes() {
    watchdog(LIMIT, || {
        let server = Server::start("curl-keepalive");
        let base = format!("http://{}", server.addr);
        let (a, b) = (format!("{base}/"), format!("{base}/json"));
        // Two URLs in one curl run share one kept-alive connection.
        let Some(out) = curl(&["-sS", "--fail", "-w", "|%{num_connects}\n", &a, &b]) else {
            return;
        };
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text, "hello\n|1\n{\"ok\":true}|0\n", "curl output");
        assert_eq!(server.accepted.load(SeqCst), 1);
    });
}

#[test]
fn curl_posts_ten_mib_and_gets_it_back_byte_exact() {
    watchdog(LIMIT, || {
        let server = Server::start("curl-echo");
        let dir = std::env::temp_dir().join(format!("runtime-hyper-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (sent, got) = (dir.join("sent"), dir.join("got"));
        let payload = pattern(10 << 20);
        std::fs::write(&sent, &payload).unwrap();
        let url = format!("http://{}/echo", server.addr);
        let data = format!("@{}", sent.display());
        let out = curl(&[
            "-sS",
            "--fail",
            "--data-binary",
            &data,
            "-H",
            "content-type: application/octet-stream",
            "-o",
            got.to_str().unwrap(),
            &url,
        ]);
        if let Some(out) = out {
            assert!(out.status.success(), "{out:?}");
            let back = std::fs::read(&got).unwrap();
            assert_eq!(back.len(), payload.len());
            assert!(back == payload, "echoed body differs");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn curl_sees_http2_with_prior_knowledge_and_a_streamed_body() {
    watchdog(LIMIT, || {
        let server = Server::start("curl-h2");
        let url = format!("http://{}/stream", server.addr_h2);
        let Some(out) = curl(&[
            "-sS",
            "--fail",
            "--http2-prior-knowledge",
            "-w",
            "|%{http_version}",
            &url,
        ]) else {
            return;
        };
        if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("not support") {
            eprintln!("SKIPPED: this curl has no HTTP/2: {out:?}");
            return;
        }
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let expected: String = (0..10).map(|i| format!("chunk {i}\n")).collect();
        assert_eq!(text, format!("{expected}|2"));
    });
}
