//! A TCP echo server: one task per connection, graceful shutdown on Ctrl-C.
//!
//! ```text
//! cargo run --release --example echo_server            # an ephemeral port
//! cargo run --release --example echo_server -- 7000    # 127.0.0.1:7000
//! ```
//!
//! It prints the address it is bound to. Try it with
//! `nc 127.0.0.1 PORT`, or from Python:
//!
//! ```text
//! python3 -c "import socket; s = socket.create_connection(('127.0.0.1', PORT)); \
//!   s.sendall(b'hello'); print(s.recv(100))"
//! ```
//!
//! Structure: the connections are the members of a `TaskGroup`, and an
//! acceptor task spawns into it through a clone. On Ctrl-C `main` cancels
//! the acceptor (no new connections), gives the open connections a grace
//! period to finish, then drops the group, which cancels whatever is left:
//! no connection task outlives the server.

use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::time::{sleep, timeout, Duration};
use runtime::TaskGroup;
use std::convert::Infallible;
use std::net::SocketAddr;

/// How long open connections get to finish after Ctrl-C.
const GRACE: Duration = Duration::from_secs(2);

/// Echoes everything it reads until the client closes its side.
async fn echo(mut stream: TcpStream) -> io::Result<u64> {
    let mut buf = vec![0u8; 16 * 1024];
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

/// Accepts connections forever, each served by a task of `connections`.
async fn accept_loop(listener: TcpListener, connections: TaskGroup<Infallible>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                connections.spawn_named(format!("conn {peer}"), serve(stream, peer));
            }
            Err(e) => {
                // Out of file descriptors, say: report, back off, go on.
                eprintln!("accept failed: {e}");
                sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One connection's task. Its I/O errors are its own: they are reported,
/// not turned into a group failure that would cancel the other clients.
async fn serve(stream: TcpStream, peer: SocketAddr) -> Result<(), Infallible> {
    println!("{peer}: connected");
    match echo(stream).await {
        Ok(n) => println!("{peer}: closed after echoing {n} bytes"),
        Err(e) => println!("{peer}: {e}"),
    }
    Ok(())
}

#[runtime::main]
async fn main() -> io::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("usage: echo_server [PORT]: bad port {arg:?}: {e}"),
            )
        })?,
        None => 0,
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "echo server listening on {} (Ctrl-C to stop)",
        listener.local_addr()?
    );

    let connections = TaskGroup::new();
    let acceptor = runtime::task::Builder::new()
        .name("acceptor")
        .spawn(accept_loop(listener, connections.clone()));

    runtime::signal::ctrl_c().await?;

    // Stop accepting, then let the open connections finish.
    acceptor.cancel();
    let _ = acceptor.await;
    let open = connections.len();
    println!(
        "\nCtrl-C: no longer accepting; waiting up to {} s for {open} open connection(s)",
        GRACE.as_secs()
    );
    // `join` waits for every member; if the grace period ends first, the
    // join future is dropped, which cancels the members still running.
    match timeout(GRACE, connections.join()).await {
        Ok(_) => println!("all connections closed; bye"),
        Err(_) => println!("grace period over: remaining connections cancelled; bye"),
    }
    Ok(())
}
