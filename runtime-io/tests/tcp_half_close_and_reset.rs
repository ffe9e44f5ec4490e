//! Half-close (shutdown of the write direction) and peer resets.

mod common;

use std::io::ErrorKind;
use std::net::Shutdown;
use std::time::Duration;

use futures_util::future::join;
use runtime_io::io::{AsyncReadExt, AsyncWriteExt};
use runtime_io::net::{TcpListener, TcpStream};

async fn connected_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn read_returns_zero_after_peer_shutdown_write_and_writing_back_works() {
    common::with_reactor("halfclose", |_| {
        futures_executor::block_on(async {
            let (mut client, mut server) = connected_pair().await;
            client.write_all(b"request").await.unwrap();
            client.shutdown(Shutdown::Write).unwrap();

            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"request");
            let mut buf = [0; 8];
            assert_eq!(server.read(&mut buf).await.unwrap(), 0, "EOF is sticky");

            // The other direction is still open.
            server.write_all(b"response").await.unwrap();
            server.close().await.unwrap();
            let mut back = Vec::new();
            client.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, b"response");
        });
    });
}

#[test]
fn peer_reset_gives_an_error_or_eof_never_a_hang() {
    common::with_reactor("reset", |_| {
        futures_executor::block_on(async {
            let (client, mut server) = connected_pair().await;
            client.set_linger(Some(Duration::ZERO)).unwrap();
            assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
            drop(client); // SO_LINGER=0: close sends RST

            let mut buf = [0; 16];
            match server.read(&mut buf).await {
                Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}"),
                Ok(n) => assert_eq!(n, 0, "read data from a reset peer"),
            }
            // Writing to a reset connection fails (possibly after one write
            // the kernel still accepts).
            let mut failed = false;
            for _ in 0..100 {
                if server.write_all(b"x").await.is_err() {
                    failed = true;
                    break;
                }
            }
            assert!(failed, "writes to a reset peer kept succeeding");
        });
    });
}

#[test]
fn peer_reset_wakes_a_pending_read() {
    common::with_reactor("resetwake", |handle| {
        let (client, mut server) = futures_executor::block_on(connected_pair());
        let reader = common::spawn_driven(&handle, async move {
            let mut buf = [0; 16];
            server.read(&mut buf).await
        });
        // Let the reader park in its read, then reset the connection.
        std::thread::sleep(Duration::from_millis(50));
        client.set_linger(Some(Duration::ZERO)).unwrap();
        drop(client);
        match reader.join().unwrap() {
            Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}"),
            Ok(n) => assert_eq!(n, 0),
        }
    });
}

#[test]
fn borrowed_split_reads_and_writes_concurrently() {
    common::with_reactor("split", |_| {
        futures_executor::block_on(async {
            let (client, server) = connected_pair().await;
            let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
            // Echo through split halves: the copy must read and write at once,
            // or a payload larger than the socket buffers would deadlock.
            let echo = async {
                let (mut rd, mut wr) = server.split();
                runtime_io::io::copy(&mut rd, &mut wr).await.unwrap();
                wr.close().await.unwrap();
            };
            let drive = async {
                let (mut rd, mut wr) = client.split();
                let send = async {
                    wr.write_all(&payload).await.unwrap();
                    wr.close().await.unwrap();
                };
                let mut back = Vec::new();
                let recv = rd.read_to_end(&mut back);
                let ((), n) = join(send, recv).await;
                assert_eq!(n.unwrap(), payload.len());
                assert!(back == payload, "echoed bytes differ");
            };
            join(echo, drive).await;
        });
    });
}

#[test]
fn owned_halves_move_to_threads_and_reunite() {
    common::with_reactor("ownedsplit", |handle| {
        let (client, server) = futures_executor::block_on(connected_pair());
        let (mut rd, mut wr) = server.into_split();
        let writer = common::spawn_driven(&handle, async move {
            wr.write_all(b"from the write half").await.unwrap();
            wr
        });
        let mut client = client;
        let wr = writer.join().unwrap();
        let mut buf = [0; 19];
        futures_executor::block_on(client.read_exact(&mut buf)).unwrap();
        assert_eq!(&buf, b"from the write half");

        futures_executor::block_on(client.write_all(b"ok")).unwrap();
        let mut two = [0; 2];
        futures_executor::block_on(rd.read_exact(&mut two)).unwrap();
        assert_eq!(&two, b"ok");

        let server = rd.reunite(wr).expect("same stream");
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());

        // Dropping an owned write half shuts the write direction down.
        let (_rd, wr) = server.into_split();
        drop(wr);
        let mut rest = Vec::new();
        futures_executor::block_on(client.read_to_end(&mut rest)).unwrap();
        assert!(rest.is_empty());
    });
}

#[test]
fn peek_leaves_data_queued_and_options_round_trip() {
    common::with_reactor("peek", |_| {
        futures_executor::block_on(async {
            let (mut client, mut server) = connected_pair().await;
            client.set_nodelay(true).unwrap();
            assert!(client.nodelay().unwrap());
            client.write_all(b"abc").await.unwrap();
            let mut buf = [0; 3];
            let mut seen = 0;
            while seen < 3 {
                seen = server.peek(&mut buf).await.unwrap();
            }
            assert_eq!(&buf, b"abc");
            let mut again = [0; 3];
            server.read_exact(&mut again).await.unwrap();
            assert_eq!(&again, b"abc");
        });
    });
}

#[test]
fn close_after_the_peer_reset_is_success() {
    common::with_reactor("closereset", |_| {
        futures_executor::block_on(async {
            for split in [false, true] {
                let (client, mut server) = connected_pair().await;
                client.set_linger(Some(Duration::ZERO)).unwrap();
                drop(client); // RST
                              // Wait until the reset has arrived (the read sees it).
                let mut buf = [0; 4];
                match server.read(&mut buf).await {
                    Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}"),
                    Ok(n) => assert_eq!(n, 0),
                }
                // shutdown(2) itself reports NotConnected here...
                let raw = server.shutdown(Shutdown::Write);
                assert_eq!(
                    raw.map_err(|err| err.kind()),
                    Err(ErrorKind::NotConnected),
                    "the kernel's answer changed: this test no longer checks anything"
                );
                // ...which poll_close treats as done, as Tokio does: there is
                // nothing left to shut down.
                if split {
                    let (_rd, mut wr) = server.into_split();
                    wr.close()
                        .await
                        .expect("close of a reset connection's write half");
                } else {
                    server.close().await.expect("close of a reset connection");
                }
            }
        });
    });
}
