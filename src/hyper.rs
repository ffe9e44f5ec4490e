//! hyper 1.x on `runtime` (cargo feature `hyper`): [`Io`] for the sockets,
//! [`Executor`] for hyper's background tasks and [`Timer`] for its timeouts.
//!
//! ```
//! use std::convert::Infallible;
//! use http_body_util::Full;
//! use hyper::{body::Bytes, server::conn::http1, service::service_fn, Request, Response};
//!
//! async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(Response::new(Full::new(Bytes::from("hello\n"))))
//! }
//!
//! # runtime::run(async {
//! let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
//! # let addr = listener.local_addr()?;
//! # let server = runtime::spawn(async move {
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     runtime::spawn(async move {
//!         let conn = http1::Builder::new()
//!             .timer(runtime::hyper::Timer)
//!             .serve_connection(runtime::hyper::Io::new(stream), service_fn(hello));
//!         if let Err(err) = conn.await {
//!             eprintln!("connection: {err}");
//!         }
//!     });
//! # break;
//! }
//! # Ok::<(), std::io::Error>(())
//! # });
//! # // The client side: hyper's client over our TcpStream.
//! # let stream = runtime::net::TcpStream::connect(addr).await?;
//! # let (mut send, conn) = hyper::client::conn::http1::handshake(runtime::hyper::Io::new(stream)).await.unwrap();
//! # runtime::spawn(conn);
//! # let req = Request::get("/").header("host", "localhost").body(http_body_util::Empty::<Bytes>::new()).unwrap();
//! # let res = send.send_request(req).await.unwrap();
//! # use http_body_util::BodyExt;
//! # let body = res.into_body().collect().await.unwrap().to_bytes();
//! # assert_eq!(&body[..], b"hello\n");
//! # server.await.unwrap()?;
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```
//!
//! HTTP/2 takes the executor too: `hyper::server::conn::http2::Builder::new(
//! runtime::hyper::Executor).timer(runtime::hyper::Timer)`, and the same for
//! `hyper::client::conn::http2::Builder`. [`FuturesIo`] carries hyper over
//! any other `futures-io` stream (TLS from futures-rustls, for instance).
//! `docs/ecosystem.md` lists what else works and how it is tested.

pub use runtime_io::compat::hyper::{Executor, FuturesIo, Io, Timer};
pub use runtime_io::compat::ReadUninit;
