//! Socket address inputs and name resolution off the calling thread.

use std::future::{poll_fn, Future};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, Waker};

/// Anything a socket can bind, connect or send to: a [`SocketAddr`] (or
/// its V4/V6 forms), an `(ip, port)` pair, `"host:port"` as `&str` or
/// [`String`], a `(host, port)` pair, or a slice of addresses.
///
/// Literal addresses are used as they are; host names are resolved on a
/// helper thread, so the calling task's thread never blocks on DNS. Like
/// `std`'s trait of the same name, a name may resolve to several addresses,
/// which are tried in order.
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

#[allow(unreachable_pub)] // reachable only as the sealed supertrait
pub(crate) mod sealed {
    use std::io;
    use std::net::SocketAddr;

    /// What an address input turns into.
    #[derive(Debug)]
    pub enum AddrRequest {
        /// Already resolved (literal addresses, or an error).
        Done(io::Result<Vec<SocketAddr>>),
        /// A host name to look up, as `std::net::ToSocketAddrs` takes it.
        Lookup(String, u16),
        /// `"host:port"` to look up.
        LookupStr(String),
    }

    /// The hidden half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait ToSocketAddrsPriv {
        /// Splits literal addresses from names that need a lookup.
        fn to_request(&self) -> AddrRequest;
    }
}

use sealed::{AddrRequest, ToSocketAddrsPriv};

macro_rules! literal_addr {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl ToSocketAddrsPriv for $ty {
            fn to_request(&self) -> AddrRequest {
                AddrRequest::Done(Ok(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}

literal_addr!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for str {}
impl ToSocketAddrsPriv for str {
    fn to_request(&self) -> AddrRequest {
        match self.parse::<SocketAddr>() {
            Ok(addr) => AddrRequest::Done(Ok(vec![addr])),
            Err(_) => AddrRequest::LookupStr(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl ToSocketAddrsPriv for String {
    fn to_request(&self) -> AddrRequest {
        self.as_str().to_request()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrsPriv for (&str, u16) {
    fn to_request(&self) -> AddrRequest {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => AddrRequest::Done(Ok(vec![SocketAddr::new(ip, port)])),
            Err(_) => AddrRequest::Lookup(host.to_owned(), port),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrsPriv for (String, u16) {
    fn to_request(&self) -> AddrRequest {
        (self.0.as_str(), self.1).to_request()
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl ToSocketAddrsPriv for [SocketAddr] {
    fn to_request(&self) -> AddrRequest {
        AddrRequest::Done(Ok(self.to_vec()))
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrsPriv + ?Sized> ToSocketAddrsPriv for &T {
    fn to_request(&self) -> AddrRequest {
        (**self).to_request()
    }
}

/// Resolves `addr`, looking names up on a helper thread.
pub(crate) async fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    let addrs = match addr.to_request() {
        AddrRequest::Done(result) => result?,
        AddrRequest::Lookup(host, port) => {
            lookup_off_thread(move || std::net::ToSocketAddrs::to_socket_addrs(&(&*host, port)))
                .await?
        }
        AddrRequest::LookupStr(text) => {
            lookup_off_thread(move || std::net::ToSocketAddrs::to_socket_addrs(&*text)).await?
        }
    };
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "runtime::net: the address resolved to no socket address",
        ));
    }
    Ok(addrs)
}

/// Tries `op` on each address in turn; returns the first success or the
/// last error.
pub(crate) async fn try_each<T, F, Fut>(addrs: Vec<SocketAddr>, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last_err = None;
    for addr in addrs {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(err) => last_err = Some(err),
        }
    }
    Err(last_err.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "runtime::net: no address to try",
        )
    }))
}

type LookupResult = io::Result<Vec<SocketAddr>>;

#[derive(Default)]
struct LookupSlot {
    result: Option<LookupResult>,
    waker: Option<Waker>,
}

/// Runs a blocking lookup on the runtime's blocking pool (or, with no
/// runtime, on its own thread) and waits for it without blocking the
/// caller's thread.
async fn lookup_off_thread<I>(
    lookup: impl FnOnce() -> io::Result<I> + Send + 'static,
) -> LookupResult
where
    I: Iterator<Item = SocketAddr>,
{
    // Inside a runtime: its blocking pool.
    if let Ok(handle) = runtime_core::scheduler::Handle::try_current() {
        let task = handle.spawn_blocking(move || lookup().map(Iterator::collect));
        return task.await.unwrap_or_else(|e| {
            Err(io::Error::other(format!(
                "runtime::net: the name lookup did not finish: {e}"
            )))
        });
    }
    // A bare reactor without a runtime (runtime-io's own tests): a thread.
    let slot = Arc::new(Mutex::new(LookupSlot::default()));
    let thread_slot = Arc::clone(&slot);
    std::thread::Builder::new()
        .name("runtime-net-resolve".into())
        .spawn(move || {
            // Publishes the outcome even if the lookup panics.
            struct Publish(Arc<Mutex<LookupSlot>>, Option<LookupResult>);
            impl Drop for Publish {
                fn drop(&mut self) {
                    let result = self.1.take().unwrap_or_else(|| {
                        Err(io::Error::other("runtime::net: the name lookup panicked"))
                    });
                    let waker = {
                        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
                        slot.result = Some(result);
                        slot.waker.take()
                    };
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                }
            }
            let mut publish = Publish(thread_slot, None);
            publish.1 = Some(lookup().map(Iterator::collect));
        })?;
    poll_fn(|cx| {
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await
}
