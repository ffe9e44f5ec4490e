//! `runtime::fs`: the free functions, `File`'s buffered state machine,
//! `read_dir` as a stream, and the error paths (missing file, a directory
//! where a file is expected, outside a runtime, runtime shut down).
//! Every test works in a fresh directory under the system temp dir and
//! removes it; tests run in parallel.

mod common;

use std::io::{ErrorKind, SeekFrom};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use common::{rt, watchdog, LIMIT};
use futures_util::StreamExt;
use runtime::fs::{self, File, OpenOptions};
use runtime::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// A fresh directory under the temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "runtime-fs-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `body` on a 2-worker runtime under the watchdog.
fn on_runtime<F>(name: &'static str, body: impl FnOnce(TempDir) -> F + Send + 'static)
where
    F: std::future::Future<Output = ()>,
{
    watchdog(LIMIT, move || {
        let dir = TempDir::new(name);
        rt(2, name).block_on(body(dir));
    });
}

fn os_error(err: &std::io::Error) -> Option<i32> {
    std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .and_then(std::io::Error::raw_os_error)
}

#[test]
fn free_functions_round_trip() {
    on_runtime("free", |dir| async move {
        let a = dir.path("a.txt");
        fs::write(&a, "alpha").await.unwrap();
        assert_eq!(fs::read(&a).await.unwrap(), b"alpha");
        assert_eq!(fs::read_to_string(&a).await.unwrap(), "alpha");
        assert_eq!(fs::copy(&a, dir.path("b.txt")).await.unwrap(), 5);
        fs::rename(dir.path("b.txt"), dir.path("c.txt"))
            .await
            .unwrap();
        assert!(!fs::try_exists(dir.path("b.txt")).await.unwrap());
        assert!(fs::try_exists(dir.path("c.txt")).await.unwrap());
        fs::create_dir_all(dir.path("x/y/z")).await.unwrap();
        fs::create_dir(dir.path("x/y/z/w")).await.unwrap();
        assert!(fs::metadata(dir.path("x/y/z/w")).await.unwrap().is_dir());
        fs::symlink(&a, dir.path("link")).await.unwrap();
        assert!(fs::symlink_metadata(dir.path("link"))
            .await
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(fs::metadata(dir.path("link")).await.unwrap().is_file());
        assert_eq!(fs::read_link(dir.path("link")).await.unwrap(), a);
        let canonical = fs::canonicalize(dir.path("x/y/../y/z")).await.unwrap();
        assert_eq!(canonical, std::fs::canonicalize(dir.path("x/y/z")).unwrap());
        fs::hard_link(&a, dir.path("hard")).await.unwrap();
        assert_eq!(fs::read(dir.path("hard")).await.unwrap(), b"alpha");
        fs::remove_dir(dir.path("x/y/z/w")).await.unwrap();
        fs::remove_file(dir.path("c.txt")).await.unwrap();
        fs::remove_dir_all(dir.path("x")).await.unwrap();
        assert!(!fs::try_exists(dir.path("x")).await.unwrap());
        let mut perm = fs::metadata(&a).await.unwrap().permissions();
        perm.set_readonly(true);
        fs::set_permissions(&a, perm).await.unwrap();
        assert!(fs::metadata(&a).await.unwrap().permissions().readonly());
    });
}

#[test]
fn missing_file_is_not_found_and_names_the_path() {
    on_runtime("missing", |dir| async move {
        let missing = dir.path("missing.txt");
        let err = fs::read(&missing).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let text = err.to_string();
        assert!(text.contains("runtime::fs::read"), "{text}");
        assert!(text.contains(&missing.display().to_string()), "{text}");
        assert_eq!(os_error(&err), Some(2), "ENOENT, from std's error");

        let err = File::open(&missing).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("missing.txt"), "{err}");
        for err in [
            fs::metadata(&missing).await.unwrap_err(),
            fs::remove_file(&missing).await.unwrap_err(),
            fs::read_dir(&missing).await.unwrap_err(),
            fs::copy(&missing, dir.path("to")).await.unwrap_err(),
            fs::rename(&missing, dir.path("to")).await.unwrap_err(),
            fs::canonicalize(&missing).await.unwrap_err(),
        ] {
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
            assert!(err.to_string().contains("missing.txt"), "{err}");
        }
        // No parent directory: create_dir and write fail, try_exists says no.
        let deep = dir.path("no/such/dir/f");
        assert_eq!(
            fs::write(&deep, "x").await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert!(!fs::try_exists(&deep).await.unwrap());
    });
}

#[test]
fn a_directory_where_a_file_is_expected() {
    on_runtime("dir-vs-file", |dir| async move {
        let sub = dir.path("sub");
        fs::create_dir(&sub).await.unwrap();
        assert_eq!(
            fs::read(&sub).await.unwrap_err().kind(),
            ErrorKind::IsADirectory
        );
        assert_eq!(
            fs::write(&sub, "x").await.unwrap_err().kind(),
            ErrorKind::IsADirectory
        );
        assert_eq!(
            File::create(&sub).await.unwrap_err().kind(),
            ErrorKind::IsADirectory
        );
        // Opening a directory read-only succeeds on Linux; reading fails.
        let mut file = File::open(&sub).await.unwrap();
        let mut buf = Vec::new();
        assert_eq!(
            file.read_to_end(&mut buf).await.unwrap_err().kind(),
            ErrorKind::IsADirectory
        );
        fs::write(dir.path("sub/f"), "x").await.unwrap();
        let err = fs::remove_dir(&sub).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DirectoryNotEmpty, "{err}");
        assert_eq!(
            fs::create_dir(&sub).await.unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
        // ... and a file where a directory is expected.
        let file_path = dir.path("plain");
        fs::write(&file_path, "x").await.unwrap();
        assert_eq!(
            fs::read_dir(&file_path).await.unwrap_err().kind(),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            fs::remove_dir(&file_path).await.unwrap_err().kind(),
            ErrorKind::NotADirectory
        );
        let err = fs::create_dir_all(dir.path("plain/child"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::NotADirectory | ErrorKind::AlreadyExists
            ),
            "{err}"
        );
    });
}

#[test]
fn writes_are_buffered_until_flushed_and_reads_see_them() {
    on_runtime("buffered", |dir| async move {
        let path = dir.path("f");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        file.write_all(b"hello ").await.unwrap();
        file.write_all(b"world").await.unwrap();
        // metadata waits for the write in flight.
        assert_eq!(file.metadata().await.unwrap().len(), 11);
        // A seek waits for the write, then the read sees the bytes.
        assert_eq!(file.seek(SeekFrom::Start(6)).await.unwrap(), 6);
        let mut rest = String::new();
        file.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "world");
        // A write right after a read goes where the reader stopped.
        file.write_all(b"!").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"hello world!");
        assert_eq!(file.stream_position().await.unwrap(), 12);
        file.set_len(5).await.unwrap();
        file.sync_all().await.unwrap();
        file.sync_data().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"hello");
        assert_eq!(file.seek(SeekFrom::End(-2)).await.unwrap(), 3);
        let mut tail = Vec::new();
        file.read_to_end(&mut tail).await.unwrap();
        assert_eq!(tail, b"lo");
    });
}

