//! Signals delivered through the reactor. Raising `SIGINT` here is safe:
//! the process has a handler installed (by `ctrl_c`) before the signal is
//! raised, and this file's tests run in their own process.

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::Context;

use futures_util::task::noop_waker_ref;
use runtime_io::signal::{self, SignalKind};
use signal_hook::consts::signal::{SIGINT, SIGUSR1};
use signal_hook::low_level::raise;

#[test]
fn ctrl_c_resolves_on_sigint() {
    common::with_reactor("ctrlc", |_| {
        let mut ctrl_c = pin!(signal::ctrl_c());
        // The first poll installs the handler.
        let mut cx = Context::from_waker(noop_waker_ref());
        assert!(ctrl_c.as_mut().poll(&mut cx).is_pending());
        raise(SIGINT).unwrap();
        futures_executor::block_on(ctrl_c).unwrap();
    });
}

#[test]
fn signal_stream_sees_each_delivery() {
    common::with_reactor("sigusr1", |_| {
        let mut usr1 = signal::signal(SignalKind::user_defined1()).unwrap();
        assert_eq!(usr1.kind().as_raw_value(), SIGUSR1);
        for _ in 0..3 {
            raise(SIGUSR1).unwrap();
            assert_eq!(futures_executor::block_on(usr1.recv()), Some(()));
        }
        let mut cx = Context::from_waker(noop_waker_ref());
        assert!(usr1.poll_recv(&mut cx).is_pending(), "no delivery pending");
    });
}

#[test]
fn uncatchable_signals_are_refused() {
    common::with_reactor("sigkill", |_| {
        for signum in [
            signal_hook::consts::SIGKILL,
            signal_hook::consts::SIGSEGV,
            0,
            -3,
        ] {
            let err = signal::signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        }
    });
}
