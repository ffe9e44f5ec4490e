use std::time::Duration;
#[test]
fn smoke() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let v = rt.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..1000u64 {
            tasks.push(runtime::spawn(async move {
                runtime::yield_now().await;
                i * 2
            }));
        }
        let mut sum = 0;
        for t in tasks {
            sum += t.await.unwrap();
        }
        sum
    });
    assert_eq!(v, 999 * 1000);
    rt.shutdown_timeout(Duration::from_secs(5));
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let v = rt.block_on(async {
        let t = runtime::spawn(async { 5 });
        t.await.unwrap()
    });
    assert_eq!(v, 5);
}
