//! `tcp_echo`: a server task accepts [`CONNS`] connections on
//! 127.0.0.1 and echoes; [`CONNS`] client tasks on the same runtime each do
//! [`ROUND_TRIPS`] round trips of [`MSG`] bytes (write all, read exactly
//! that many back). Each runtime uses its own sockets and reactor:
//! `runtime::net`, `tokio::net`, `smol::net` (async-net on async-io).
//! `TCP_NODELAY` is set on both ends. A fresh listener and fresh
//! connections per run (connection setup is < 1% of the run).
//!
//! Check: every reply must equal the message sent (the bytes encode the
//! connection and the round), and both sides count their round trips.

use super::Workload;
use crate::runtimes::{in_runtime, in_tokio, SmolPool};

/// Connections per run.
pub const CONNS: usize = 50;
/// Round trips per connection.
pub const ROUND_TRIPS: usize = 2_000;
/// Message size in bytes.
pub const MSG: usize = 64;

/// The workload.
pub const TCP_ECHO: Workload = Workload {
    name: "tcp_echo",
    runtime: on_runtime,
    tokio: on_tokio,
    smol: on_smol,
    smol_label: None,
};

const TOTAL: usize = CONNS * ROUND_TRIPS;

fn message(conn: usize, round: usize) -> [u8; MSG] {
    let mut m = [0u8; MSG];
    for (k, b) in m.iter_mut().enumerate() {
        *b = (conn.wrapping_mul(31) ^ round.wrapping_mul(7) ^ k) as u8;
    }
    m
}

fn check(name: &str, (served, echoed): (usize, usize)) {
    assert_eq!(served, TOTAL, "{name}: server echoed the wrong count");
    assert_eq!(echoed, TOTAL, "{name}: clients got the wrong count");
}

fn on_runtime(rt: &runtime::Runtime) {
    use runtime::io::{AsyncReadExt, AsyncWriteExt};
    use runtime::net::{TcpListener, TcpStream};
    check(
        "runtime",
        in_runtime(rt, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("local_addr");
            let server = runtime::spawn(async move {
                let mut handlers = Vec::with_capacity(CONNS);
                for _ in 0..CONNS {
                    let (mut s, _) = listener.accept().await.expect("accept");
                    s.set_nodelay(true).expect("nodelay");
                    handlers.push(runtime::spawn(async move {
                        let mut buf = [0u8; MSG];
                        for _ in 0..ROUND_TRIPS {
                            s.read_exact(&mut buf).await.expect("server read");
                            s.write_all(&buf).await.expect("server write");
                        }
                        ROUND_TRIPS
                    }));
                }
                let mut served = 0;
                for h in handlers {
                    served += h.await.expect("handler failed");
                }
                served
            });
            let clients: Vec<_> = (0..CONNS)
                .map(|conn| {
                    runtime::spawn(async move {
                        let mut s = TcpStream::connect(addr).await.expect("connect");
                        s.set_nodelay(true).expect("nodelay");
                        let mut buf = [0u8; MSG];
                        for round in 0..ROUND_TRIPS {
                            let m = message(conn, round);
                            s.write_all(&m).await.expect("client write");
                            s.read_exact(&mut buf).await.expect("client read");
                            assert_eq!(buf, m, "bad echo");
                        }
                        ROUND_TRIPS
                    })
                })
                .collect();
            let mut echoed = 0;
            for c in clients {
                echoed += c.await.expect("client failed");
            }
            (server.await.expect("server failed"), echoed)
        }),
    );
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    check(
        "tokio",
        in_tokio(rt, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("local_addr");
            let server = tokio::spawn(async move {
                let mut handlers = Vec::with_capacity(CONNS);
                for _ in 0..CONNS {
                    let (mut s, _) = listener.accept().await.expect("accept");
                    s.set_nodelay(true).expect("nodelay");
                    handlers.push(tokio::spawn(async move {
                        let mut buf = [0u8; MSG];
                        for _ in 0..ROUND_TRIPS {
                            s.read_exact(&mut buf).await.expect("server read");
                            s.write_all(&buf).await.expect("server write");
                        }
                        ROUND_TRIPS
                    }));
                }
                let mut served = 0;
                for h in handlers {
                    served += h.await.expect("handler failed");
                }
                served
            });
            let clients: Vec<_> = (0..CONNS)
                .map(|conn| {
                    tokio::spawn(async move {
                        let mut s = TcpStream::connect(addr).await.expect("connect");
                        s.set_nodelay(true).expect("nodelay");
                        let mut buf = [0u8; MSG];
                        for round in 0..ROUND_TRIPS {
                            let m = message(conn, round);
                            s.write_all(&m).await.expect("client write");
                            s.read_exact(&mut buf).await.expect("client read");
                            assert_eq!(buf, m, "bad echo");
                        }
                        ROUND_TRIPS
                    })
                })
                .collect();
            let mut echoed = 0;
            for c in clients {
                echoed += c.await.expect("client failed");
            }
            (server.await.expect("server failed"), echoed)
        }),
    );
}

fn on_smol(pool: &SmolPool) {
    use smol::io::{AsyncReadExt, AsyncWriteExt};
    use smol::net::{TcpListener, TcpStream};
    let ex = pool.executor().clone();
    check(
        "smol",
        pool.run(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("local_addr");
            let ex2 = ex.clone();
            let server = ex.spawn(async move {
                let mut handlers = Vec::with_capacity(CONNS);
                for _ in 0..CONNS {
                    let (mut s, _) = listener.accept().await.expect("accept");
                    s.set_nodelay(true).expect("nodelay");
                    handlers.push(ex2.spawn(async move {
                        let mut buf = [0u8; MSG];
                        for _ in 0..ROUND_TRIPS {
                            s.read_exact(&mut buf).await.expect("server read");
                            s.write_all(&buf).await.expect("server write");
                        }
                        ROUND_TRIPS
                    }));
                }
                let mut served = 0;
                for h in handlers {
                    served += h.await;
                }
                served
            });
            let clients: Vec<_> = (0..CONNS)
                .map(|conn| {
                    ex.spawn(async move {
                        let mut s = TcpStream::connect(addr).await.expect("connect");
                        s.set_nodelay(true).expect("nodelay");
                        let mut buf = [0u8; MSG];
                        for round in 0..ROUND_TRIPS {
                            let m = message(conn, round);
                            s.write_all(&m).await.expect("client write");
                            s.read_exact(&mut buf).await.expect("client read");
                            assert_eq!(buf, m, "bad echo");
                        }
                        ROUND_TRIPS
                    })
                })
                .collect();
            let mut echoed = 0;
            for c in clients {
                echoed += c.await;
            }
            (server.await, echoed)
        }),
    );
}
