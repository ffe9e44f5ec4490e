//! 200 concurrent clients × 100 round trips each against one echo server,
//! every byte checked.

mod common;

use std::net::SocketAddr;

use futures_executor::LocalPool;
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::task::LocalSpawnExt;
use runtime_io::io::{AsyncReadExt, AsyncWriteExt};
use runtime_io::net::{TcpListener, TcpStream};

const CLIENTS: usize = 200;
const CLIENT_THREADS: usize = 2;
const ROUND_TRIPS: usize = 100;

/// The message client `client` sends in round `round`: a length and content
/// that differ per client and round, so a mixed-up echo cannot pass.
fn message(client: usize, round: usize) -> Vec<u8> {
    let len = 1 + (client * 131 + round * 17) % 3000;
    (0..len)
        .map(|i| (client as u8).wrapping_mul(31) ^ (round as u8) ^ (i as u8))
        .collect()
}

async fn echo(mut stream: TcpStream) -> std::io::Result<u64> {
    let mut buf = vec![0; 4096];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

async fn client(addr: SocketAddr, id: usize) -> std::io::Result<u64> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut sent = 0;
    let mut back = Vec::new();
    for round in 0..ROUND_TRIPS {
        let msg = message(id, round);
        stream.write_all(&msg).await?;
        back.resize(msg.len(), 0);
        stream.read_exact(&mut back).await?;
        assert!(back == msg, "client {id} round {round}: echo differs");
        sent += msg.len() as u64;
    }
    stream.close().await?; // shutdown(Write): the server sees end-of-stream
    let mut rest = Vec::new();
    assert_eq!(
        stream.read_to_end(&mut rest).await?,
        0,
        "client {id}: extra bytes"
    );
    Ok(sent)
}

#[test]
fn echo_200_clients_100_round_trips() {
    common::with_reactor("echo200", |handle| {
        let listener = common::block_on_in(&handle, TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();

        let server_handle = handle.clone();
        let server = std::thread::spawn(move || {
            let _enter = runtime_io::reactor::enter(server_handle);
            let mut pool = LocalPool::new();
            let spawner = pool.spawner();
            let totals = std::rc::Rc::new(std::cell::Cell::new(0u64));
            let accept_totals = totals.clone();
            let accept_spawner = spawner.clone();
            spawner
                .spawn_local(async move {
                    for _ in 0..CLIENTS {
                        let (stream, peer) = listener.accept().await.expect("accept");
                        assert!(peer.ip().is_loopback());
                        stream.set_nodelay(true).unwrap();
                        let totals = accept_totals.clone();
                        accept_spawner
                            .spawn_local(async move {
                                let n = echo(stream).await.expect("echo");
                                totals.set(totals.get() + n);
                            })
                            .unwrap();
                    }
                })
                .unwrap();
            // Runs until the accept loop and every handler have finished.
            pool.run();
            totals.get()
        });

        let clients: Vec<_> = (0..CLIENT_THREADS)
            .map(|t| {
                common::spawn_driven(&handle, async move {
                    let mut all: FuturesUnordered<_> = (t..CLIENTS)
                        .step_by(CLIENT_THREADS)
                        .map(|id| client(addr, id))
                        .collect();
                    let mut sent = 0;
                    while let Some(result) = all.next().await {
                        sent += result.expect("client");
                    }
                    sent
                })
            })
            .collect();
        let sent: u64 = clients.into_iter().map(|c| c.join().unwrap()).sum();
        let echoed = server.join().unwrap();
        let expected: u64 = (0..CLIENTS)
            .flat_map(|c| (0..ROUND_TRIPS).map(move |r| message(c, r).len() as u64))
            .sum();
        assert_eq!(sent, expected);
        assert_eq!(echoed, expected, "server echoed a different byte count");
    });
}
