//! The soak's load: the echo server and the job mix (see `main.rs`).

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::{mpsc, Semaphore};
use runtime::time::{sleep, timeout, Duration, Instant};
use runtime::TaskGroup;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// Jobs in flight at most.
const IN_FLIGHT: usize = 64;
/// The payload of the panics the soak injects (the panic hook keeps them
/// quiet; any other panic is printed as usual).
pub(crate) const INJECTED: &str = "soak: injected panic";

/// Everything counted, shared by the jobs and the progress thread.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) spawned: AtomicU64,
    pub(crate) jobs: AtomicU64,
    pub(crate) guards_made: AtomicU64,
    pub(crate) guards_dropped: AtomicU64,
    pub(crate) items_sent: AtomicU64,
    pub(crate) items_got: AtomicU64,
    pub(crate) bytes_echoed: AtomicU64,
    pub(crate) panics: AtomicU64,
    pub(crate) cancels: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) server_drops: AtomicU64,
    pub(crate) group_failures: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) first_errors: Mutex<Vec<String>>,
}

impl Stats {
    pub(crate) fn fail(&self, what: String) {
        self.errors.fetch_add(1, Relaxed);
        let mut first = self.first_errors.lock().unwrap();
        if first.len() < 20 {
            first.push(what);
        }
    }
}

/// Held by every future the soak spawns: counts itself made and dropped.
pub(crate) struct Guard(Arc<Stats>);

impl Guard {
    pub(crate) fn new(stats: &Arc<Stats>) -> Guard {
        stats.guards_made.fetch_add(1, Relaxed);
        Guard(stats.clone())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.guards_dropped.fetch_add(1, Relaxed);
    }
}

/// Spawns `fut` with a drop-counting guard inside it.
fn spawn<T: Send + 'static>(
    stats: &Arc<Stats>,
    fut: impl std::future::Future<Output = T> + Send + 'static,
) -> runtime::Task<T> {
    stats.spawned.fetch_add(1, Relaxed);
    let guard = Guard::new(stats);
    runtime::spawn(async move {
        let _guard = guard;
        fut.await
    })
}

/// splitmix64: the job mix's generator.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub(crate) fn fork(&mut self) -> Rng {
        Rng(self.next())
    }
}

/// The echo server: the acceptor and every connection are members of
/// `group`. A connection is dropped after its first read when its first
/// byte asks for it (the client's fault plan), so both sides know.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    group: TaskGroup<std::io::Error>,
    stats: Arc<Stats>,
) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let stats2 = stats.clone();
                let guard = Guard::new(&stats);
                stats.spawned.fetch_add(1, Relaxed);
                group.spawn(async move {
                    let _guard = guard;
                    serve(stream, &stats2).await
                });
            }
            Err(e) => {
                stats.fail(format!("accept failed: {e}"));
                sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// First byte of a connection: 1 = the server drops it after its first read.
const DROP_ME: u8 = 1;

async fn serve(mut stream: TcpStream, stats: &Stats) -> Result<(), std::io::Error> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut first = true;
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            // The client's task was cancelled mid-write: a reset is normal.
            Err(_) => return Ok(()),
        };
        if first && buf[0] == DROP_ME {
            stats.server_drops.fetch_add(1, Relaxed);
            return Ok(()); // dropping the stream closes it mid-conversation
        }
        first = false;
        if stream.write_all(&buf[..n]).await.is_err() {
            return Ok(());
        }
    }
}

/// One echo conversation from the client side. Returns an error string on
/// a wrong echo.
async fn echo_client(addr: SocketAddr, mut r: Rng, stats: Arc<Stats>) -> Result<(), String> {
    let len = 1 + r.below(64 * 1024) as usize;
    let drop_me = r.chance(5);
    let mut data: Vec<u8> = (0..len).map(|_| 2 + r.below(250) as u8).collect();
    if drop_me {
        data[0] = DROP_ME;
    }
    let mut s = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut rd, mut wr) = TcpStream::split(&mut s);
    let write = async {
        wr.write_all(&data).await?;
        wr.close().await
    };
    let mut back = vec![0u8; len];
    let read = async {
        if r.chance(5) {
            // May expire: then the conversation is abandoned mid-read.
            match timeout(Duration::from_millis(r.below(3)), rd.read_exact(&mut back)).await {
                Ok(res) => res.map(|_| true),
                Err(_) => Ok(false),
            }
        } else {
            rd.read_exact(&mut back).await.map(|_| true)
        }
    };
    let (w, rres) = futures_join(write, read).await;
    match (drop_me, w, rres) {
        (true, _, Ok(true)) => Err("a dropped connection echoed everything".into()),
        (true, _, _) => Ok(()),
        (false, Err(e), _) => Err(format!("write: {e}")),
        (false, Ok(()), Err(e)) => Err(format!("read: {e}")),
        (false, Ok(()), Ok(false)) => {
            stats.timeouts.fetch_add(1, Relaxed);
            Ok(())
        }
        (false, Ok(()), Ok(true)) if back == data => {
            let mut eof = [0u8; 1];
            match rd.read(&mut eof).await {
                Ok(0) => {
                    stats.bytes_echoed.fetch_add(len as u64, Relaxed);
                    Ok(())
                }
                other => Err(format!("after the echo: {other:?}, not end of stream")),
            }
        }
        (false, Ok(()), Ok(true)) => Err(format!("the echo of {len} bytes differs")),
    }
}

/// Polls two futures to completion on this task (writing and reading one
/// connection at once).
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready((ra.take().unwrap(), rb.take().unwrap()))
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

