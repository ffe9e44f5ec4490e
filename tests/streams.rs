//! The receiving ends that are also `futures_core::Stream`s: `mpsc`
//! receivers, `Interval`, `Signal` and the listeners' `incoming()`, driven
//! through `futures_util::StreamExt` as a Tokio or futures user would.

mod common;

use common::{rt, watchdog, LIMIT};
use futures_util::{Stream, StreamExt};
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use runtime::sync::mpsc;
use runtime::time::{interval, Duration};

#[test]
fn an_mpsc_receiver_streams_every_value_in_order_and_ends_with_the_channel() {
    watchdog(LIMIT, || {
        rt(2, "st-mpsc").block_on(async {
            let (tx, rx) = mpsc::channel(8);
            let producers: Vec<_> = (0..4)
                .map(|p| {
                    let tx = tx.clone();
                    runtime::spawn(async move {
                        for i in 0..250 {
                            tx.send((p, i)).await.unwrap();
                        }
                    })
                })
                .collect();
            drop(tx);
            let got: Vec<(u32, u32)> = rx.collect().await;
            for p in producers {
                p.await.unwrap();
            }
            assert_eq!(got.len(), 1000);
            // Per producer, the values arrive in the order they were sent.
            for p in 0..4 {
                let mine: Vec<u32> = got.iter().filter(|v| v.0 == p).map(|v| v.1).collect();
                assert_eq!(mine, (0..250).collect::<Vec<_>>());
            }
        })
    });
}

#[test]
fn an_unbounded_receiver_stream_reports_its_buffer_in_size_hint() {
    watchdog(LIMIT, || {
        rt(1, "st-unb").block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for i in 0..5 {
                tx.send(i).unwrap();
            }
            assert_eq!(rx.size_hint(), (5, None));
            assert_eq!(rx.next().await, Some(0));
            drop(tx);
            assert_eq!(rx.collect::<Vec<_>>().await, [1, 2, 3, 4]);
        })
    });
}

#[test]
fn a_closed_receiver_stream_drains_then_ends() {
    watchdog(LIMIT, || {
        rt(1, "st-close").block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            tx.send(1).await.unwrap();
            rx.close();
            assert!(tx.send(2).await.is_err(), "a send after close fails");
            assert_eq!(rx.next().await, Some(1));
            assert_eq!(rx.next().await, None);
            assert_eq!(rx.next().await, None, "an ended stream stays ended");
        })
    });
}

#[test]
fn an_interval_streams_ticks_one_period_apart() {
    watchdog(LIMIT, || {
        rt(2, "st-ivl").block_on(async {
            let period = Duration::from_millis(3);
            let ticks: Vec<_> = interval(period).take(4).collect().await;
            assert_eq!(ticks.len(), 4);
            for pair in ticks.windows(2) {
                // Burst (the default) schedules tick k at start + k * period.
                assert_eq!(pair[1] - pair[0], period);
            }
        })
    });
}

#[test]
fn tcp_incoming_yields_each_connection() {
    watchdog(LIMIT, || {
        rt(2, "st-tcp").block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let clients = runtime::spawn(async move {
                for i in 0..3u8 {
                    let mut c = TcpStream::connect(addr).await.unwrap();
                    c.write_all(&[i]).await.unwrap();
                }
            });
            let mut seen: Vec<u8> = listener
                .incoming()
                .take(3)
                .then(|conn| async move {
                    let mut byte = [0u8; 1];
                    conn.unwrap().read_exact(&mut byte).await.unwrap();
                    byte[0]
                })
                .collect()
                .await;
            clients.await.unwrap();
            seen.sort_unstable();
            assert_eq!(seen, [0, 1, 2]);
        })
    });
}

#[test]
fn unix_incoming_yields_each_connection() {
    watchdog(LIMIT, || {
        rt(2, "st-unix").block_on(async {
            let dir = std::env::temp_dir().join(format!("runtime-streams-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("sock");
            let listener = UnixListener::bind(&path).unwrap();
            let connect_to = path.clone();
            let clients = runtime::spawn(async move {
                for _ in 0..2 {
                    let mut c = UnixStream::connect(&connect_to).await.unwrap();
                    c.write_all(b"hi").await.unwrap();
                }
            });
            let mut incoming = listener.incoming();
            for _ in 0..2 {
                let mut conn = incoming.next().await.unwrap().unwrap();
                let mut buf = [0u8; 2];
                conn.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"hi");
            }
            clients.await.unwrap();
            let _ = std::fs::remove_dir_all(&dir);
        })
    });
}

#[test]
fn a_signal_is_a_stream_of_deliveries() {
    watchdog(LIMIT, || {
        rt(2, "st-sig").block_on(async {
            use runtime::signal::{signal, SignalKind};
            // Registered before the signal is sent, so it is caught (the
            // default action of SIGUSR2 would end the process).
            let deliveries = signal(SignalKind::user_defined2()).unwrap();
            let pid = std::process::id().to_string();
            let status = runtime::spawn_blocking(move || {
                std::process::Command::new("kill")
                    .args(["-USR2", &pid])
                    .status()
            })
            .await
            .unwrap()
            .expect("run kill(1)");
            assert!(status.success());
            let got: Vec<()> = deliveries.take(1).collect().await;
            assert_eq!(got.len(), 1);
        })
    });
}
