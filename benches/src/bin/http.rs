//! The `http` workload: the same hyper 1.x hello-world service on `runtime`
//! (`runtime::hyper::{Io, Timer}`) and on Tokio (hyper-util's `TokioIo` and
//! `TokioTimer`), each with the same number of workers, loaded by `wrk`
//! when it is installed (`apt-get install wrk`) or else by the load
//! generator below, in alternating runs. Prints the median requests/s and
//! the median p99 latency of each, and the ratios.
//!
//! ```text
//! cargo run --release -p benches --bin http [-- --workers 2 --reps 3 --secs 4 --connections 50 --builtin]
//! ```
//!
//! The servers run in this process, one at a time, each on a fresh runtime
//! that is dropped after its run; the accept loop is a spawned task on
//! both. The load generator is a separate process (wrk, one thread) or,
//! with `--builtin` / without wrk, one blocking thread per connection in
//! this process. Neither side is pinned: server workers and load generator
//! share the machine's cores under the scheduler at the same nice level.

use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use benches::cli::Flags;
use bytes::Bytes;
use http_body_util::Full;
use hyper::{server::conn::http1, service::service_fn, Request, Response};

const BODY: &[u8] = b"Hello, World!";

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

struct Args {
    workers: usize,
    reps: usize,
    secs: u64,
    connections: usize,
    builtin: bool,
}

const USAGE: &str = "usage: http [--workers N] [--reps R] [--secs S] [--connections C] [--builtin]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        workers: benches::DEFAULT_WORKERS,
        reps: 3,
        secs: 4,
        connections: 50,
        builtin: false,
    };
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next_flag()? {
        match flag.as_str() {
            "--workers" => args.workers = flags.positive()?,
            "--reps" => args.reps = flags.positive()?,
            "--secs" => args.secs = flags.positive()? as u64,
            "--connections" => args.connections = flags.positive()?,
            "--builtin" => args.builtin = true,
            _ => return Err(flags.unknown()),
        }
    }
    Ok(args)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Server {
    Runtime,
    Tokio,
}

/// A server running on its own runtime.
enum Running {
    Runtime(runtime::Runtime),
    Tokio(tokio::runtime::Runtime),
}

impl Running {
    /// Shuts the server's runtime down (its open connections are dropped).
    fn stop(self) {
        match self {
            Running::Runtime(rt) => rt.shutdown_timeout(Duration::from_secs(5)),
            Running::Tokio(rt) => rt.shutdown_timeout(Duration::from_secs(5)),
        }
    }
}

fn start(which: Server, listener: StdListener, workers: usize) -> Running {
    listener.set_nonblocking(true).unwrap();
    match which {
        Server::Runtime => {
            let rt = runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .thread_name("http-runtime")
                .build()
                .unwrap();
            drop(rt.spawn(async move {
                let listener = runtime::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    drop(runtime::spawn(async move {
                        let _ = http1::Builder::new()
                            .timer(runtime::hyper::Timer)
                            .serve_connection(runtime::hyper::Io::new(stream), service_fn(hello))
                            .await;
                    }));
                }
            }));
            Running::Runtime(rt)
        }
        Server::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .thread_name("http-tokio")
                .enable_all()
                .build()
                .unwrap();
            drop(rt.spawn(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(async move {
                        let _ = http1::Builder::new()
                            .timer(hyper_util::rt::TokioTimer::new())
                            .serve_connection(
                                hyper_util::rt::TokioIo::new(stream),
                                service_fn(hello),
                            )
                            .await;
                    });
                }
            }));
            Running::Tokio(rt)
        }
    }
}

/// One run's figures.
#[derive(Clone, Copy, Debug)]
struct Sample {
    requests_per_sec: f64,
    p99: Duration,
}

fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = text.split_at(split);
    let num: f64 = num.parse().ok()?;
    let secs = match unit {
        "us" => num / 1e6,
        "ms" => num / 1e3,
        "s" => num,
        "m" => num * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

fn run_wrk(addr: SocketAddr, args: &Args) -> Result<Sample, String> {
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{}", args.connections),
            &format!("-d{}s", args.secs),
            "--latency",
        ])
        .arg(format!("http://{addr}/"))
        .output()
        .map_err(|e| format!("running wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("wrk failed: {text}"));
    }
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok());
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .and_then(|v| parse_duration(v.trim()));
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        eprintln!("wrk reported errors:\n{text}");
    }
    match (rps, p99) {
        (Some(requests_per_sec), Some(p99)) => Ok(Sample {
            requests_per_sec,
            p99,
        }),
        _ => Err(format!("could not read wrk's output:\n{text}")),
    }
}

