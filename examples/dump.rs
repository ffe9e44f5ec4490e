//! Prints `Handle::dump()` of a TCP server under load: every live task as a
//! tree (who spawned whom), with state, age, polls and busy time, taken
//! while the runtime keeps running. Also prints `Handle::metrics()`.
//!
//! ```sh
//! cargo run --release --example dump
//! ```

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::time::{sleep, Duration};

#[runtime::main(worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;

    // The server: one named task per connection, spawned by the acceptor.
    let server = runtime::task::Builder::new()
        .name("acceptor")
        .spawn(async move {
            loop {
                let Ok((mut stream, peer)) = listener.accept().await else {
                    continue;
                };
                runtime::task::Builder::new()
                    .name(format!("conn {peer}"))
                    .spawn(async move {
                        let mut buf = [0u8; 64];
                        while let Ok(n) = stream.read(&mut buf).await {
                            if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    })
                    .detach();
            }
        });

    // The load: 4 clients, each echoing messages in a loop.
    let clients: Vec<_> = (0..4)
        .map(|i| {
            runtime::task::Builder::new()
                .name(format!("client-{i}"))
                .spawn(async move {
                    let mut stream = TcpStream::connect(addr).await?;
                    let mut buf = [0u8; 5];
                    loop {
                        stream.write_all(b"hello").await?;
                        stream.read_exact(&mut buf).await?;
                        sleep(Duration::from_millis(1)).await;
                    }
                    #[allow(unreachable_code)]
                    Ok::<(), std::io::Error>(())
                })
        })
        .collect();

    sleep(Duration::from_millis(300)).await;
    let handle = runtime::Handle::current();
    println!("{}", handle.dump());
    let metrics = handle.metrics();
    println!(
        "\nmetrics: {} workers, {} live tasks, {} polls in all, injector depth {}",
        metrics.workers,
        metrics.live_tasks,
        metrics.total_polls(),
        metrics.injector_depth
    );
    for (i, w) in metrics.per_worker.iter().enumerate() {
        println!(
            "  worker {i}: {} polls, {} steals, {} parks, {} queued, {} budget yields",
            w.polls, w.steals, w.parks, w.local_queue_depth, w.budget_forced_yields
        );
    }
    for client in &clients {
        client.cancel();
    }
    server.cancel();
    Ok(())
}
