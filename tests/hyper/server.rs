//! The hyper server the tests in `tests/hyper.rs` drive: HTTP/1 and HTTP/2
//! (prior knowledge) listeners on 127.0.0.1, with counters the tests read.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use runtime::hyper::{Executor, Io, ReadUninit, Timer};
use runtime::io::AsyncWrite;
use runtime::net::TcpListener;

type Body = BoxBody<Bytes, hyper::Error>;

/// A running server and what it has seen.
pub(crate) struct Server {
    pub(crate) rt: runtime::Runtime,
    /// HTTP/1.1.
    pub(crate) addr: SocketAddr,
    /// HTTP/2 with prior knowledge.
    pub(crate) addr_h2: SocketAddr,
    pub(crate) accepted: Arc<AtomicUsize>,
    pub(crate) accepted_h2: Arc<AtomicUsize>,
    /// Connections whose task has finished (either protocol).
    pub(crate) ended: Arc<AtomicUsize>,
    /// The errors connections ended with.
    pub(crate) errors: Arc<Mutex<Vec<String>>>,
}

/// `n` bytes of a pattern that is not periodic in any buffer size.
pub(crate) fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 7 + i / 251) % 256) as u8).collect()
}

fn full(text: impl Into<Bytes>) -> Body {
    Full::new(text.into())
        .map_err(|never| match never {})
        .boxed()
}

async fn route(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path().to_owned();
    let res = match (req.method(), path.as_str()) {
        (&Method::GET, "/") => Response::new(full("hello\n")),
        (&Method::GET, "/json") => Response::builder()
            .header("content-type", "application/json")
            .body(full(r#"{"ok":true}"#))
            .unwrap(),
        (&Method::GET, "/stream") => {
            let chunks = (0..10).map(|i| Ok(Frame::data(Bytes::from(format!("chunk {i}\n")))));
            Response::new(StreamBody::new(futures_util::stream::iter(chunks)).boxed())
        }
        (&Method::GET, n) if n.starts_with("/n/") => Response::new(full(format!("{}\n", &n[3..]))),
        // The request body streams straight back.
        (&Method::POST, "/echo") => Response::new(req.into_body().boxed()),
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(full("not found\n"))
            .unwrap(),
    };
    Ok(res)
}

/// hyper's own default: long enough that no test but the stall test ever
/// meets it, even on a loaded machine (hyper may apply it to an idle
/// kept-alive connection waiting for its next request too).
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves one HTTP/1 connection over any of our streams.
pub(crate) async fn serve_h1<S>(stream: S, header_timeout: Duration) -> Result<(), hyper::Error>
where
    S: ReadUninit + AsyncWrite + Unpin + Send + 'static,
{
    hyper::server::conn::http1::Builder::new()
        .timer(Timer)
        .header_read_timeout(header_timeout)
        .serve_connection(Io::new(stream), service_fn(route))
        .await
}

impl Server {
    pub(crate) fn start(name: &str) -> Server {
        Server::start_with(name, HEADER_READ_TIMEOUT)
    }

    /// A server whose HTTP/1 connections time out reading headers after
    /// `header_timeout`.
    pub(crate) fn start_with(name: &str, header_timeout: Duration) -> Server {
        let rt = super::common::rt(2, name);
        let accepted = Arc::new(AtomicUsize::new(0));
        let accepted_h2 = Arc::new(AtomicUsize::new(0));
        let ended = Arc::new(AtomicUsize::new(0));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let (addr, addr_h2) = rt.block_on(async {
            let h1 = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let h2 = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addrs = (h1.local_addr().unwrap(), h2.local_addr().unwrap());
            let (count, done, errs) = (accepted.clone(), ended.clone(), errors.clone());
            runtime::spawn(async move {
                loop {
                    let (stream, _) = h1.accept().await.unwrap();
                    count.fetch_add(1, SeqCst);
                    let (done, errs) = (done.clone(), errs.clone());
                    runtime::spawn(async move {
                        if let Err(err) = serve_h1(stream, header_timeout).await {
                            errs.lock().unwrap().push(format!("{err:?}"));
                        }
                        done.fetch_add(1, SeqCst);
                    });
                }
            });
            let (count, done, errs) = (accepted_h2.clone(), ended.clone(), errors.clone());
            runtime::spawn(async move {
                loop {
                    let (stream, _) = h2.accept().await.unwrap();
                    count.fetch_add(1, SeqCst);
                    let (done, errs) = (done.clone(), errs.clone());
                    runtime::spawn(async move {
                        let conn = hyper::server::conn::http2::Builder::new(Executor)
                            .timer(Timer)
                            .serve_connection(Io::new(stream), service_fn(route));
                        if let Err(err) = conn.await {
                            errs.lock().unwrap().push(format!("{err:?}"));
                        }
                        done.fetch_add(1, SeqCst);
                    });
                }
            });
            addrs
        });
        Server {
            rt,
            addr,
            addr_h2,
            accepted,
            accepted_h2,
            ended,
            errors,
        }
    }
}
