//! A TCP read (and accept) cut short over a real 127.0.0.1 connection. `read` is cancel
//! safe (one system call per completed poll): the bytes of every read that
//! returned, in order, are exactly what the peer wrote. `read_exact` is
//! documented as not cancel safe: a cut one may already have moved part of
//! the data, which is then in the caller's buffer, a prefix of it; the
//! case holds it to exactly that (the data has no zero byte, the buffers
//! start zeroed, so the filled prefix is visible) and nothing else is lost.
#![allow(unreachable_pub)]

use super::cut::{cut, Cut};
use crate::support::Rng;
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// `len` bytes, none zero, not periodic in any small chunk size.
fn pattern(len: usize, rng: &mut Rng) -> Vec<u8> {
    (0..len).map(|_| 1 + rng.below(255) as u8).collect()
}

/// A connected pair over 127.0.0.1 (reader side, writer side).
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let client = runtime::spawn(TcpStream::connect(addr));
    let (accepted, _) = listener.accept().await.expect("accept");
    (
        accepted,
        client.await.expect("connect task").expect("connect"),
    )
}

/// Writes `data` in random chunks with random pauses, then closes.
fn writer(mut w: TcpStream, data: Arc<Vec<u8>>, mut r: Rng) -> runtime::Task<()> {
    runtime::spawn(async move {
        let mut at = 0;
        while at < data.len() {
            let n = (1 + r.below(8192) as usize).min(data.len() - at);
            w.write_all(&data[at..at + n]).await.expect("write");
            at += n;
            match r.below(10) {
                0 => runtime::time::sleep(std::time::Duration::from_millis(1)).await,
                1..=3 => runtime::yield_now().await,
                _ => {}
            }
        }
        w.close().await.expect("close");
    })
}

/// `read` with random cuts, and now and then in a task of its own that is
/// cancelled mid-read; the bytes read equal the bytes written.
pub async fn read_round(what: &str, len: usize, rng: &mut Rng) {
    let data = Arc::new(pattern(len, rng));
    let (reader, w) = pair().await;
    let writing = writer(w, data.clone(), rng.fork());
    let reader = Arc::new(reader);
    let got = Arc::new(Mutex::new(Vec::with_capacity(len)));
    let (mut cuts, mut cancels) = (0usize, 0usize);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let k = 1 + rng.below(buf.len() as u64) as usize;
        if rng.chance(10) {
            // In a task: a `Task::cancel` lands while it waits for data.
            let (reader, got) = (reader.clone(), got.clone());
            let task = runtime::spawn(async move {
                let mut buf = vec![0u8; k];
                let n = (&*reader).read(&mut buf).await.expect("read");
                got.lock().unwrap().extend_from_slice(&buf[..n]);
                n
            });
            for _ in 0..rng.below(4) {
                runtime::yield_now().await;
            }
            task.cancel();
            match task.await {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.is_cancelled() => cancels += 1,
                Err(e) => panic!("{what}: the read task failed: {e}"),
            }
            continue;
        }
        let mut rd = &*reader;
        match cut(Cut::pick(rng), rd.read(&mut buf[..k])).await {
            Some(Ok(0)) => break,
            Some(Ok(n)) => got.lock().unwrap().extend_from_slice(&buf[..n]),
            Some(Err(e)) => panic!("{what}: read failed: {e}"),
            None => cuts += 1,
        }
    }
    writing.await.expect("the writer completes");
    let got = got.lock().unwrap();
    println!(
        "{what}: {} bytes, {cuts} cut reads, {cancels} cancelled read tasks",
        got.len()
    );
    assert_eq!(got.len(), len, "{what}: bytes read");
    assert!(
        *got == **data,
        "{what}: the bytes read differ from the bytes written"
    );
}

/// A read_exact buffer: when dropped (completed, cut, or with its task
/// cancelled) it hands the filled prefix to `sink`, and checks that what
/// was filled is a prefix.
struct Filled {
    buf: Vec<u8>,
    sink: Arc<Mutex<Vec<u8>>>,
}

