//! No memory growth across rounds of spawning: a counting global allocator
//! tracks live heap bytes.
mod common;
use common::{watchdog, LIMIT};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
static LIVE_ALLOCS: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; the
// counter is only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, SeqCst);
        LIVE_ALLOCS.fetch_add(1, SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, SeqCst);
        LIVE_ALLOCS.fetch_sub(1, SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn three_rounds_of_100k_tasks_do_not_grow_the_heap() {
    watchdog(LIMIT, || {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let round = || {
            rt.block_on(async {
                let tasks: Vec<_> = (0..100_000u64)
                    .map(|i| runtime::spawn(async move { i }))
                    .collect();
                let mut sum = 0;
                for t in tasks {
                    sum += t.await.unwrap();
                }
                assert_eq!(sum, (0..100_000).sum::<u64>());
                // Detached tasks too.
                for _ in 0..10_000 {
                    runtime::spawn(async { runtime::yield_now().await }).detach();
                }
                while runtime::Handle::current().num_live_tasks() > 0 {
                    runtime::yield_now().await;
                }
            });
            (LIVE_ALLOCS.load(SeqCst), LIVE.load(SeqCst))
        };
        // The first round grows queues and registry slabs to their working
        // size. Later rounds may still resize a buffer or two (one
        // allocation each, possibly large), but a leaked task would be at
        // least one allocation per task: 110k per round.
        let (allocs1, bytes1) = round();
        let (allocs2, bytes2) = round();
        let (allocs3, bytes3) = round();
        let alloc_slack = 100;
        assert!(
            allocs2 <= allocs1 + alloc_slack && allocs3 <= allocs1 + alloc_slack,
            "live allocations grew: {allocs1} -> {allocs2} -> {allocs3}"
        );
        let byte_slack = 4 * 1024 * 1024;
        assert!(
            bytes3 <= bytes1 + byte_slack,
            "live heap grew: {bytes1} -> {bytes2} -> {bytes3} bytes"
        );
    });
}
