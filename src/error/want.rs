//! What a call that would block waits for: the readiness a poll loop waits
//! for before calling again.

use std::fmt;

/// What a call that would block waits for on the descriptor: to read
/// (`SSL_ERROR_WANT_READ`), to write (`SSL_ERROR_WANT_WRITE`), or either.
/// A poll loop waits for exactly this readiness
/// ([`wants_readable`](Self::wants_readable),
/// [`wants_writable`](Self::wants_writable)), then calls again: that always
/// moves the connection on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Want {
    /// The descriptor must become readable (`POLLIN`).
    Read,
    /// The descriptor must become writable (`POLLOUT`).
    Write,
    /// Either readiness moves the connection on (`POLLIN | POLLOUT`):
    /// OpenSSL waits to read while bytes it wrote earlier still wait to go
    /// out, and the peer may send before it reads them (a pipelining
    /// peer), or read them before it sends. Waiting for one alone can wait
    /// forever.
    ReadOrWrite,
}

impl Want {
    /// Whether the loop must wait for the descriptor to become readable
    /// (`POLLIN`): [`Read`](Self::Read) and [`ReadOrWrite`](Self::ReadOrWrite).
    #[doc(alias("POLLIN", "SSL_ERROR_WANT_READ"))]
    pub fn wants_readable(self) -> bool {
        matches!(self, Want::Read | Want::ReadOrWrite)
    }

    /// Whether the loop must wait for the descriptor to become writable
    /// (`POLLOUT`): [`Write`](Self::Write) and [`ReadOrWrite`](Self::ReadOrWrite).
    #[doc(alias("POLLOUT", "SSL_ERROR_WANT_WRITE"))]
    pub fn wants_writable(self) -> bool {
        matches!(self, Want::Write | Want::ReadOrWrite)
    }
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Want::Read => "read",
            Want::Write => "write",
            Want::ReadOrWrite => "read or write",
        })
    }
}
