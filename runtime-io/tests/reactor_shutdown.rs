//! Shutting the reactor down: blocked I/O fails with a clear error, new
//! sockets fail the same way, and the reactor thread is joined.

mod common;

use std::io::ErrorKind;
use std::time::Duration;

use runtime_io::io::AsyncReadExt;
use runtime_io::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use runtime_io::reactor::{self, Reactor};

fn assert_shut_down(err: std::io::Error) {
    assert_eq!(err.kind(), ErrorKind::Other, "{err}");
    assert!(err.to_string().contains("reactor has shut down"), "{err}");
}

/// Names of this process's live threads.
fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim_end().to_owned())
        .collect()
}

/// Waits (up to 10 s) until a thread named `name` is, or is not, listed.
/// The name is set by the thread itself as it starts, and the kernel may
/// list an exited (joined) thread for a moment longer.
fn wait_for_thread(name: &str, alive: bool) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if thread_names().iter().any(|n| n == name) == alive {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn blocked_io_and_new_sockets_fail_after_shutdown() {
    common::watchdog("shutdown", common::WATCHDOG, || {
        const NAME: &str = "reactor-shutdn"; // < 16 bytes: /proc shows it whole
        let reactor = Reactor::start(NAME.into(), None).unwrap();
        let handle = reactor.handle();
        let _enter = reactor::enter(handle.clone());
        assert!(wait_for_thread(NAME, true), "reactor thread not found");

        let (a, mut b) = UnixStream::pair().unwrap();
        let listener = futures_executor::block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let udp = futures_executor::block_on(UdpSocket::bind("127.0.0.1:0")).unwrap();

        // Three tasks blocked in a read, an accept and a receive.
        let reader = common::spawn_driven(&handle, async move {
            let mut buf = [0; 8];
            b.read(&mut buf).await
        });
        let acceptor =
            common::spawn_driven(&handle, async move { listener.accept().await.map(drop) });
        let receiver = common::spawn_driven(&handle, async move {
            let mut buf = [0; 8];
            udp.recv_from(&mut buf).await.map(drop)
        });
        std::thread::sleep(Duration::from_millis(50));

        reactor.shutdown();
        assert!(handle.is_shutdown());
        assert!(
            wait_for_thread(NAME, false),
            "reactor thread still alive after shutdown: {:?}",
            thread_names()
        );

        assert_shut_down(reader.join().unwrap().unwrap_err());
        assert_shut_down(acceptor.join().unwrap().unwrap_err());
        assert_shut_down(receiver.join().unwrap().unwrap_err());

        // Existing sockets fail at once, even when data is there.
        futures_executor::block_on(async {
            let mut a = a;
            assert_shut_down(
                runtime_io::io::AsyncWriteExt::write_all(&mut a, b"x")
                    .await
                    .unwrap_err(),
            );
            // New sockets on the dead reactor fail too.
            assert_shut_down(TcpListener::bind("127.0.0.1:0").await.unwrap_err());
            assert_shut_down(TcpStream::connect("127.0.0.1:9").await.unwrap_err());
            assert_shut_down(UnixStream::pair().unwrap_err());
        });
        handle.unpark(); // harmless after shutdown
    });
}

#[test]
fn dropping_the_reactor_shuts_it_down_too() {
    common::watchdog("dropreactor", common::WATCHDOG, || {
        let reactor = Reactor::start("reactor-drop".into(), None).unwrap();
        let handle = reactor.handle();
        assert!(!handle.is_shutdown());
        drop(reactor);
        assert!(handle.is_shutdown());
    });
}

#[test]
fn enter_guards_nest_and_restore() {
    common::watchdog("enter", common::WATCHDOG, || {
        let first = Reactor::start("reactor-one".into(), None).unwrap();
        let second = Reactor::start("reactor-two".into(), None).unwrap();
        assert!(reactor::try_current().is_none());
        {
            let _outer = reactor::enter(first.handle());
            {
                let _inner = reactor::enter(second.handle());
                second.handle().unpark();
                assert!(reactor::try_current().is_some());
            }
            assert!(reactor::try_current().is_some());
        }
        assert!(reactor::try_current().is_none());
        second.shutdown();
        first.shutdown();
    });
}
