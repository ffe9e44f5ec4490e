//! `runtime::process`: `Command`, `Child` and the piped streams on a whole
//! runtime, the error paths (missing program, not executable, non-zero
//! exit, killed child, writing to a closed stdin), and background reaping:
//! dropped children never stay zombies (checked in `/proc`). Tests run in
//! parallel; each only looks at the pids it spawned.

mod common;

use std::io::{ErrorKind, Write};
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use common::{rt, watchdog, LIMIT};
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::process::{Command, Stdio};

fn on_runtime<F>(name: &'static str, body: impl FnOnce() -> F + Send + 'static)
where
    F: std::future::Future<Output = ()>,
{
    watchdog(LIMIT, move || rt(2, name).block_on(body()));
}

/// `Some(state letter)` of `/proc/<pid>/stat` while `pid` is a child of
/// this process (`'Z'`: a zombie), `None` once it is reaped (gone, or the
/// pid now belongs to a process that is not ours).
fn our_child_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let mut fields = after_name.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid: u32 = fields.next()?.parse().ok()?;
    (ppid == std::process::id()).then_some(state)
}

/// Waits (yielding to the runtime; the watchdog bounds it) until none of
/// `pids` is our child any more: every one was reaped.
async fn until_reaped(pids: &[u32]) {
    loop {
        if pids.iter().all(|&pid| our_child_state(pid).is_none()) {
            return;
        }
        runtime::time::sleep(Duration::from_millis(2)).await;
    }
}

#[test]
fn output_status_and_exit_codes() {
    on_runtime("output", || async {
        let out = Command::new("echo")
            .args(["hello", "world"])
            .output()
            .await
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"hello world\n");
        assert!(out.stderr.is_empty());

        let out = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .await
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "a non-zero exit is not an error"
        );
        assert!(!out.status.success());
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");

        let status = Command::new("sh")
            .args(["-c", "exit 42"])
            .status()
            .await
            .unwrap();
        assert_eq!(status.code(), Some(42));

        // The same Command runs again; output's defaults do not stick.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo again"]);
        assert_eq!(cmd.output().await.unwrap().stdout, b"again\n");
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let mut text = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut text)
            .await
            .unwrap();
        assert_eq!(text, "again\n");
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn environment_and_working_directory() {
    on_runtime("env", || async {
        std::env::var_os("PATH").expect("PATH is set");
        let out = Command::new("sh")
            .args(["-c", "echo \"$A|$B|$HOME|$(pwd)\""])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .envs([("A", "1"), ("B", "2")])
            .env_remove("B")
            .current_dir("/")
            .output()
            .await
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "1|||/\n");
    });
}

#[test]
fn missing_program_and_not_executable() {
    on_runtime("spawn-errors", || async {
        let err = Command::new("runtime-test-no-such-program")
            .spawn()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(
            err.to_string().contains("runtime-test-no-such-program"),
            "{err}"
        );
        let err = Command::new("runtime-test-no-such-program")
            .output()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        // A directory is no program (even root may not execute it).
        let err = Command::new("/").status().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
        // A bad working directory fails the spawn too.
        let err = Command::new("true")
            .current_dir("/no/such/dir/for/runtime")
            .spawn()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    });
}

#[test]
fn a_killed_child_reports_the_signal() {
    on_runtime("kill", || async {
        let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
        assert!(child.id().is_some());
        assert!(child.try_wait().unwrap().is_none(), "still running");
        child.kill().await.unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(9));
        assert_eq!(status.code(), None);
        assert!(!status.success());
        assert_eq!(child.id(), None, "reaped: no pid any more");
        let err = child.start_kill().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("already exited"), "{err}");

        // start_kill, then wait.
        let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
        child.start_kill().unwrap();
        assert_eq!(child.wait().await.unwrap().signal(), Some(9));
    });
}