#[test]
fn large_writes_are_split_and_all_bytes_arrive() {
    on_runtime("large", |dir| async move {
        let path = dir.path("big");
        let data: Vec<u8> = (0..5 * 1024 * 1024 + 17).map(|i| (i % 251) as u8).collect();
        let mut file = File::create(&path).await.unwrap();
        file.set_max_buf_size(1024 * 1024);
        let n = file.write(&data).await.unwrap();
        assert_eq!(n, 1024 * 1024, "one job moves at most max_buf_size");
        file.write_all(&data[n..]).await.unwrap();
        file.flush().await.unwrap();
        drop(file);
        let mut back = Vec::new();
        File::open(&path)
            .await
            .unwrap()
            .read_to_end(&mut back)
            .await
            .unwrap();
        assert_eq!(back.len(), data.len());
        assert!(back == data);
    });
}

#[test]
fn dropping_a_file_with_a_write_in_flight_completes_the_write() {
    on_runtime("drop-write", |dir| async move {
        let path = dir.path("dropped");
        let data = vec![7u8; 1024 * 1024];
        let mut file = File::create(&path).await.unwrap();
        file.write_all(&data).await.unwrap(); // accepted, in flight
        drop(file);
        // The write finishes in the background; wait (watchdog-bounded).
        loop {
            if std::fs::read(&path).unwrap() == data {
                break;
            }
            runtime::time::sleep(runtime::time::Duration::from_millis(1)).await;
        }
    });
}

