//! One error type, with a variant per cause a caller can act on.
//!
//! `Error` and its accessors live here; what its variants carry by file:
//! [`Operation`] (what was being done), [`Want`] (what a blocked call waits
//! for), [`ConfigError`] and [`PostHandshakeError`] (the causes of two
//! variants), and the mapping from OpenSSL's failures to variants
//! (`from_openssl`). Uses `verify`, `alert`, `version` and `sys`.

pub(crate) mod config_error;
pub(crate) mod from_openssl;
pub(crate) mod operation;
pub(crate) mod post_handshake;
pub(crate) mod want;

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use libc::c_int;
use openssl::error::ErrorStack;

use crate::alert::Alert;
use crate::error::config_error::ConfigError;
use crate::error::operation::Operation;
use crate::error::post_handshake::PostHandshakeError;
use crate::error::want::Want;
use crate::verify::mode::Role;
use crate::verify::result::{VerifyFailure, VerifyResult};

/// Everything that can go wrong, one variant per cause a caller can act on.
///
/// The `Display` text alone says what went wrong and, where it can, what to
/// change. Verification failures keep the evidence: the `X509_V_*` result,
/// the depth and the subject of the certificate that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A verify mode with bits other than the five `SSL_VERIFY_*` flags.
    #[error(
        "invalid verify mode {mode} ({mode:#x}): bits {invalid_bits:#x} are not SSL_VERIFY_* flags \
         (allowed: NONE 0, PEER 1, FAIL_IF_NO_PEER_CERT 2, CLIENT_ONCE 4, POST_HANDSHAKE 8)"
    )]
    InvalidVerifyMode {
        /// The integer that was given.
        mode: c_int,
        /// The bits of `mode` that are not allowed.
        invalid_bits: c_int,
    },

    /// A setting that cannot work: which, and why, is the [`ConfigError`].
    #[error("invalid configuration: {0}")]
    InvalidConfig(#[source] ConfigError),

    /// A file named in the configuration could not be read.
    #[error("cannot read {what} file {}: {source}", path.display())]
    File {
        /// What the file was meant to hold, e.g. `certificate`.
        what: &'static str,
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// A certificate, key or CA file or PEM buffer that OpenSSL could not parse.
    #[error("cannot load {what} from {origin}: {reason}")]
    Load {
        /// What was being loaded, e.g. `private key`.
        what: &'static str,
        /// The file name, or `PEM bytes`.
        origin: String,
        /// Why, in OpenSSL's words where it gave any.
        reason: String,
        /// OpenSSL's errors, when it reported the failure.
        #[source]
        source: Option<ErrorStack>,
    },

    /// The private key does not belong to the certificate.
    #[error(
        "the private key ({key}) does not match the certificate ({certificate}): \
         load the key that was generated with this certificate"
    )]
    KeyMismatch {
        /// Where the certificate came from.
        certificate: String,
        /// Where the key came from.
        key: String,
    },

    /// The TCP connection could not be opened.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address as given.
        addr: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// An operation did not finish within its configured time.
    #[error("{operation} timed out{}", after.map(|d| format!(" after {d:?}")).unwrap_or_default())]
    #[doc(alias("TimeoutError", "PR_IO_TIMEOUT_ERROR"))]
    Timeout {
        /// Which operation timed out.
        operation: Operation,
        /// The configured limit, when known.
        after: Option<Duration>,
    },

    /// A non-blocking socket cannot go on without waiting: call again once
    /// the descriptor is ready as `want` says (after a write, with the same
    /// bytes, as OpenSSL's `SSL_write` requires).
    #[error("{operation} would block: OpenSSL waits for the socket to be ready to {want}")]
    #[doc(alias("SSLWantReadError", "SSLWantWriteError"))]
    WouldBlock {
        /// The operation that would have waited.
        operation: Operation,
        /// What it waits for.
        want: Want,
    },

    /// A TLS 1.3 call on a connection of another version.
    #[error("{operation} needs TLSv1.3, and the connection uses {version}")]
    NotTls13 {
        /// The call.
        operation: Operation,
        /// The negotiated version.
        version: &'static str,
    },

    /// A renegotiation asked for on a TLS 1.3 connection, which has none:
    /// nothing was sent, and the connection goes on.
    #[error(
        "{operation} needs TLSv1.2 or older, and the connection uses {version}, which has no \
         renegotiation: key_update changes the keys, request_client_certificate asks for a \
         client certificate"
    )]
    NotTls12 {
        /// The call.
        operation: Operation,
        /// The negotiated version.
        version: &'static str,
    },

    /// The peer refused a renegotiation this end asked for, with a
    /// `no_renegotiation` warning; OpenSSL then ends the connection with a
    /// fatal `handshake_failure` alert, as `openssl s_client` does.
    #[error(
        "the peer refused to renegotiate (a no_renegotiation warning), and OpenSSL ended the \
         connection: an OpenSSL server lets its clients renegotiate only when allowed \
         (SSL_OP_ALLOW_CLIENT_RENEGOTIATION: set_renegotiation(true) here, \
         `openssl s_server -client_renegotiation`), and a client with \
         SSL_OP_NO_RENEGOTIATION refuses its server's"
    )]
    RenegotiationRefused {
        /// OpenSSL's errors (`no renegotiation`).
        #[source]
        source: ErrorStack,
    },

    /// This side's verification of the peer's certificate failed and the
    /// verify mode made the handshake abort.
    #[error("certificate verification failed: {failure}")]
    #[doc(alias = "SSLCertVerificationError")]
    VerifyFailed {
        /// The result, the depth and subject of the certificate that failed,
        /// and the alert this side sent for it.
        failure: VerifyFailure,
    },

    /// The peer sent a fatal alert.
    #[error("the peer sent a fatal TLS alert {alert} during {during}: {}", alert.hint())]
    AlertReceived {
        /// The alert.
        alert: Alert,
        /// What this side was doing.
        during: Operation,
    },

    /// A server whose mode has `PEER | FAIL_IF_NO_PEER_CERT` got no client certificate.
    #[error(
        "the client sent no certificate, but this server's verify mode requires one \
         (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT)"
    )]
    PeerCertificateRequired,

    /// The peer sent something that is not TLS (plaintext HTTP, for instance).
    #[error(
        "the peer does not speak TLS ({reason}): is it a plaintext service, or is the port wrong?"
    )]
    NotTls {
        /// OpenSSL's reason, e.g. `http request`.
        reason: String,
    },

    /// No protocol version both ends allow.
    #[error("no TLS protocol version in common with the peer ({reason}): check the minimum and maximum versions")]
    ProtocolVersion {
        /// OpenSSL's reason.
        reason: String,
    },

    /// The peer closed the connection before the handshake finished.
    #[error("the peer closed the connection during the handshake")]
    HandshakeEof,

    /// The peer closed the TCP connection without a TLS close_notify: what
    /// was read may be truncated. A clean close reads as `Ok(0)`.
    #[error("the peer closed the TCP connection without sending close_notify: the data may be truncated")]
    #[doc(alias = "SSLEOFError")]
    UnexpectedEof,

    /// A client configuration checks host names, and the connection was
    /// given none to check (Python's `check_hostname requires server_hostname`).
    /// Nothing was sent to the peer.
    #[error(
        "the host-name check needs a server name to check the certificate against: pass one \
         (the server_name argument or SslConfigBuilder::set_server_name), or turn the check off \
         with set_check_hostname(false)"
    )]
    ServerNameRequired,

    /// A peer sent more application data than the configured limit while
    /// [`request_client_certificate`](crate::SslSocket::request_client_certificate)
    /// waited for its certificate, or
    /// [`renegotiate`](crate::SslSocket::renegotiate) for the renegotiation
    /// to complete. The request stays pending; the data kept so far is
    /// returned by the next reads, and the rest stays unread.
    #[error(
        "the peer sent more than {limit} bytes of application data while a certificate \
         request or a renegotiation was pending (raise it with set_post_handshake_buffer_limit)"
    )]
    PostHandshakeBufferFull {
        /// The configured limit, in bytes.
        limit: usize,
    },

    /// The call needs a configuration of the role given, and was given one
    /// of the other (a client connection from `SslConfig::server()`, a
    /// listener from `SslConfig::client()`).
    #[error("a {0} connection needs a configuration made by SslConfig::{0}()")]
    WrongRole(Role),

    /// A client certificate cannot be requested after the handshake, and why.
    #[error("cannot request a client certificate after the handshake: {0}")]
    PostHandshake(#[from] PostHandshakeError),

    /// An application callback panicked; the handshake (or read) it ran in
    /// was failed instead of letting the panic unwind into OpenSSL.
    #[error("the {callback} callback panicked: {message}")]
    CallbackPanicked {
        /// Which callback.
        callback: &'static str,
        /// The panic message.
        message: String,
    },

    /// Something a connection cannot give, and why: exported keying
    /// material or a channel binding before the handshake is complete,
    /// `tls-unique` on TLS 1.3 or without Extended Master Secret, ...
    #[error("{what} is not available: {reason}")]
    Unavailable {
        /// What was asked for.
        what: &'static str,
        /// Why it cannot be had.
        reason: &'static str,
        /// OpenSSL's errors, when it refused.
        #[source]
        source: Option<ErrorStack>,
    },

    /// A call that this socket cannot take now, and why (a session set on
    /// a server socket, or after the handshake).
    #[error("{call} cannot be used here: {reason}")]
    InvalidState {
        /// The call.
        call: &'static str,
        /// Why not.
        reason: &'static str,
    },

    /// Any other TLS-level failure, with OpenSSL's error stack.
    #[error("TLS error during {during}: {source}")]
    Tls {
        /// What this side was doing.
        during: Operation,
        /// OpenSSL's errors.
        #[source]
        source: ErrorStack,
    },

    /// An I/O error on the underlying socket.
    #[error("I/O error during {during}: {source}")]
    Io {
        /// What this side was doing.
        during: Operation,
        /// The error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// A [`Error::Load`] for an OpenSSL failure, its reason in OpenSSL's words.
    pub(crate) fn load(what: &'static str, origin: String, source: ErrorStack) -> Error {
        Error::Load {
            what,
            origin,
            reason: source.to_string(),
            source: Some(source),
        }
    }

    /// The verification result carried by this error, if it has one.
    pub fn verify_result(&self) -> Option<VerifyResult> {
        match self {
            Error::VerifyFailed { failure } => Some(failure.result),
            _ => None,
        }
    }

    /// The alert the peer sent, if that is what this error is.
    pub fn alert(&self) -> Option<Alert> {
        match self {
            Error::AlertReceived { alert, .. } => Some(*alert),
            _ => None,
        }
    }

    /// The alert this side sent to the peer, for a failed verification
    /// ([`VerifyFailure::alert_sent`]).
    pub fn alert_sent(&self) -> Option<Alert> {
        match self {
            Error::VerifyFailed { failure } => failure.alert_sent,
            _ => None,
        }
    }

    /// True for [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// True for [`Error::WouldBlock`]: a non-blocking call that must be made
    /// again once the descriptor is ready (see [`would_block`](Self::would_block)).
    pub fn is_would_block(&self) -> bool {
        matches!(self, Error::WouldBlock { .. })
    }

    /// For [`Error::WouldBlock`], what the call waits for: to read, to
    /// write, or either (see [`Want`]).
    pub fn would_block(&self) -> Option<Want> {
        match self {
            Error::WouldBlock { want, .. } => Some(*want),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match &e {
            Error::Io { source, .. } | Error::Connect { source, .. } => source.kind(),
            Error::Timeout { .. } => io::ErrorKind::TimedOut,
            Error::WouldBlock { .. } => io::ErrorKind::WouldBlock,
            Error::UnexpectedEof | Error::HandshakeEof => io::ErrorKind::UnexpectedEof,
            Error::InvalidVerifyMode { .. }
            | Error::InvalidConfig(_)
            | Error::ServerNameRequired => io::ErrorKind::InvalidInput,
            Error::File { source, .. } => source.kind(),
            Error::AlertReceived { .. }
            | Error::VerifyFailed { .. }
            | Error::RenegotiationRefused { .. } => io::ErrorKind::ConnectionAborted,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}
