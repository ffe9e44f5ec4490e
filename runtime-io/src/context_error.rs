//! Errors that say which operation on which path (or program) failed,
//! without hiding the OS error: the kind is kept, so
//! `err.kind() == ErrorKind::NotFound` still works, and
//! [`std::error::Error::source`] hands back the original `io::Error`
//! (with its `raw_os_error`).

use std::error::Error;
use std::fmt;
use std::io;

/// Wraps `source` in an error whose message starts with `context`, of the
/// same kind.
pub(crate) fn with_context(source: io::Error, context: String) -> io::Error {
    let kind = source.kind();
    io::Error::new(kind, ContextError { context, source })
}

#[derive(Debug)]
struct ContextError {
    context: String,
    source: io::Error,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.source)
    }
}

impl Error for ContextError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_kind_and_the_os_error() {
        let os = io::Error::from_raw_os_error(2); // ENOENT
        let err = with_context(os, "runtime::fs::read `/nope`".into());
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let text = err.to_string();
        assert!(text.starts_with("runtime::fs::read `/nope`: "), "{text}");
        let inner = err
            .source()
            .and_then(|s| s.downcast_ref::<io::Error>())
            .expect("the original error is the source");
        assert_eq!(inner.raw_os_error(), Some(2));
    }
}
