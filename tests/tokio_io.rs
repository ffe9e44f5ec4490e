//! Feature `tokio-io`: our streams under Tokio's I/O traits (with Tokio's
//! extension methods and a tokio-util codec), and what happens when code
//! reaches for Tokio's own runtime from inside ours.

#![cfg(feature = "tokio-io")]

mod common;

use futures_util::{SinkExt, StreamExt};
use runtime::net::UnixStream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::{Framed, LinesCodec};

use common::{rt, tcp_pair as pair, watchdog, LIMIT};

#[test]
fn tokio_ext_methods_on_streams_and_split_halves() {
    watchdog(LIMIT, || {
        rt(2, "tokio-ext").block_on(async {
            // Owned halves: 1 MiB echoed through Tokio's copy, write_all and
            // read_to_end (many reads into Tokio's uninitialised ReadBuf).
            let (client, server) = pair().await;
            let payload: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 253) as u8).collect();
            let expected = payload.clone();
            let echo = runtime::spawn(async move {
                let (mut rd, mut wr) = server.into_split();
                let copied = tokio::io::copy(&mut rd, &mut wr).await.unwrap();
                wr.shutdown().await.unwrap();
                copied
            });
            let (mut client_rd, mut client_wr) = client.into_split();
            let writer = runtime::spawn(async move {
                client_wr.write_all(&payload).await.unwrap();
                client_wr.flush().await.unwrap();
                client_wr.shutdown().await.unwrap();
            });
            let mut back = Vec::new();
            client_rd.read_to_end(&mut back).await.unwrap();
            assert!(back == expected, "echoed bytes differ");
            writer.await.unwrap();
            assert_eq!(echo.await.unwrap(), expected.len() as u64);

            // Borrowed halves and a Unix stream pair.
            let (mut a, mut b) = pair().await;
            {
                let (mut rd, mut wr) = a.split();
                wr.write_all(b"ping").await.unwrap();
                let mut four = [0; 4];
                b.read_exact(&mut four).await.unwrap();
                assert_eq!(&four, b"ping");
                b.write_all(b"pong").await.unwrap();
                rd.read_exact(&mut four).await.unwrap();
                assert_eq!(&four, b"pong");
            }
            let (mut x, mut y) = UnixStream::pair().unwrap();
            x.write_all(b"unix").await.unwrap();
            AsyncWriteExt::shutdown(&mut x).await.unwrap(); // the inherent shutdown(how) shadows it
            let mut got = String::new();
            y.read_to_string(&mut got).await.unwrap();
            assert_eq!(got, "unix");
        });
    });
}

#[test]
fn tokio_util_lines_codec_over_our_tcp_stream() {
    watchdog(LIMIT, || {
        rt(2, "tokio-codec").block_on(async {
            let (client, server) = pair().await;
            let server = runtime::spawn(async move {
                let mut lines = Framed::new(server, LinesCodec::new());
                while let Some(line) = lines.next().await {
                    let line = line.unwrap();
                    lines.send(line.to_uppercase()).await.unwrap();
                }
            });
            let mut lines = Framed::new(client, LinesCodec::new());
            for i in 0..100 {
                lines.send(format!("line {i}")).await.unwrap();
                let back = lines.next().await.unwrap().unwrap();
                assert_eq!(back, format!("LINE {i}"));
            }
            drop(lines);
            server.await.unwrap();
        });
    });
}

/// Tokio's runtime is not ours: `tokio::spawn` and `tokio::time` inside our
/// runtime panic at once with Tokio's own message (never a hang), and the
/// panic is the task's `JoinError`.
#[test]
fn tokio_spawn_and_tokio_time_panic_with_tokios_message() {
    watchdog(LIMIT, || {
        rt(1, "tokio-misuse").block_on(async {
            let spawn = runtime::spawn(async {
                drop(tokio::spawn(async {}));
            })
            .await
            .unwrap_err();
            let sleep = runtime::spawn(async {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            })
            .await
            .unwrap_err();
            for err in [spawn, sleep] {
                assert!(err.is_panic());
                let panic = err.into_panic();
                let msg = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or_default()
                    .to_owned();
                assert!(
                    msg.contains("there is no reactor running"),
                    "unexpected message: {msg}"
                );
            }
        });
    });
}
