//! What the crate was doing when an error happened.

use std::fmt;

/// What the crate was doing when an error happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Binding a listening socket.
    Bind,
    /// Accepting a TCP connection.
    Accept,
    /// Opening the TCP connection.
    Connect,
    /// The TLS handshake.
    Handshake,
    /// Reading application data.
    Read,
    /// Writing application data.
    Write,
    /// Sending or waiting for close_notify.
    Shutdown,
    /// Asking the client for a certificate after the handshake.
    PostHandshakeAuth,
    /// Sending a TLS 1.3 KeyUpdate.
    KeyUpdate,
    /// A TLS 1.2 renegotiation this end started.
    Renegotiation,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Bind => "bind",
            Operation::Accept => "accept",
            Operation::Connect => "connect",
            Operation::Handshake => "the handshake",
            Operation::Read => "read",
            Operation::Write => "write",
            Operation::Shutdown => "shutdown",
            Operation::PostHandshakeAuth => "post-handshake authentication",
            Operation::KeyUpdate => "the key update",
            Operation::Renegotiation => "the renegotiation",
        })
    }
}
