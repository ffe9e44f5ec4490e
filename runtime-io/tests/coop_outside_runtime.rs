//! The cooperative budget: outside a runtime-driven poll it never stops a
//! resource (the fairness test inside the runtime belongs to the facade).

mod common;

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::task::noop_waker_ref;
use runtime_io::io::{AsyncRead, AsyncWriteExt};
use runtime_io::net::UnixStream;

#[test]
fn reads_always_proceed_outside_a_runtime_poll() {
    common::with_reactor("coop", |_| {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        const LEN: usize = 4096;
        futures_executor::block_on(async {
            a.write_all(&[5; LEN]).await.unwrap();
            b.readable().await.unwrap();
        });
        // Far more operations than one poll's budget (128), in a single
        // "poll" (no yield in between): every one is Ready.
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut byte = [0; 1];
        for i in 0..LEN {
            match Pin::new(&mut b).poll_read(&mut cx, &mut byte) {
                Poll::Ready(Ok(1)) => assert_eq!(byte[0], 5),
                other => panic!("read {i} did not proceed: {other:?}"),
            }
        }
        assert!(runtime_core::coop::has_budget_remaining());
        drop(a);
    });
}
