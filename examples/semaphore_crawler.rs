//! A crawler whose concurrency is limited by a `Semaphore`: ten named fetch
//! tasks over real TCP connections, at most three at a time, with errors
//! returned in place of results.
//!
//! Mirrors seed `000_a7e8669c975f09da.txt`, section "Practical Task Creation
//! Example" (`fetch_url(session, url, semaphore)` with `async with
//! semaphore`, `crawl(urls, max_concurrent=3)`, tasks named `f"Fetch {url}"`,
//! `gather(*tasks, return_exceptions=True)`, "Crawled N URLs successfully
//! out of 10", "Crawl completed in X seconds").
//!
//! ```text
//! cargo run --release --example semaphore_crawler
//! ```
//!
//! No network is used: the example starts a small HTTP/1.1 server on
//! 127.0.0.1 (an ephemeral port) that answers each request after 0.2 s, and
//! the ten URLs are pages of it named after the seed's sites. The last URL
//! points at a port nobody listens on, so the error path of `fetch_url`
//! runs too. Nine 0.2 s fetches, three at a time, take about 0.6 s (three
//! rounds); the refused one fails at once.

use runtime::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::Semaphore;
use runtime::time::{sleep, timeout, Duration, Instant};
use std::io;
use std::sync::Arc;

// ---------------------------------------------------------------- server --

/// Serves every connection in a task of its own; each request is answered
/// after `delay` with a page whose size depends on the path.
async fn serve(listener: TcpListener, delay: Duration) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                runtime::spawn(async move {
                    if let Err(e) = answer(stream, delay).await {
                        eprintln!("server: {e}");
                    }
                });
            }
            Err(e) => eprintln!("server: accept failed: {e}"),
        }
    }
}

/// Reads one request, waits `delay`, writes one response and closes.
async fn answer(stream: TcpStream, delay: Duration) -> io::Result<()> {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).await?;
    loop {
        // Skip the headers, up to the blank line.
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    sleep(delay).await; // the "slow backend"
    let body = format!("<html><body>{}</body></html>\n", path.repeat(40));
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    (&stream).write_all(response.as_bytes()).await
}

// ---------------------------------------------------------------- client --

/// `session.get(url)` + `response.text()`: one HTTP/1.1 GET over a new
/// connection; returns the body.
async fn http_get(url: &str) -> io::Result<String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an http:// URL"))?;
    let (host, path) = match rest.split_once('/') {
        Some((host, path)) => (host, format!("/{path}")),
        None => (rest, "/".to_string()),
    };
    let mut stream = TcpStream::connect(host).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no HTTP header"))?;
    if !head.starts_with("HTTP/1.1 200") {
        let status = head.lines().next().unwrap_or_default();
        return Err(io::Error::other(format!("unexpected status: {status}")));
    }
    Ok(body.to_string())
}

async fn fetch_url(url: String, semaphore: Arc<Semaphore>) -> Option<String> {
    // Use the semaphore to limit concurrent requests (`async with semaphore`).
    let _permit = semaphore.acquire().await.ok()?;
    let start_time = Instant::now();
    println!("Fetching {url}");
    match timeout(Duration::from_secs(10), http_get(&url)).await {
        Ok(Ok(content)) => {
            let elapsed = start_time.elapsed().as_secs_f64();
            println!(
                "Fetched {url} ({} bytes) in {elapsed:.2} seconds",
                content.len()
            );
            Some(content)
        }
        Ok(Err(e)) => {
            let elapsed = start_time.elapsed().as_secs_f64();
            println!("Error fetching {url} after {elapsed:.2} seconds: {e}");
            None
        }
        Err(e) => {
            let elapsed = start_time.elapsed().as_secs_f64();
            println!("Error fetching {url} after {elapsed:.2} seconds: {e}");
            None
        }
    }
}

async fn crawl(
    urls: &[String],
    max_concurrent: usize,
) -> Vec<Result<Option<String>, runtime::JoinError>> {
    // Create a semaphore to limit concurrency.
    let semaphore = Arc::new(Semaphore::new(max_concurrent));

    // Create a named task for each URL.
    let tasks: Vec<_> = urls
        .iter()
        .map(|url| {
            runtime::task::Builder::new()
                .name(format!("Fetch {url}"))
                .spawn(fetch_url(url.clone(), semaphore.clone()))
        })
        .collect();

    // Wait for all tasks and collect their results, a failed task's error in
    // its place (gather(*tasks, return_exceptions=True)).
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await);
    }

    // Process the results.
    let successful = results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
    println!(
        "Crawled {successful} URLs successfully out of {}",
        urls.len()
    );
    results
}

#[runtime::main]
async fn main() -> io::Result<()> {
    // The local "web": a server on an ephemeral port, and a port that refuses.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let web = listener.local_addr()?;
    let server = runtime::spawn(serve(listener, Duration::from_millis(200)));
    let refused = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?; // closed again at once

    // List of URLs to fetch.
    let mut urls: Vec<String> = [
        "www.python.org",
        "www.github.com",
        "www.stackoverflow.com",
        "www.wikipedia.org",
        "www.reddit.com",
        "www.bbc.com",
        "www.cnn.com",
        "www.nytimes.com",
        "www.washingtonpost.com",
    ]
    .iter()
    .map(|site| format!("http://{web}/{site}"))
    .collect();
    urls.push(format!("http://{refused}/www.theguardian.com"));

    println!("Starting crawler with {} URLs", urls.len());
    let start_time = Instant::now();

    let _results = crawl(&urls, 3).await;

    let elapsed = start_time.elapsed().as_secs_f64();
    println!("Crawl completed in {elapsed:.2} seconds");

    server.cancel();
    Ok(())
}
