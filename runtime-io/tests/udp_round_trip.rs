//! UDP: datagram round trips, connected sockets, shared sockets.

mod common;

use std::sync::Arc;

use futures_util::future::join;
use runtime_io::net::UdpSocket;

#[test]
fn send_to_and_recv_from_round_trip() {
    common::with_reactor("udp", |_| {
        futures_executor::block_on(async {
            let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let client = UdpSocket::bind(("127.0.0.1", 0)).await.unwrap();
            let server_addr = server.local_addr().unwrap();
            for i in 0..100u32 {
                let msg = i.to_be_bytes();
                let reply = async {
                    let mut buf = [0; 64];
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    assert_eq!(from, client.local_addr().unwrap());
                    server.send_to(&buf[..n], from).await.unwrap();
                };
                let ask = async {
                    assert_eq!(client.send_to(&msg, server_addr).await.unwrap(), 4);
                    let mut buf = [0; 64];
                    let (n, from) = client.recv_from(&mut buf).await.unwrap();
                    assert_eq!((from, &buf[..n]), (server_addr, &msg[..]));
                };
                join(reply, ask).await;
            }
        });
    });
}

#[test]
fn connected_sockets_send_and_recv() {
    common::with_reactor("udpconn", |_| {
        futures_executor::block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap().to_string())
                .await
                .unwrap();
            assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
            a.send(b"one").await.unwrap();
            let mut buf = [0; 8];
            let (n, _) = b.peek_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"one");
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"one");
            b.send(b"two").await.unwrap();
            let n = a.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"two");
        });
    });
}

#[test]
fn several_tasks_wait_on_one_shared_socket() {
    common::with_reactor("udpshared", |handle| {
        let socket =
            Arc::new(common::block_on_in(&handle, UdpSocket::bind("127.0.0.1:0")).unwrap());
        let addr = socket.local_addr().unwrap();
        // Three receivers park on the same socket at once (async-fn waits
        // are not limited to one waker per direction).
        let receivers: Vec<_> = (0..3)
            .map(|_| {
                let socket = Arc::clone(&socket);
                common::spawn_driven(&handle, async move {
                    let mut buf = [0; 8];
                    socket.recv_from(&mut buf).await.unwrap().0
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let sender = common::block_on_in(&handle, UdpSocket::bind("127.0.0.1:0")).unwrap();
        for _ in 0..3 {
            common::block_on_in(&handle, sender.send_to(b"wake", addr)).unwrap();
        }
        for receiver in receivers {
            assert_eq!(receiver.join().unwrap(), 4);
        }
    });
}