/// One job of the mix (see the crate docs); `Err` is a failed check.
async fn job(kind: u64, mut r: Rng, addr: SocketAddr, stats: Arc<Stats>) -> Result<(), String> {
    match kind {
        0 => {
            let n = 1 + r.below(32);
            let tasks: Vec<_> = (0..n)
                .map(|i| {
                    let panics = r.chance(3);
                    spawn(&stats, async move {
                        runtime::yield_now().await;
                        if panics {
                            std::panic::panic_any(INJECTED);
                        }
                        i
                    })
                })
                .collect();
            for (i, t) in tasks.into_iter().enumerate() {
                match t.await {
                    Ok(v) if v == i as u64 => {}
                    Ok(v) => return Err(format!("task {i} returned {v}")),
                    Err(e) if e.is_panic() => {
                        let payload = e.into_panic();
                        if payload.downcast_ref::<&str>() != Some(&INJECTED) {
                            return Err("a panic payload came back changed".into());
                        }
                        stats.panics.fetch_add(1, Relaxed);
                    }
                    Err(e) => return Err(format!("task {i}: {e}")),
                }
            }
            Ok(())
        }
        1 => {
            let d = Duration::from_millis(r.below(6));
            if r.chance(30) {
                let limit = Duration::from_millis(r.below(3));
                if timeout(limit, sleep(d)).await.is_err() {
                    stats.timeouts.fetch_add(1, Relaxed);
                }
            } else {
                let start = Instant::now();
                sleep(d).await;
                if start.elapsed() < d {
                    return Err(format!("a {d:?} sleep woke after {:?}", start.elapsed()));
                }
            }
            Ok(())
        }
        2 => {
            let cancel = r.chance(5);
            let pause = Duration::from_millis(r.below(3));
            let conv = spawn(&stats, echo_client(addr, r.fork(), stats.clone()));
            if cancel {
                sleep(pause).await;
                conv.cancel();
            }
            match conv.await {
                Ok(res) => res,
                Err(e) if e.is_cancelled() => {
                    stats.cancels.fetch_add(1, Relaxed);
                    Ok(())
                }
                Err(e) => Err(format!("echo task: {e}")),
            }
        }
        3 => {
            let group = TaskGroup::<u64>::new();
            let members = 2 + r.below(7);
            let failing = r.chance(30).then(|| r.below(members));
            for i in 0..members {
                let (ms, stats2) = (r.below(3), stats.clone());
                let guard = Guard::new(&stats);
                stats.spawned.fetch_add(1, Relaxed);
                group.spawn(async move {
                    let _guard = guard;
                    sleep(Duration::from_millis(ms)).await;
                    if Some(i) == failing {
                        stats2.group_failures.fetch_add(1, Relaxed);
                        return Err(i);
                    }
                    sleep(Duration::from_millis(1)).await;
                    Ok(())
                });
            }
            match (group.join().await, failing) {
                (Ok(()), None) => Ok(()),
                (Err(e), Some(_)) if e.len() == 1 => Ok(()),
                (res, failing) => Err(format!(
                    "group join {res:?} with failing member {failing:?}"
                )),
            }
        }
        _ => items(r, stats).await,
    }
}

/// The items job: sent == received + drained, each id once.
async fn items(mut r: Rng, stats: Arc<Stats>) -> Result<(), String> {
    let (tx, mut rx) = mpsc::channel::<u64>(8);
    let sent = Arc::new(Mutex::new(Vec::new()));
    let producers: Vec<_> = (0..2u64)
        .map(|p| {
            let (tx, sent, mut r2, stats2) = (tx.clone(), sent.clone(), r.fork(), stats.clone());
            spawn(&stats, async move {
                for i in 0..50 {
                    let id = p * 1000 + i;
                    let limit = Duration::from_millis(r2.below(2));
                    if let Ok(Ok(())) = timeout(limit, tx.send(id)).await {
                        sent.lock().unwrap().push(id);
                        stats2.items_sent.fetch_add(1, Relaxed);
                    }
                }
            })
        })
        .collect();
    drop(tx);
    if r.chance(20) {
        runtime::yield_now().await;
        producers[1].cancel();
    }
    let mut got = Vec::new();
    loop {
        match timeout(Duration::from_millis(r.below(2)), rx.recv()).await {
            Ok(Some(id)) => got.push(id),
            Ok(None) => break,
            Err(_) => {} // a cut receive takes nothing
        }
    }
    for p in producers {
        if let Err(e) = p.await {
            if !e.is_cancelled() {
                return Err(format!("producer: {e}"));
            }
            stats.cancels.fetch_add(1, Relaxed);
        }
    }
    while let Ok(id) = rx.try_recv() {
        got.push(id);
    }
    stats.items_got.fetch_add(got.len() as u64, Relaxed);
    let mut sent = std::mem::take(&mut *sent.lock().unwrap());
    sent.sort_unstable();
    got.sort_unstable();
    if sent != got {
        return Err(format!(
            "items: {} sent, {} received: not the same ids",
            sent.len(),
            got.len()
        ));
    }
    Ok(())
}

/// The generator: jobs until `until`, at most [`IN_FLIGHT`] at once; then
/// waits for every job (all permits back).
pub(crate) async fn generate(until: Instant, addr: SocketAddr, mut r: Rng, stats: Arc<Stats>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    while Instant::now() < until {
        let permit = slots.clone().acquire_owned().await.expect("never closed");
        let (kind, r2, stats2) = (r.below(5), r.fork(), stats.clone());
        drop(spawn(&stats, async move {
            let _permit = permit;
            if let Err(e) = job(kind, r2, addr, stats2.clone()).await {
                stats2.fail(format!("job kind {kind}: {e}"));
            }
            stats2.jobs.fetch_add(1, Relaxed);
        }));
    }
    let _all = slots.acquire_many(IN_FLIGHT).await.expect("never closed");
}