impl Filled {
    fn new(len: usize, sink: &Arc<Mutex<Vec<u8>>>) -> Filled {
        Filled {
            buf: vec![0; len],
            sink: sink.clone(),
        }
    }
}

impl Drop for Filled {
    fn drop(&mut self) {
        let filled = self.buf.iter().take_while(|&&b| b != 0).count();
        assert!(
            self.buf[filled..].iter().all(|&b| b == 0),
            "read_exact filled its buffer with a gap"
        );
        self.sink
            .lock()
            .unwrap()
            .extend_from_slice(&self.buf[..filled]);
    }
}

/// `read_exact` with random cuts (and tasks cancelled mid-read): every
/// byte is either in a completed buffer or in the filled prefix of a cut
/// one, in order; together they are the bytes written.
pub async fn read_exact_round(what: &str, len: usize, rng: &mut Rng) {
    let data = Arc::new(pattern(len, rng));
    let (reader, w) = pair().await;
    let writing = writer(w, data.clone(), rng.fork());
    let reader = Arc::new(reader);
    let got = Arc::new(Mutex::new(Vec::with_capacity(len)));
    let (mut cuts, mut partial, mut cancels) = (0usize, 0usize, 0usize);
    loop {
        let k = 1 + rng.below(16 * 1024) as usize;
        if rng.chance(10) {
            let (reader, got) = (reader.clone(), got.clone());
            let task = runtime::spawn(async move {
                let mut into = Filled::new(k, &got);
                (&*reader).read_exact(&mut into.buf).await.is_err()
            });
            for _ in 0..rng.below(4) {
                runtime::yield_now().await;
            }
            task.cancel();
            match task.await {
                Ok(true) => break, // end of stream
                Ok(false) => {}
                Err(e) if e.is_cancelled() => cancels += 1,
                Err(e) => panic!("{what}: the read task failed: {e}"),
            }
            continue;
        }
        let mut into = Filled::new(k, &got);
        let mut rd = &*reader;
        match cut(Cut::pick(rng), rd.read_exact(&mut into.buf)).await {
            Some(Ok(())) => {}
            Some(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Some(Err(e)) => panic!("{what}: read_exact failed: {e}"),
            None => {
                cuts += 1;
                if into.buf[0] != 0 {
                    partial += 1;
                }
            }
        }
    }
    writing.await.expect("the writer completes");
    let got = got.lock().unwrap();
    println!(
        "{what}: {} bytes, {cuts} cut read_exacts ({partial} had moved data), {cancels} cancelled read tasks",
        got.len()
    );
    assert_eq!(got.len(), len, "{what}: bytes read");
    assert!(
        *got == **data,
        "{what}: the bytes read differ from the bytes written"
    );
}

/// `TcpListener::accept` (documented cancel safe) cut at random while
/// `clients` connections arrive, each sending its id: every connection is
/// accepted exactly once.
pub async fn accept_round(clients: u32, rng: &mut Rng) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let connecting = runtime::spawn(async move {
        let mut open = Vec::new();
        for id in 0..clients {
            let mut s = TcpStream::connect(addr).await.expect("connect");
            s.write_all(&id.to_le_bytes()).await.expect("write");
            open.push(s); // kept open until every one was accepted
            if id % 8 == 0 {
                runtime::yield_now().await;
            }
        }
        open
    });
    let mut seen = vec![false; clients as usize];
    let (mut accepted, mut cuts) = (0, 0);
    while accepted < clients {
        match cut(Cut::pick(rng), listener.accept()).await {
            Some(Ok((mut s, _))) => {
                let mut id = [0u8; 4];
                s.read_exact(&mut id).await.expect("the client's id");
                let id = u32::from_le_bytes(id) as usize;
                assert!(!seen[id], "connection {id} accepted twice");
                seen[id] = true;
                accepted += 1;
            }
            Some(Err(e)) => panic!("accept failed: {e}"),
            None => cuts += 1,
        }
    }
    drop(connecting.await.expect("the clients connect"));
    println!("accept: {clients} connections accepted once each, {cuts} cut accepts");
}