#[test]
fn writing_to_a_closed_stdin_is_broken_pipe() {
    on_runtime("broken-pipe", || async {
        let mut child = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        assert!(child.wait().await.unwrap().success());
        // The reader exited: the pipe has no reader left.
        let err = stdin.write_all(b"anyone there?").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        // close() closes our end; writing afterwards is BrokenPipe too.
        stdin.close().await.unwrap();
        let err = stdin.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn piped_stdin_and_stdout_stream_a_megabyte_through_cat() {
    on_runtime("cat", || async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let data: Vec<u8> = (0..1024 * 1024).map(|i| (i % 253) as u8).collect();
        let mut stdin = child.stdin.take().unwrap();
        let input = data.clone();
        // Far more than a pipe holds: the writer waits for the reader.
        let writer = runtime::spawn(async move {
            stdin.write_all(&input).await.unwrap();
            stdin.close().await.unwrap(); // end of file for cat
        });
        let mut echoed = Vec::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut echoed)
            .await
            .unwrap();
        writer.await.unwrap();
        assert!(echoed == data, "cat returned {} bytes", echoed.len());
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn wait_with_output_collects_both_streams_and_try_wait_polls() {
    on_runtime("wait-output", || async {
        let mut child = Command::new("sh")
            .args(["-c", "read line; echo \"got $line\"; echo done >&2; exit 1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        assert!(child.try_wait().unwrap().is_none(), "waits for its input");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"hi\n").await.unwrap();
        drop(stdin);
        let out = child.wait_with_output().await.unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(out.stdout, b"got hi\n");
        assert_eq!(out.stderr, b"done\n");
    });
}

#[test]
fn a_child_stdout_can_feed_another_command() {
    on_runtime("pipeline", || async {
        let mut first = Command::new("echo")
            .arg("shout")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let pipe: Stdio = first.stdout.take().unwrap().try_into().unwrap();
        let out = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(pipe)
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"SHOUT\n");
        assert!(first.wait().await.unwrap().success());
    });
}

/// Dropping children without waiting: every one is reaped in the
/// background, none stays a zombie.
#[test]
fn dropped_children_leave_no_zombie() {
    on_runtime("zombies", || async {
        let mut pids = Vec::new();
        for _ in 0..40 {
            let child = Command::new("true").spawn().unwrap();
            pids.push(child.id().unwrap());
            drop(child);
        }
        for _ in 0..10 {
            // Exits only once its stdin closes, which dropping does.
            let child = Command::new("sh")
                .args(["-c", "read line"])
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            pids.push(child.id().unwrap());
        }
        until_reaped(&pids).await;
    });
}

#[test]
fn kill_on_drop_kills_then_reaps() {
    on_runtime("kill-on-drop", || async {
        let child = Command::new("sleep")
            .arg("1000")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        drop(child);
        until_reaped(&[pid]).await;

        // A cancelled `status()` drops (and so kills) its child too. The
        // shell tells us its pid, then becomes `sleep` (same pid).
        let (reader, writer) = std::io::pipe().unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo $$; exec sleep 1000"])
            .stdout(writer)
            .kill_on_drop(true);
        let cancelled = runtime::time::timeout(Duration::from_millis(20), cmd.status()).await;
        assert!(cancelled.is_err(), "sleep 1000 cannot finish first");
        drop(cmd);
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(reader), &mut line).unwrap();
        let pid: u32 = line.trim().parse().unwrap();
        until_reaped(&[pid]).await;
    });
}

#[test]
fn without_kill_on_drop_the_child_runs_on_and_is_reaped_later() {
    on_runtime("no-kill-on-drop", || async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let child = Command::new("sh")
            .args(["-c", "read line"])
            .stdin(reader)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        drop(child);
        // Still blocked in `read`: running, not killed, not a zombie.
        runtime::time::sleep(Duration::from_millis(20)).await;
        let state = our_child_state(pid);
        assert!(matches!(state, Some(s) if s != 'Z'), "{state:?}");
        writer.write_all(b"go\n").unwrap();
        drop(writer);
        until_reaped(&[pid]).await;
    });
}

/// A child whose runtime shut down before it exited goes to the orphan
/// list; the next spawn, on any runtime, reaps it.
#[test]
fn an_orphan_of_a_shut_down_runtime_is_reaped_by_the_next_spawn() {
    watchdog(LIMIT, || {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let first = rt(1, "orphan-a");
        let pid = first.block_on(async {
            let child = Command::new("sh")
                .args(["-c", "read line"])
                .stdin(reader)
                .spawn()
                .unwrap();
            child.id().unwrap()
        });
        drop(first); // cancels the background reaper task
        writer.write_all(b"go\n").unwrap();
        drop(writer);
        // Exited, but nobody waits: a zombie (unless another test's spawn
        // reaped the orphan list meanwhile).
        while !matches!(our_child_state(pid), Some('Z') | None) {
            std::thread::sleep(Duration::from_millis(1));
        }
        rt(1, "orphan-b").block_on(async {
            let _ = Command::new("true").spawn().unwrap();
        });
        assert_eq!(our_child_state(pid), None, "the spawn reaped the orphan");
    });
}

/// The futures and handles move between workers (compile-time check).
#[test]
fn futures_and_handles_are_send() {
    fn send<T: Send>(_: &T) {}
    let mut cmd = Command::new("true");
    send(&cmd);
    send(&cmd.status());
    send(&cmd.output());
    fn child_futures(child: &mut runtime::process::Child) {
        send(&child.wait());
        send(&child.kill());
    }
    let _ = child_futures;
    fn handles<T: Send + Sync>() {}
    handles::<runtime::process::Child>();
    handles::<runtime::process::ChildStdin>();
    handles::<runtime::process::ChildStdout>();
    handles::<runtime::process::ChildStderr>();
}

#[test]
fn outside_a_runtime_spawn_is_an_error() {
    let err = Command::new("true").spawn().unwrap_err();
    assert!(err.to_string().contains("no I/O reactor"), "{err}");
}

#[test]
fn works_on_the_current_thread_flavour() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let out = Command::new("echo").arg("ct").output().await.unwrap();
            assert_eq!(out.stdout, b"ct\n");
        });
    });
}
