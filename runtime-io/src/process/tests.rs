//! The exit watches (pidfd and the `SIGCHLD` fallback, which this machine
//! would not pick by itself) and the orphan list, on a bare reactor
//! without a runtime. The facade's `tests/process.rs` covers `Command`
//! and `Child` on a whole runtime.

use std::future::poll_fn;
use std::io::Write;
use std::process::{Command as StdCommand, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::reap::{self, Reaper};
use crate::reactor::{self, Reactor};

/// Runs `body` on its own thread, failing if it hangs.
fn watchdog<T: Send + 'static>(name: &str, body: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let out = body();
        let _ = done.send(());
        out
    });
    match finished.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => worker.join().expect("test body"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(_) => unreachable!("body finished without reporting"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("watchdog: `{name}` hangs"),
    }
}

/// Runs `body` with a fresh reactor entered, under the watchdog.
fn with_reactor<T: Send + 'static>(name: &str, body: impl FnOnce() -> T + Send + 'static) -> T {
    let thread_name = format!("reactor-{name}");
    watchdog(name, move || {
        let reactor = Reactor::start(thread_name, None).expect("start reactor");
        let out = {
            let _enter = reactor::enter(reactor.handle());
            body()
        };
        reactor.shutdown();
        out
    })
}

fn wait(reaper: &mut Reaper) -> std::io::Result<ExitStatus> {
    futures_executor::block_on(poll_fn(|cx| reaper.poll_wait(cx)))
}

fn sh(script: &str) -> StdCommand {
    let mut cmd = StdCommand::new("sh");
    cmd.args(["-c", script]);
    cmd
}

/// The state letter of `/proc/<pid>/stat` if `pid` is still our child
/// (`Z` for a zombie), `None` once it is reaped (or the pid went to a
/// process that is not ours).
fn our_child_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let mut fields = after_name.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid: u32 = fields.next()?.parse().ok()?;
    (ppid == std::process::id()).then_some(state)
}

#[test]
fn pidfd_is_used_where_the_kernel_has_it() {
    with_reactor("pidfd", || {
        let mut reaper = Reaper::new(sh("exit 7").spawn().unwrap(), true).unwrap();
        // Linux 5.3 and later; this machine's kernel is newer.
        #[cfg(target_os = "linux")]
        assert!(reaper.uses_pidfd());
        assert_eq!(wait(&mut reaper).unwrap().code(), Some(7));
    });
}

#[test]
fn sigchld_fallback_sees_the_exit() {
    with_reactor("sigchld", || {
        let mut reaper = Reaper::new(sh("exit 5").spawn().unwrap(), false).unwrap();
        assert!(!reaper.uses_pidfd());
        assert_eq!(wait(&mut reaper).unwrap().code(), Some(5));
    });
}

/// A child that is already a zombie when its watch is installed: no
/// signal or pidfd edge comes after the watch, and the first look must
/// find the exit anyway.
#[test]
fn a_child_that_exited_before_the_watch_is_seen() {
    with_reactor("early-exit", || {
        for prefer_pidfd in [true, false] {
            let std = sh("exit 4").spawn().unwrap();
            let pid = std.id();
            while our_child_state(pid) != Some('Z') {
                std::thread::sleep(Duration::from_millis(1));
            }
            let mut reaper = Reaper::new(std, prefer_pidfd).unwrap();
            assert_eq!(wait(&mut reaper).unwrap().code(), Some(4));
            assert_eq!(our_child_state(pid), None, "reaped");
        }
    });
}

/// Many children exiting together: `SIGCHLD`s coalesce, each listener
/// still sees a delivery after its child's exit.
#[test]
fn sigchld_fallback_with_many_children_at_once() {
    with_reactor("sigchld-many", || {
        let mut reapers: Vec<Reaper> = (0..16)
            .map(|i| Reaper::new(sh(&format!("exit {i}")).spawn().unwrap(), false).unwrap())
            .collect();
        let statuses = futures_executor::block_on(futures_util::future::join_all(
            reapers
                .iter_mut()
                .map(|reaper| poll_fn(move |cx| reaper.poll_wait(cx))),
        ));
        for (i, status) in statuses.into_iter().enumerate() {
            assert_eq!(status.unwrap().code(), Some(i as i32));
        }
    });
}

/// Without a runtime, a dropped child goes to the orphan list, which the
/// next look reaps once it has exited.
#[test]
fn an_orphan_is_reaped_by_the_next_look() {
    with_reactor("orphan", || {
        let mut std = sh("read line").stdin(Stdio::piped()).spawn().unwrap();
        let mut stdin = std.stdin.take().unwrap();
        let pid = std.id();
        let reaper = Reaper::new(std, true).unwrap();
        reap::reap_in_background(reaper); // no runtime: the orphan list
        assert!(reap::orphan_count() >= 1);
        assert!(
            matches!(our_child_state(pid), Some(s) if s != 'Z'),
            "still running"
        );
        stdin.write_all(b"bye\n").unwrap();
        drop(stdin);
        while our_child_state(pid).is_some() {
            reap::reap_orphans();
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

#[test]
fn the_reactor_shutting_down_fails_the_wait() {
    watchdog("shutdown-wait", reactor_shutdown_fails_the_wait);
}

fn reactor_shutdown_fails_the_wait() {
    let reactor = Reactor::start("reactor-shutdown-wait".into(), None).unwrap();
    let (mut reaper, mut stdin) = {
        let _enter = reactor::enter(reactor.handle());
        let mut std = sh("read line").stdin(Stdio::piped()).spawn().unwrap();
        let stdin = std.stdin.take().unwrap();
        (Reaper::new(std, true).unwrap(), stdin)
    };
    reactor.shutdown();
    let err = wait(&mut reaper).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
    stdin.write_all(b"done\n").unwrap();
    drop(stdin);
    let pid = reaper.id();
    reap::reap_in_background(reaper);
    while our_child_state(pid).is_some() {
        reap::reap_orphans();
        std::thread::sleep(Duration::from_millis(1));
    }
}
