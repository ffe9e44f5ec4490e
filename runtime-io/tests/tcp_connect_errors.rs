//! Connection failures are reported promptly and clearly.

mod common;

use std::io::ErrorKind;

use runtime_io::net::{TcpListener, TcpStream, UdpSocket, UnixStream};

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    common::with_reactor("refused", |_| {
        futures_executor::block_on(async {
            let addr = closed_port();
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
            // The same through a "host:port" string with a name to resolve
            // (resolved on a helper thread).
            let err = TcpStream::connect(format!("localhost:{}", addr.port()))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        });
    });
}

#[test]
fn host_names_resolve_off_thread() {
    common::with_reactor("resolve", |_| {
        futures_executor::block_on(async {
            let listener = TcpListener::bind("localhost:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let client = TcpStream::connect(("localhost", port)).await;
            // "localhost" may resolve to ::1 first while we listen on one
            // family only: connect tries every address in turn.
            let client = client.unwrap();
            assert_eq!(client.peer_addr().unwrap(), listener.local_addr().unwrap());
        });
    });
}

#[test]
fn sockets_outside_a_runtime_say_so() {
    common::watchdog("noreactor", common::WATCHDOG, || {
        assert!(runtime_io::reactor::try_current().is_none());
        let check = |err: std::io::Error| {
            assert_eq!(err.kind(), ErrorKind::Other);
            let msg = err.to_string();
            assert!(
                msg.contains("no I/O reactor") && msg.contains("block_on"),
                "{msg}"
            );
        };
        futures_executor::block_on(async {
            check(TcpListener::bind("127.0.0.1:0").await.unwrap_err());
            check(TcpStream::connect("127.0.0.1:1").await.unwrap_err());
            check(UdpSocket::bind("127.0.0.1:0").await.unwrap_err());
        });
        check(UnixStream::pair().unwrap_err());
        check(TcpStream::from_std(connected_std_stream()).unwrap_err());
    });
}

fn connected_std_stream() -> std::net::TcpStream {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap()
}

#[test]
fn from_std_and_into_std_round_trip() {
    common::with_reactor("fromstd", |_| {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::from_std(std_listener).unwrap();
        let client = TcpStream::from_std(std::net::TcpStream::connect(addr).unwrap()).unwrap();
        let (server, _) = futures_executor::block_on(listener.accept()).unwrap();
        let mut server = server.into_std().unwrap();
        use std::io::{Read, Write};
        let mut client_std = client.into_std().unwrap();
        client_std.write_all(b"std").unwrap();
        let mut buf = [0; 3];
        server.read_exact(&mut buf).unwrap(); // blocking mode again
        assert_eq!(&buf, b"std");
        assert_eq!(listener.into_std().unwrap().local_addr().unwrap(), addr);
    });
}
