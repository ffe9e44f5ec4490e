//! Sockets on the real runtime: many clients, fairness of an always-ready
//! socket, and shutdown with tasks blocked in reads.
mod common;
use common::{watchdog, DropFlag, LIMIT};
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn echo_server_with_200_clients_on_two_workers() {
    watchdog(LIMIT, || {
        let rt = common::rt(2, "echo200");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = runtime::spawn(async move {
                loop {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    runtime::spawn(async move {
                        let mut buf = vec![0u8; 1024];
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            stream.write_all(&buf[..n]).await.unwrap();
                        }
                    })
                    .detach();
                }
            });
            let clients: Vec<_> = (0..200u32)
                .map(|c| {
                    runtime::spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        let mut back = [0u8; 32];
                        for round in 0..100u32 {
                            let msg = format!("client {c:03} round {round:03} ");
                            stream.write_all(msg.as_bytes()).await.unwrap();
                            let got = &mut back[..msg.len()];
                            stream.read_exact(got).await.unwrap();
                            assert_eq!(got, msg.as_bytes(), "every byte checked");
                        }
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
            server.cancel();
        });
    });
}

/// On one worker, a task reading a socket that always has data must still
/// let another task run: the socket consumes the cooperative budget.
#[test]
fn an_always_ready_socket_does_not_starve_other_tasks() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // A writer thread (not a task) keeps the socket full.
            let stop = Arc::new(AtomicBool::new(false));
            let s = stop.clone();
            let writer = std::thread::spawn(move || {
                use std::io::Write;
                let mut out = std::net::TcpStream::connect(addr).unwrap();
                let chunk = [7u8; 16 * 1024];
                while !s.load(SeqCst) {
                    if out.write_all(&chunk).is_err() {
                        break;
                    }
                }
            });
            let (mut stream, _) = listener.accept().await.unwrap();
            let read_bytes = Arc::new(AtomicUsize::new(0));
            let r = read_bytes.clone();
            let reader = runtime::spawn(async move {
                // Tiny reads: always ready, never Pending for lack of data.
                let mut buf = [0u8; 16];
                loop {
                    let n = stream.read(&mut buf).await.unwrap();
                    r.fetch_add(n, SeqCst);
                }
            });
            // Wait until the reader is busy, then ask for another task.
            while read_bytes.load(SeqCst) < 64 * 1024 {
                runtime::yield_now().await;
            }
            let other = runtime::spawn(async { "ran" });
            assert_eq!(other.await.unwrap(), "ran");
            reader.cancel();
            stop.store(true, SeqCst);
            let _ = reader.await;
            writer.join().unwrap();
        });
        let m = rt.handle().metrics();
        assert!(
            m.total_forced_yields() > 0,
            "the reader was made to yield: {m:?}"
        );
    });
}

#[test]
fn shutdown_with_tasks_blocked_in_reads_drops_their_futures() {
    watchdog(LIMIT, || {
        let rt = common::rt(2, "readshut");
        let dropped = Arc::new(AtomicUsize::new(0));
        let blocked = Arc::new(AtomicUsize::new(0));
        let peers = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut peers = Vec::new();
            for _ in 0..20 {
                let client = std::net::TcpStream::connect(addr).unwrap();
                let (mut stream, _) = listener.accept().await.unwrap();
                peers.push(client);
                let guard = DropFlag(dropped.clone());
                let blocked = blocked.clone();
                runtime::spawn(async move {
                    let _guard = guard;
                    blocked.fetch_add(1, SeqCst);
                    let mut buf = [0u8; 8];
                    // Nobody writes: blocks until the runtime shuts down.
                    let _ = stream.read(&mut buf).await;
                })
                .detach();
            }
            while blocked.load(SeqCst) < 20 {
                runtime::yield_now().await;
            }
            peers
        });
        drop(rt);
        assert_eq!(
            dropped.load(SeqCst),
            20,
            "every blocked read's future was dropped"
        );
        drop(peers);
    });
}

#[test]
fn sockets_need_a_reactor_and_say_so_without_one() {
    let err = runtime::Runtime::new()
        .unwrap()
        .handle()
        .clone()
        .block_on(async { TcpListener::bind("127.0.0.1:0").await.map(|_| ()) });
    assert!(err.is_ok());
    let rt = runtime::Builder::new_current_thread()
        .disable_io()
        .build()
        .unwrap();
    let err = rt
        .block_on(async { TcpListener::bind("127.0.0.1:0").await })
        .unwrap_err();
    assert!(err.to_string().contains("no I/O reactor"), "{err}");
}
