//! Readiness after short reads: a short stream read clears the read
//! readiness it saw (the next read would be `WouldBlock`), a full one keeps
//! it, and no data that arrives afterwards is missed.

use std::future::poll_fn;
use std::io::Write;
use std::mem::MaybeUninit;
use std::sync::mpsc;
use std::time::Duration;

use futures_util::io::{AsyncReadExt, AsyncWriteExt};

use super::TcpStream;
use crate::net::TcpListener;
use crate::reactor::{self, Reactor};

/// Runs `body` with a fresh reactor entered, on its own thread, failing if
/// it hangs.
fn with_reactor(name: &str, body: impl FnOnce() + Send + 'static) {
    let thread_name = format!("reactor-{name}");
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let reactor = Reactor::start(thread_name, None).expect("start reactor");
        {
            let _enter = reactor::enter(reactor.handle());
            body();
        }
        reactor.shutdown();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => worker.join().expect("test body"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("watchdog: `{name}` hangs"),
    }
}

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

fn read_ready(stream: &TcpStream) -> bool {
    stream.io.registration().is_read_ready()
}

#[test]
fn a_short_read_clears_read_readiness_and_a_full_one_keeps_it() {
    with_reactor("shortread", || {
        futures_executor::block_on(async {
            let (mut client, mut server) = pair().await;
            client.write_all(&[7; 10]).await.unwrap();
            // After this the reactor has recorded the only event it will
            // get for these bytes, so nothing can move the tick below.
            server.readable().await.unwrap();
            assert!(read_ready(&server));
            let mut buf = [0; 64];
            assert_eq!(server.read(&mut buf).await.unwrap(), 10);
            assert!(
                !read_ready(&server),
                "a short read left the readiness set (the next read would \
                 cost a WouldBlock system call)"
            );

            client.write_all(&[8; 64]).await.unwrap();
            server.readable().await.unwrap();
            let mut small = [0; 16];
            assert_eq!(server.read(&mut small).await.unwrap(), 16);
            assert!(read_ready(&server), "a full read may leave data queued");
            assert_eq!(server.read(&mut buf).await.unwrap(), 48);
            assert!(!read_ready(&server));

            // The same through the uninitialised-buffer read.
            client.write_all(&[9; 5]).await.unwrap();
            server.readable().await.unwrap();
            let mut uninit = [MaybeUninit::<u8>::uninit(); 32];
            let n = poll_fn(|cx| server.evented().poll_read_uninit(cx, &mut uninit))
                .await
                .unwrap();
            assert_eq!(n, 5);
            let got: Vec<u8> = uninit[..n]
                .iter()
                .map(|b| {
                    // SAFETY: `poll_read_uninit` returned `Ok(5)`: the
                    // kernel wrote the first 5 elements.
                    unsafe { b.assume_init() }
                })
                .collect();
            assert_eq!(got, [9; 5]);
            assert!(!read_ready(&server));

            // End of stream keeps the readiness (READ_CLOSED is final).
            client.close().await.unwrap();
            drop(client);
            assert_eq!(server.read(&mut buf).await.unwrap(), 0);
            assert_eq!(server.read(&mut buf).await.unwrap(), 0, "EOF is sticky");
        });
    });
}

#[test]
fn data_arriving_after_a_short_read_is_never_missed() {
    with_reactor("shortread-race", || {
        let (client, mut server) = futures_executor::block_on(pair());
        let client = client.into_std().unwrap();
        // A writer thread races its writes against the reader's reads and
        // clears; a lost edge would leave the reader waiting forever (the
        // watchdog reports it).
        let rounds: usize = 20_000;
        let writer = std::thread::spawn(move || {
            let mut client = client;
            for i in 0..rounds {
                let chunk = vec![(i % 251) as u8; 1 + i % 97];
                client.write_all(&chunk).unwrap();
            }
        });
        let expected: Vec<u8> = (0..rounds)
            .flat_map(|i| std::iter::repeat_n((i % 251) as u8, 1 + i % 97))
            .collect();
        let mut got = Vec::with_capacity(expected.len());
        futures_executor::block_on(async {
            let mut buf = [0; 128];
            while got.len() < expected.len() {
                let n = server.read(&mut buf).await.unwrap();
                assert_ne!(n, 0, "early end of stream");
                got.extend_from_slice(&buf[..n]);
            }
        });
        writer.join().unwrap();
        assert!(got == expected, "bytes differ");
    });
}
