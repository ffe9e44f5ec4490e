//! `shield`: work that must finish (a database commit) keeps running when
//! whoever was waiting for it is cancelled.
//!
//! Mirrors two seed programs, with seconds turned into tenths of a second:
//!
//! 1. seed `000_a7e8669c975f09da.txt`, "Shielding Tasks from Cancellation"
//!    (`shielded = asyncio.shield(critical_operation())`, a parent task
//!    awaiting it is cancelled after 1 s, then `await shielded` still gives
//!    "Critical result");
//! 2. seed `002_3d15c173cfc8d45d.txt`, "Shielding Tasks" (`handler(data)`
//!    awaits `asyncio.shield(critical_save(data))`; even if the handler is
//!    cancelled, the save completes).
//!
//! ```text
//! cargo run --release --example shield_critical_save
//! ```
//!
//! `runtime::shield(fut)` runs `fut` as a task of its own and returns a
//! `Task` handle; cancelling or dropping that handle never reaches the work.
//! A `Task` handle has one owner, while an asyncio future can be awaited from
//! several places: `.shared()` (from `futures-util`) gives program 1 the
//! second awaiter it needs.

use futures_util::FutureExt;
use runtime::sync::{Event, Mutex};
use runtime::time::{sleep, Duration};
use std::sync::Arc;

async fn critical_operation() -> &'static str {
    println!("Critical operation started");
    sleep(Duration::from_millis(200)).await;
    println!("Critical operation completed");
    "Critical result"
}

/// A stand-in database: a commit takes 0.1 s.
#[derive(Default)]
struct Db {
    rows: Mutex<Vec<String>>,
    committed: Event,
}

impl Db {
    async fn commit(&self, data: String) {
        sleep(Duration::from_millis(100)).await;
        println!("db: committed {data:?}");
        self.rows.lock().await.push(data);
        self.committed.set();
    }
}

async fn critical_save(db: Arc<Db>, data: String) {
    db.commit(data).await;
}

async fn handler(db: Arc<Db>, data: String) {
    // Even if handler is cancelled, the save will complete.
    let _ = runtime::shield(critical_save(db, data)).await;
    println!("handler: saved"); // not reached when the handler is cancelled
}

#[runtime::main]
async fn main() {
    // --- 1. A shielded operation outlives its cancelled parent ---
    // Create a shielded task; `.shared()` lets both the parent and main await it.
    let shielded = runtime::shield(critical_operation())
        .map(|result| result.map_err(|e| e.to_string()))
        .shared();

    // Start a parent task that awaits the shielded work...
    let task = runtime::spawn(shielded.clone());
    // ...wait a bit, then cancel it.
    sleep(Duration::from_millis(100)).await;
    task.cancel();
    if let Err(e) = task.await {
        if e.is_cancelled() {
            println!("Parent task was cancelled, but child continues");
        }
    }

    // The critical operation continues regardless.
    match shielded.await {
        Ok(result) => println!("Got result: {result}"),
        Err(_) => println!("Critical operation was also cancelled"),
    }

    println!();

    // --- 2. handler(data) is cancelled mid-save; the save completes ---
    let db = Arc::new(Db::default());
    let request = runtime::spawn(handler(db.clone(), "order #42".to_string()));
    sleep(Duration::from_millis(30)).await;
    request.cancel(); // say, the client went away
    let cancelled = request.await.is_err_and(|e| e.is_cancelled());
    println!("handler cancelled: {cancelled}");
    db.committed.wait().await;
    println!("rows in db: {:?}", *db.rows.lock().await);
}
