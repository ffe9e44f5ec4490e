//! Running out of descriptors: `accept` returns `EMFILE` to the caller, the
//! listener stays registered and usable, other I/O keeps making progress,
//! and the next `accept` succeeds once descriptors are freed.
//!
//! The descriptor limit is process-wide, so the body runs in a child process:
//! the test re-executes its own binary with [`CHILD_ENV`] set, selecting
//! only this test.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime_io::io::{AsyncReadExt, AsyncWriteExt};
use runtime_io::net::{TcpListener, UnixStream};
use runtime_io::reactor::{self, Reactor};

const CHILD_ENV: &str = "RUNTIME_IO_EMFILE_CHILD";
const TEST_NAME: &str = "accept_returns_emfile_and_recovers_when_descriptors_are_freed";
const DONE_MARKER: &str = "emfile-child: all checks passed";

#[test]
fn accept_returns_emfile_and_recovers_when_descriptors_are_freed() {
    if std::env::var_os(CHILD_ENV).is_some() {
        common::watchdog("emfile-child", common::WATCHDOG, child_body);
        println!("{DONE_MARKER}");
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("re-run the test binary as a child");
    let deadline = Instant::now() + common::WATCHDOG + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("watchdog: the EMFILE child process hangs; killed it");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        status.success() && stdout.contains(DONE_MARKER),
        "EMFILE child failed ({status}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}

/// Highest open descriptor number + 1.
fn fd_ceiling() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1
}

fn set_fd_limit(soft: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable `rlimit` for the duration of the call.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0, "getrlimit: {}", std::io::Error::last_os_error());
    limit.rlim_cur = soft.min(limit.rlim_max);
    // SAFETY: `limit` is a valid `rlimit`; lowering the soft limit of this
    // (child) process affects nothing else.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(rc, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

fn child_body() {
    let reactor = Reactor::start("reactor-emfile".into(), None).unwrap();
    let handle = reactor.handle();
    let _enter = reactor::enter(handle.clone());

    let listener = futures_executor::block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();

    // Unrelated progress: two threads ping-pong a byte over a Unix pair made
    // before descriptors run out; every round trip goes through the reactor.
    let (ping, pong) = UnixStream::pair().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let round_trips = Arc::new(AtomicUsize::new(0));
    let ponger = common::spawn_driven(&handle, async move {
        let mut pong = pong;
        let mut byte = [0u8; 1];
        // Echo every byte until the pinger's final 0.
        loop {
            pong.read_exact(&mut byte).await.unwrap();
            if byte[0] == 0 {
                break;
            }
            pong.write_all(&byte).await.unwrap();
        }
    });
    let pinger = {
        let (stop, round_trips) = (Arc::clone(&stop), Arc::clone(&round_trips));
        common::spawn_driven(&handle, async move {
            let mut ping = ping;
            let mut byte = [0u8; 1];
            while !stop.load(Ordering::SeqCst) {
                ping.write_all(&[7]).await.unwrap();
                ping.read_exact(&mut byte).await.unwrap();
                round_trips.fetch_add(1, Ordering::SeqCst);
            }
            ping.write_all(&[0]).await.unwrap(); // tells the ponger to stop
        })
    };

    // Leave a little room, then use it all up.
    set_fd_limit(fd_ceiling() + 16);
    let mut hog = Vec::new();
    let exhausted = loop {
        match std::fs::File::open("/dev/null") {
            Ok(file) => hog.push(file),
            Err(err) => break err,
        }
    };
    assert_eq!(exhausted.raw_os_error(), Some(libc::EMFILE), "{exhausted}");

    // One descriptor for the client; none left for the server's accept.
    drop(hog.pop());
    let mut client = std::net::TcpStream::connect(addr).expect("client connect");

    let err = futures_executor::block_on(listener.accept()).expect_err("accept without fds");
    assert_eq!(
        err.raw_os_error(),
        Some(libc::EMFILE),
        "accept error: {err}"
    );

    // The rest of the process keeps going while accept fails.
    let before = round_trips.load(Ordering::SeqCst);
    let wait_until = Instant::now() + Duration::from_secs(30);
    while round_trips.load(Ordering::SeqCst) < before + 100 {
        assert!(
            Instant::now() < wait_until,
            "no progress while out of descriptors"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    // Still failing, still registered: a second attempt reports it again.
    let err = futures_executor::block_on(listener.accept()).expect_err("second accept without fds");
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE));

    // Free the descriptors: the pending connection is accepted.
    drop(hog);
    let (mut server, peer) =
        futures_executor::block_on(listener.accept()).expect("accept after freeing");
    assert_eq!(peer, client.local_addr().unwrap());
    client.write_all(b"hello").unwrap();
    futures_executor::block_on(async {
        let mut buf = [0; 5];
        server.read_exact(&mut buf).await.unwrap();
        server.write_all(&buf).await.unwrap();
    });
    let mut back = [0; 5];
    client.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"hello");

    stop.store(true, Ordering::SeqCst);
    pinger.join().unwrap();
    ponger.join().unwrap();
    drop((server, listener));
    reactor.shutdown();
}
