//! Unix domain sockets: stream echo through a path, pairs, datagrams.

mod common;

use futures_util::future::join;
use runtime_io::io::{AsyncReadExt, AsyncWriteExt};
use runtime_io::net::{UnixDatagram, UnixListener, UnixStream};

#[test]
fn unix_stream_echo_through_a_listener() {
    common::with_reactor("unixecho", |handle| {
        let dir = common::TempDir::new("unix-echo");
        let path = dir.path("echo.sock");
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let server = common::spawn_driven(&handle, async move {
            for _ in 0..3 {
                let (mut stream, _) = listener.accept().await.unwrap();
                let (mut rd, mut wr) = (&stream, &stream);
                runtime_io::io::copy(&mut rd, &mut wr).await.unwrap();
                stream.close().await.unwrap();
            }
        });
        for round in 0..3u8 {
            common::block_on_in(&handle, async {
                let stream = UnixStream::connect(&path).await.unwrap();
                let payload = vec![round; 100_000];
                let send = async {
                    (&stream).write_all(&payload).await.unwrap();
                    stream.shutdown(std::net::Shutdown::Write).unwrap();
                };
                let mut back = Vec::new();
                let (_, n) = join(send, (&stream).read_to_end(&mut back)).await;
                assert_eq!(n.unwrap(), payload.len());
                assert!(back == payload);
            });
        }
        server.join().unwrap();
    });
}

#[test]
fn unix_stream_pair() {
    common::with_reactor("unixpair", |_| {
        futures_executor::block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            a.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            drop(a);
            assert_eq!(
                b.read(&mut buf).await.unwrap(),
                0,
                "EOF after the peer closed"
            );
        });
    });
}

#[test]
fn unix_datagrams_by_path_and_pair() {
    common::with_reactor("unixdgram", |_| {
        futures_executor::block_on(async {
            let dir = common::TempDir::new("unix-dgram");
            let server = UnixDatagram::bind(dir.path("server.sock")).unwrap();
            let client = UnixDatagram::bind(dir.path("client.sock")).unwrap();
            for i in 0..50u8 {
                client
                    .send_to(&[i; 10], dir.path("server.sock"))
                    .await
                    .unwrap();
                let mut buf = [0; 32];
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], &[i; 10]);
                assert_eq!(from.as_pathname(), Some(dir.path("client.sock").as_path()));
                server
                    .send_to(&buf[..n], dir.path("client.sock"))
                    .await
                    .unwrap();
                let n = client.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], &[i; 10]);
            }

            let (a, b) = UnixDatagram::pair().unwrap();
            a.send(b"datagram").await.unwrap();
            let mut buf = [0; 16];
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"datagram");

            let unbound = UnixDatagram::unbound().unwrap();
            unbound.connect(dir.path("server.sock")).unwrap();
            unbound.send(b"x").await.unwrap();
            let n = server.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"x");
        });
    });
}

#[test]
fn unix_stream_halves_split_move_and_reunite() {
    common::with_reactor("unixsplit", |handle| {
        let (mut a, b) = UnixStream::pair().unwrap();
        // Borrowed halves: both directions from two futures of one task.
        futures_executor::block_on(async {
            // `a.split()` would pick `AsyncReadExt::split` (by value, a
            // BiLock; `peer_addr` below exists only on our halves).
            let (mut rd, mut wr) = UnixStream::split(&mut a);
            assert!(rd.peer_addr().unwrap().is_unnamed());
            let mut b_ref = &b;
            let talk = async {
                wr.write_all(b"ping").await.unwrap();
                let mut four = [0; 4];
                b_ref.read_exact(&mut four).await.unwrap();
                assert_eq!(&four, b"ping");
                b_ref.write_all(b"pong").await.unwrap();
            };
            let mut back = [0; 4];
            let (_, read) = join(talk, rd.read_exact(&mut back)).await;
            read.unwrap();
            assert_eq!(&back, b"pong");
        });

        // Owned halves: the write half moves to another thread's future.
        let (mut rd, mut wr) = a.into_split();
        let writer = common::spawn_driven(&handle, async move {
            wr.write_all(b"from the write half").await.unwrap();
            wr
        });
        let wr = writer.join().unwrap();
        let mut buf = [0; 19];
        futures_executor::block_on((&b).read_exact(&mut buf)).unwrap();
        assert_eq!(&buf, b"from the write half");
        futures_executor::block_on((&b).write_all(b"ok")).unwrap();
        let mut two = [0; 2];
        futures_executor::block_on(rd.read_exact(&mut two)).unwrap();
        assert_eq!(&two, b"ok");

        // Halves of different streams are handed back, not merged.
        let (c, _d) = UnixStream::pair().unwrap();
        let (other_rd, other_wr) = c.into_split();
        let err = rd.reunite(other_wr).unwrap_err();
        assert!(err.to_string().contains("same UnixStream"), "{err}");
        let (rd, other_wr) = (err.0, err.1);
        drop((other_rd, other_wr));
        let a = rd.reunite(wr).expect("halves of the same stream");

        // Dropping an owned write half shuts the write direction down.
        let (_rd, wr) = a.into_split();
        drop(wr);
        let mut rest = Vec::new();
        futures_executor::block_on((&b).read_to_end(&mut rest)).unwrap();
        assert!(rest.is_empty());
    });
}
