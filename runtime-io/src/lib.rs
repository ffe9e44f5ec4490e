//! runtime-io: the mio reactor thread, sockets and signals for `runtime`.
