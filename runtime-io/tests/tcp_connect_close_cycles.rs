//! 5,000 connect/close cycles, one in five ended by a reset (SO_LINGER=0):
//! the accept loop survives every one, and the process's descriptor count
//! returns to its baseline (nothing leaks: sockets, registrations, wakers).
//!
//! This file holds a single test so that no other test of the same process
//! opens descriptors while it counts.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures_executor::LocalPool;
use futures_util::task::LocalSpawnExt;
use runtime_io::io::{AsyncReadExt, AsyncWriteExt};
use runtime_io::net::{TcpListener, TcpStream};

const CYCLES: usize = 5_000;
const RESET_EVERY: usize = 5;
/// Descriptors the process may legitimately hold on top of the baseline when
/// the test ends: none are expected, but the test harness's own threads (its
/// output capture and the watchdog) are outside our control, so a couple of
/// descriptors of theirs must not fail the test. A leak of this test's
/// sockets would show up as thousands.
const SLACK: usize = 3;

#[derive(Default)]
struct ServerStats {
    accepted: Cell<usize>,
    accept_errors: Cell<usize>,
    resets_seen: Cell<usize>,
    clean_eofs: Cell<usize>,
}

#[test]
fn five_thousand_connect_close_cycles_leak_no_descriptors() {
    common::with_reactor("cycles", |handle| {
        let baseline = common::open_fds();

        let listener =
            common::block_on_in(&handle, TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().unwrap();

        let server_handle = handle.clone();
        let server = std::thread::spawn(move || {
            let _enter = runtime_io::reactor::enter(server_handle);
            let mut pool = LocalPool::new();
            let spawner = pool.spawner();
            let stats = Rc::new(ServerStats::default());
            let loop_stats = Rc::clone(&stats);
            spawner
                .clone()
                .spawn_local(async move {
                    // The accept loop: every connection ends one way or
                    // another; the loop must outlive all of them.
                    while loop_stats.accepted.get() + loop_stats.accept_errors.get() < CYCLES {
                        let (mut stream, _) = match listener.accept().await {
                            Ok(accepted) => accepted,
                            Err(err) => {
                                eprintln!("accept error (tolerated): {err}");
                                loop_stats
                                    .accept_errors
                                    .set(loop_stats.accept_errors.get() + 1);
                                continue;
                            }
                        };
                        loop_stats.accepted.set(loop_stats.accepted.get() + 1);
                        let stats = Rc::clone(&loop_stats);
                        spawner
                            .spawn_local(async move {
                                let mut sink = Vec::new();
                                match stream.read_to_end(&mut sink).await {
                                    Ok(_) => stats.clean_eofs.set(stats.clean_eofs.get() + 1),
                                    Err(_) => stats.resets_seen.set(stats.resets_seen.get() + 1),
                                }
                                // Dropping the stream closes it: the client,
                                // if still there, reads end-of-stream.
                            })
                            .unwrap();
                    }
                    drop(listener);
                })
                .unwrap();
            pool.run();
            let stats = Rc::try_unwrap(stats).ok().expect("all tasks done");
            (
                stats.accepted.get(),
                stats.accept_errors.get(),
                stats.clean_eofs.get(),
                stats.resets_seen.get(),
            )
        });

        let client = common::spawn_driven(&handle, async move {
            for i in 0..CYCLES {
                let mut stream = TcpStream::connect(addr).await.expect("connect");
                stream.write_all(b"x").await.expect("write");
                if i % RESET_EVERY == 0 {
                    stream.set_linger(Some(Duration::ZERO)).unwrap();
                    drop(stream); // RST
                } else {
                    stream.close().await.expect("shutdown(Write)");
                    let mut rest = Vec::new();
                    stream
                        .read_to_end(&mut rest)
                        .await
                        .expect("read server EOF");
                }
            }
        });
        client.join().expect("client");
        let (accepted, accept_errors, clean_eofs, resets_seen) = server.join().expect("server");
        assert_eq!(accepted + accept_errors, CYCLES);
        assert!(accepted > 0);
        assert_eq!(
            clean_eofs + resets_seen,
            accepted,
            "a handler did not finish"
        );

        let after = common::open_fds();
        assert!(
            after <= baseline + SLACK,
            "descriptor leak: {baseline} open before {CYCLES} cycles, {after} after"
        );
        eprintln!(
            "fds: baseline {baseline}, after {after}; accepted {accepted}, accept errors \
             {accept_errors}, clean EOFs {clean_eofs}, resets seen {resets_seen}"
        );
    });
}