#[test]
fn write_errors_are_reported_by_the_next_flush_or_write() {
    on_runtime("write-error", |dir| async move {
        let path = dir.path("ro");
        fs::write(&path, "abc").await.unwrap();
        // Opened read-only: the write is accepted, the OS refuses it later.
        let mut file = File::open(&path).await.unwrap();
        assert_eq!(file.write(b"xyz").await.unwrap(), 3);
        assert!(file.flush().await.is_err());
        file.flush().await.unwrap(); // reported once

        // A read meeting the failed write keeps the error for the flush.
        assert_eq!(file.write(b"xyz").await.unwrap(), 3);
        let mut buf = [0; 3];
        file.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abc");
        assert!(file.flush().await.is_err());

        // sync_all reports it too.
        assert_eq!(file.write(b"xyz").await.unwrap(), 3);
        assert!(file.sync_all().await.is_err());
    });
}

/// A read job whose reader changed its buffer between polls keeps the
/// surplus read-ahead bytes; seeks and writes account for them.
#[test]
fn read_ahead_bytes_do_not_move_the_callers_position() {
    watchdog(LIMIT, || {
        let dir = TempDir::new("read-ahead");
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .thread_name("read-ahead")
            .build()
            .unwrap();
        rt.block_on(async move {
            let path = dir.path("f");
            fs::write(&path, "abcdefgh").await.unwrap();
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .await
                .unwrap();
            // Hold the only blocking thread so the read job waits in queue.
            let (release, wait) = std::sync::mpsc::channel::<()>();
            let blocker = runtime::spawn_blocking(move || wait.recv().unwrap());
            let mut first = [0u8; 6];
            let pending = std::future::poll_fn(|cx| {
                Poll::Ready(Pin::new(&mut file).poll_read(cx, &mut first))
            })
            .await;
            assert!(pending.is_pending(), "the read job is queued");
            release.send(()).unwrap();
            blocker.await.unwrap();
            // The job reads 6 bytes; the caller now takes only 2 of them.
            let mut two = [0u8; 2];
            file.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"ab");
            assert_eq!(file.stream_position().await.unwrap(), 2);
            file.write_all(b"XY").await.unwrap();
            file.flush().await.unwrap();
            assert_eq!(fs::read(&path).await.unwrap(), b"abXYefgh");
            let mut rest = String::new();
            file.read_to_string(&mut rest).await.unwrap();
            assert_eq!(rest, "efgh");
            // Again, then hand the file to std: it gets the caller's position.
            file.seek(SeekFrom::Start(0)).await.unwrap();
            let (release, wait) = std::sync::mpsc::channel::<()>();
            let blocker = runtime::spawn_blocking(move || wait.recv().unwrap());
            let pending = std::future::poll_fn(|cx| {
                Poll::Ready(Pin::new(&mut file).poll_read(cx, &mut first))
            })
            .await;
            assert!(pending.is_pending());
            release.send(()).unwrap();
            blocker.await.unwrap();
            file.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"ab");
            let mut std_file = file.into_std().await;
            assert_eq!(std::io::Seek::stream_position(&mut std_file).unwrap(), 2);
        });
    });
}

#[test]
fn into_std_and_from_std_keep_the_position() {
    on_runtime("into-std", |dir| async move {
        let path = dir.path("f");
        fs::write(&path, "0123456789").await.unwrap();
        let mut file = File::open(&path).await.unwrap();
        let mut buf = [0u8; 4];
        file.read_exact(&mut buf).await.unwrap();
        let mut std_file = file.into_std().await;
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut std_file, &mut rest).unwrap();
        assert_eq!(rest, "456789");
        let file = File::from_std(std_file);
        let clone = file.try_clone().await.unwrap();
        assert!(clone.try_into_std().is_ok());
        assert!(File::open(&path).await.unwrap().try_into_std().is_ok());
    });
}

