//! Waiting for a non-blocking `connect` to finish.

use std::io;

use crate::reactor::{Direction, Registration};

/// Waits until the connection attempt of a freshly created stream socket has
/// finished: `Ok` once connected, the socket's error otherwise.
///
/// `take_error` reads `SO_ERROR`; `is_connected` asks for the peer address,
/// which fails with `NotConnected` while the handshake is still going on.
pub(crate) async fn wait_connected(
    registration: &Registration,
    take_error: impl Fn() -> io::Result<Option<io::Error>>,
    is_connected: impl Fn() -> io::Result<()>,
) -> io::Result<()> {
    loop {
        let event = registration.ready(Direction::Write).await?;
        if let Some(err) = take_error()? {
            return Err(err);
        }
        match is_connected() {
            Ok(()) => return Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotConnected => {
                if event.ready.is_closed_or_error() {
                    // Closed without a pending error and never connected.
                    return Err(err);
                }
                // A spurious wake-up: the handshake is still in progress.
                registration.clear(event);
            }
            Err(err) => return Err(err),
        }
    }
}
