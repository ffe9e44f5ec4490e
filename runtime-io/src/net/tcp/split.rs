//! The halves a [`TcpStream`] splits into (`net::split` has the shared
//! definition); TCP's own addition is `peek`.

use std::io;
use std::net::SocketAddr;

use super::TcpStream;

split_halves!(TcpStream, SocketAddr);

impl ReadHalf<'_> {
    /// Like [`TcpStream::peek`].
    ///
    /// Cancel safety: yes: it takes nothing.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.peek(buf).await
    }
}

impl OwnedReadHalf {
    /// Like [`TcpStream::peek`].
    ///
    /// Cancel safety: yes: it takes nothing.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.peek(buf).await
    }
}
