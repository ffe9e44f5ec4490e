//! Socket futures must be `Send` so tasks using them can be spawned on the
//! multi-threaded runtime. Checked at compile time; the test only builds the
//! futures (never polls them).

mod common;

use runtime_io::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};

fn assert_send<T: Send>(_: &T) {}
fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn socket_types_and_their_futures_are_send() {
    assert_send_sync::<TcpListener>();
    assert_send_sync::<TcpStream>();
    assert_send_sync::<UdpSocket>();
    assert_send_sync::<UnixListener>();
    assert_send_sync::<UnixStream>();
    assert_send_sync::<UnixDatagram>();
    assert_send_sync::<runtime_io::net::tcp::OwnedReadHalf>();
    assert_send_sync::<runtime_io::net::tcp::OwnedWriteHalf>();
    assert_send_sync::<runtime_io::signal::Signal>();

    common::with_reactor("send", |_| {
        assert_send(&TcpListener::bind(String::from("localhost:0")));
        assert_send(&TcpStream::connect("127.0.0.1:1"));
        assert_send(&UdpSocket::bind(("127.0.0.1", 0)));
        assert_send(&UnixStream::connect("/nonexistent"));
        assert_send(&runtime_io::signal::ctrl_c());

        let listener = futures_executor::block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        assert_send(&listener.accept());
        let udp = futures_executor::block_on(UdpSocket::bind("127.0.0.1:0")).unwrap();
        let mut buf = [0; 4];
        assert_send(&udp.recv_from(&mut buf));
        assert_send(&udp.send_to(b"x", "localhost:9"));
        let (a, _b) = UnixStream::pair().unwrap();
        assert_send(&a.readable());
    });
}
