//! TCP listeners ask the kernel for an accept queue of 1024 connections (as
//! Tokio's do; mio's default is 128): a burst of connects larger than 128
//! completes before the server accepts any, instead of each connect beyond
//! the queue waiting for the client's SYN retransmission a second later.
//! (The TCP case fails, after its 10 s connect timeout, with the backlog
//! left at 128.) Unix listeners get the kernel's maximum from mio; their
//! case guards that.

mod common;

use std::time::Duration;

use runtime_io::net::{TcpListener, UnixListener};

/// More than mio's default backlog (128), less than ours.
const BURST: usize = 600;

/// The kernel caps every backlog at `net.core.somaxconn`; below the burst
/// the test cannot tell our backlog from the cap.
fn somaxconn_allows_the_burst() -> bool {
    let cap: usize = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(usize::MAX);
    if cap < BURST {
        eprintln!("skipped: net.core.somaxconn is {cap}, below the burst of {BURST}");
        return false;
    }
    true
}

#[test]
fn a_tcp_listener_queues_a_burst_of_connects_before_any_accept() {
    if !somaxconn_allows_the_burst() {
        return;
    }
    common::with_reactor("tcpbacklog", |_| {
        let listener = futures_executor::block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().unwrap();
        // Nobody accepts: each connect completes only if the queue has room.
        // (With a full queue the kernel drops the SYN and the connect would
        // wait for retransmissions; the timeout turns that into a failure.)
        let clients: Vec<_> = (0..BURST)
            .map(|i| {
                std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap_or_else(
                    |e| panic!("connect {i} of {BURST} with no accept yet did not complete: {e}"),
                )
            })
            .collect();
        // Every queued connection is then accepted.
        futures_executor::block_on(async {
            for _ in 0..BURST {
                listener.accept().await.expect("accept");
            }
        });
        drop(clients);
    });
}

#[test]
fn a_unix_listener_queues_a_burst_of_connects_before_any_accept() {
    if !somaxconn_allows_the_burst() {
        return;
    }
    common::with_reactor("unixbacklog", |_| {
        let dir = common::TempDir::new("backlog");
        let path = dir.path("backlog.sock");
        let listener = UnixListener::bind(&path).expect("bind");
        let addr = socket2::SockAddr::unix(&path).unwrap();
        // Non-blocking connects: on a full queue the kernel answers
        // EAGAIN at once, so the count below is exact, with no waiting.
        let clients: Vec<_> = (0..BURST)
            .map(|i| {
                let socket =
                    socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None)
                        .unwrap();
                socket.set_nonblocking(true).unwrap();
                socket.connect(&addr).unwrap_or_else(|e| {
                    panic!("connect {i} of {BURST} with no accept yet was refused: {e}")
                });
                socket
            })
            .collect();
        futures_executor::block_on(async {
            for _ in 0..BURST {
                listener.accept().await.expect("accept");
            }
        });
        drop(clients);
    });
}