/// The built-in load generator: `connections` threads, each with one
/// kept-alive connection sending GET / and reading the response, for
/// `secs` seconds; every request's latency is recorded.
fn run_builtin(addr: SocketAddr, args: &Args) -> Result<Sample, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let request = b"GET / HTTP/1.1\r\nhost: bench\r\n\r\n";
    let threads: Vec<_> = (0..args.connections)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || -> Result<Vec<Duration>, String> {
                let mut stream = StdStream::connect(addr).map_err(|e| e.to_string())?;
                stream.set_nodelay(true).map_err(|e| e.to_string())?;
                let mut latencies = Vec::new();
                let mut buf = vec![0; 4096];
                while !stop.load(Relaxed) {
                    let start = Instant::now();
                    stream.write_all(request).map_err(|e| e.to_string())?;
                    read_response(&mut stream, &mut buf)?;
                    latencies.push(start.elapsed());
                }
                Ok(latencies)
            })
        })
        .collect();
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(args.secs));
    stop.store(true, Relaxed);
    let mut all = Vec::new();
    for thread in threads {
        all.extend(thread.join().map_err(|_| "load thread panicked")??);
    }
    let elapsed = started.elapsed();
    if all.is_empty() {
        return Err("no request completed".into());
    }
    all.sort();
    let p99 = all[(all.len() * 99 / 100).min(all.len() - 1)];
    Ok(Sample {
        requests_per_sec: all.len() as f64 / elapsed.as_secs_f64(),
        p99,
    })
}

/// Reads one response (headers, then a `content-length` body).
fn read_response(stream: &mut StdStream, buf: &mut [u8]) -> Result<(), String> {
    let mut have = 0;
    loop {
        let n = stream.read(&mut buf[have..]).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("server closed the connection".into());
        }
        have += n;
        let Some(end) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or("response without content-length")?;
        if have >= end + 4 + len {
            return Ok(());
        }
    }
}

/// The median (the mean of the middle two for an even count).
fn median_f64(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let wrk = !args.builtin && Command::new("wrk").arg("--version").output().is_ok();
    println!(
        "http: hyper hello-world, {} workers, {} connections, {} s per run, {} alternating rounds, load: {}",
        args.workers,
        args.connections,
        args.secs,
        args.reps,
        if wrk { "wrk -t1 --latency" } else { "built-in (one thread per connection)" }
    );
    let mut samples: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
    for round in 0..args.reps {
        let order = if round % 2 == 0 {
            [Server::Runtime, Server::Tokio]
        } else {
            [Server::Tokio, Server::Runtime]
        };
        for which in order {
            let listener = StdListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = start(which, listener, args.workers);
            let sample = if wrk {
                run_wrk(addr, &args)
            } else {
                run_builtin(addr, &args)
            };
            server.stop();
            match sample {
                Ok(sample) => {
                    println!(
                        "  round {round} {which:?}: {:.0} req/s, p99 {:.2} ms",
                        sample.requests_per_sec,
                        sample.p99.as_secs_f64() * 1e3
                    );
                    samples[which as usize].push(sample);
                }
                Err(err) => {
                    eprintln!("{which:?}: {err}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let rps = |s: &[Sample]| median_f64(s.iter().map(|s| s.requests_per_sec).collect());
    let p99 = |s: &[Sample]| median_f64(s.iter().map(|s| s.p99.as_secs_f64() * 1e3).collect());
    let (rt, tk) = (&samples[0], &samples[1]);
    println!("| server | median req/s | median p99 (ms) |");
    println!("| --- | ---: | ---: |");
    println!("| runtime + hyper | {:.0} | {:.2} |", rps(rt), p99(rt));
    println!(
        "| tokio + hyper-util TokioIo | {:.0} | {:.2} |",
        rps(tk),
        p99(tk)
    );
    println!(
        "ratio runtime / tokio: req/s {:.2}x, p99 {:.2}x (req/s > 1 and p99 < 1: runtime is better)",
        rps(rt) / rps(tk),
        p99(rt) / p99(tk)
    );
    ExitCode::SUCCESS
}
