//! A hyper 1.x HTTP/1.1 server on `runtime` (feature `hyper`):
//!
//! ```sh
//! cargo run --release --features hyper --example hyper_server [ADDR]
//! curl http://127.0.0.1:3000/            # hello
//! curl http://127.0.0.1:3000/json        # a JSON document
//! curl -N http://127.0.0.1:3000/stream   # a body streamed in 10 chunks
//! curl --data-binary @file http://127.0.0.1:3000/echo
//! ```
//!
//! Connections are kept alive between requests; a client that sends no
//! complete header block within 10 s is disconnected (hyper's
//! `header_read_timeout`, on `runtime::hyper::Timer`), and header sizes are
//! bounded by hyper's limits. Ctrl-C stops accepting, asks every open
//! connection to finish its current request and close, and waits for them
//! up to a deadline (5 s) before cancelling the rest.

use std::convert::Infallible;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use runtime::hyper::{Io, Timer};
use runtime::net::{TcpListener, TcpStream};
use runtime::time::{sleep, timeout, Duration};
use runtime::{CancellationToken, JoinSet};

type Body = BoxBody<Bytes, hyper::Error>;

/// How long Ctrl-C waits for open connections to finish.
const DRAIN_DEADLINE: Duration = Duration::from_secs(5);
/// How long a client may take to send its request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into())
        .map_err(|never| match never {})
        .boxed()
}

async fn route(
    req: Request<Incoming>,
    served: Arc<AtomicU64>,
) -> Result<Response<Body>, Infallible> {
    let n = served.fetch_add(1, Relaxed) + 1;
    let res = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => Response::new(full("hello from runtime + hyper\n")),
        (&Method::GET, "/json") => {
            let task = runtime::task::id();
            let json = format!(r#"{{"message":"hello","requests_served":{n},"task":"{task}"}}"#);
            Response::builder()
                .header("content-type", "application/json")
                .body(full(json))
                .unwrap()
        }
        (&Method::GET, "/stream") => {
            // Ten chunks, 100 ms apart: the body is written as it is made.
            let chunks = futures_util::stream::unfold(0, |i| async move {
                if i == 10 {
                    return None;
                }
                if i > 0 {
                    sleep(Duration::from_millis(100)).await;
                }
                let frame = Frame::data(Bytes::from(format!("chunk {i}\n")));
                Some((Ok::<_, hyper::Error>(frame), i + 1))
            });
            Response::new(StreamBody::new(chunks).boxed())
        }
        // The request body streams straight back.
        (&Method::POST, "/echo") => Response::new(req.into_body().boxed()),
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(full("not found\n"))
            .unwrap(),
    };
    Ok(res)
}

/// Serves one connection until the client closes it or `stop` is
/// cancelled; then hyper finishes the request in flight and closes.
async fn serve(stream: TcpStream, served: Arc<AtomicU64>, stop: CancellationToken) {
    let service = service_fn(move |req| route(req, served.clone()));
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(Timer)
        .keep_alive(true)
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(Io::new(stream), service);
    let mut conn = pin!(conn);
    let result = runtime::select! {
        result = conn.as_mut() => result,
        () = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(err) = result {
        // Clients going away mid-request end up here; not worth more than a line.
        eprintln!("connection: {err}");
    }
}

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let listener = TcpListener::bind(addr.as_str()).await?;
    println!("listening on http://{}", listener.local_addr()?);

    let served = Arc::new(AtomicU64::new(0));
    let stop = CancellationToken::new();
    let mut connections = JoinSet::new();
    let mut ctrl_c = pin!(runtime::signal::ctrl_c());
    loop {
        runtime::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve(stream, served.clone(), stop.child_token()));
                }
                // EMFILE and friends: report and keep serving.
                Err(err) => eprintln!("accept: {err}"),
            },
            signal = &mut ctrl_c => {
                signal?;
                break;
            }
        }
        // Reap finished connections so the set holds only open ones.
        while connections.try_join_next().is_some() {}
    }

    drop(listener);
    println!(
        "Ctrl-C: draining {} open connection(s), up to {DRAIN_DEADLINE:?}",
        connections.len()
    );
    stop.cancel();
    let drained = timeout(DRAIN_DEADLINE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    match drained {
        Ok(()) => println!("all connections closed"),
        Err(_) => {
            println!(
                "deadline passed: cancelling {} connection(s)",
                connections.len()
            );
            connections.shutdown().await;
        }
    }
    println!("served {} request(s)", served.load(Relaxed));
    Ok(())
}