#[test]
fn read_dir_streams_every_entry() {
    on_runtime("read-dir", |dir| async move {
        let root = dir.path("many");
        fs::create_dir(&root).await.unwrap();
        for i in 0..100 {
            fs::write(root.join(format!("{i:03}")), "").await.unwrap();
        }
        fs::create_dir(root.join("subdir")).await.unwrap();
        // As a Stream.
        let mut names: Vec<String> = fs::read_dir(&root)
            .await
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect()
            .await;
        names.sort();
        assert_eq!(names.len(), 101);
        assert_eq!(names[0], "000");
        assert_eq!(names[100], "subdir");
        // With next_entry.
        let mut entries = fs::read_dir(&root).await.unwrap();
        let (mut files, mut dirs) = (0, 0);
        while let Some(entry) = entries.next_entry().await.unwrap() {
            assert_eq!(entry.path(), root.join(entry.file_name()));
            if entry.file_type().await.unwrap().is_dir() {
                dirs += 1;
                assert!(entry.metadata().await.unwrap().is_dir());
            } else {
                files += 1;
            }
        }
        assert_eq!((files, dirs), (100, 1));
        assert!(entries.next_entry().await.unwrap().is_none(), "stays ended");
    });
}

#[test]
fn many_tasks_write_in_parallel() {
    on_runtime("parallel", |dir| async move {
        let root = dir.0.clone();
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let path = root.join(format!("t{i}"));
                runtime::spawn(async move {
                    let mut file = File::create(&path).await.unwrap();
                    for _ in 0..10 {
                        file.write_all(format!("{i};").as_bytes()).await.unwrap();
                    }
                    file.flush().await.unwrap();
                    fs::read_to_string(&path).await.unwrap()
                })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), format!("{i};").repeat(10));
        }
    });
}

#[test]
fn works_on_the_current_thread_flavour() {
    watchdog(LIMIT, || {
        let dir = TempDir::new("current");
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            fs::write(dir.path("f"), "x").await.unwrap();
            assert_eq!(fs::read_to_string(dir.path("f")).await.unwrap(), "x");
        });
    });
}

/// The futures and handles move between workers (compile-time check).
#[test]
fn futures_and_handles_are_send() {
    fn send<T: Send>(_: &T) {}
    send(&fs::read("x"));
    send(&fs::write("x", "y"));
    send(&fs::read_dir("x"));
    send(&File::open("x"));
    fn file_futures(file: &File) {
        send(&file.metadata());
        send(&file.sync_all());
        send(&file.set_len(0));
    }
    let _ = file_futures;
    fn handles<T: Send + Sync>() {}
    handles::<File>();
    handles::<fs::ReadDir>();
    handles::<fs::DirEntry>();
}

/// Polls `fut` once with a no-op waker.
fn poll_once<F: std::future::Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(std::task::Waker::noop()))
}

#[test]
fn outside_a_runtime_is_an_error_not_a_panic() {
    let dir = TempDir::new("outside");
    let fut = std::pin::pin!(fs::read(dir.path("f")));
    let Poll::Ready(Err(err)) = poll_once(fut) else {
        panic!("fs::read outside a runtime must fail at once");
    };
    assert!(err.to_string().contains("no runtime"), "{err}");
    let mut file = File::from_std(std::fs::File::create(dir.path("g")).unwrap());
    let mut buf = [0; 4];
    let read = std::pin::pin!(file.read(&mut buf));
    assert!(matches!(poll_once(read), Poll::Ready(Err(_))));
}

#[test]
fn a_call_queued_at_shutdown_fails_with_a_clear_error() {
    watchdog(LIMIT, || {
        let dir = TempDir::new("shutdown");
        std::fs::write(dir.path("f"), "x").unwrap();
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let _blocker = rt.spawn_blocking(move || wait.recv().unwrap());
        let path = dir.path("f");
        let mut fut = Box::pin(fs::read(&path));
        {
            let _enter = rt.enter();
            assert!(
                poll_once(fut.as_mut()).is_pending(),
                "queued behind the blocker"
            );
        }
        rt.shutdown_timeout(std::time::Duration::ZERO);
        let Poll::Ready(Err(err)) = poll_once(fut.as_mut()) else {
            panic!("the cancelled job must resolve the call");
        };
        assert!(err.to_string().contains("shut down"), "{err}");
        // The blocker may itself have been cancelled before a thread took
        // it (then nobody receives this).
        let _ = release.send(());
    });
}
