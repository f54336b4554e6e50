//! One error type, with a variant per cause a caller can act on.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use libc::c_int;
use openssl::error::ErrorStack;
use openssl::ssl::{self, ErrorCode, SslRef};
use openssl_sys::SSL_AD_REASON_OFFSET;

use crate::alert::Alert;
use crate::sys::reasons::{
    ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED, SSL_R_HTTPS_PROXY_REQUEST, SSL_R_HTTP_REQUEST,
    SSL_R_NO_PROTOCOLS_AVAILABLE, SSL_R_PACKET_LENGTH_TOO_LONG,
    SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, SSL_R_UNEXPECTED_EOF_WHILE_READING,
    SSL_R_UNKNOWN_PROTOCOL, SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_VERSION_TOO_LOW,
    SSL_R_WRONG_SSL_VERSION, SSL_R_WRONG_VERSION_NUMBER,
};
use crate::verify::mode::{Role, VerifyMode};
use crate::verify::result::{VerifyFailure, VerifyResult};
use crate::version::TlsVersion;

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

/// Turns an `openssl::ssl::Error` into the variant that names its cause.
///
/// `ssl` is the connection it happened on (for the verify result),
/// `failure` what the verify callback recorded, if anything, and
/// `alert_sent` the fatal alert this side sent.
pub(crate) fn classify(
    err: ssl::Error,
    during: Operation,
    timeout: Option<Duration>,
    ssl: &SslRef,
    failure: Option<VerifyFailure>,
    alert_sent: Option<u8>,
) -> Error {
    if let Some(io) = err.io_error() {
        return match io.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::Timeout {
                operation: during,
                after: timeout,
            },
            io::ErrorKind::UnexpectedEof if during == Operation::Handshake => Error::HandshakeEof,
            _ => match err.into_io_error() {
                Ok(source) => Error::Io { during, source },
                Err(e) => Error::Io {
                    during,
                    source: io::Error::other(e),
                },
            },
        };
    }
    let eof = if during == Operation::Handshake {
        Error::HandshakeEof
    } else {
        Error::UnexpectedEof
    };
    match err.code() {
        ErrorCode::ZERO_RETURN if during == Operation::Handshake => return Error::HandshakeEof,
        ErrorCode::SYSCALL if err.ssl_error().is_none() => return eof,
        ErrorCode::WANT_READ | ErrorCode::WANT_WRITE => {
            return Error::Timeout {
                operation: during,
                after: timeout,
            }
        }
        _ => {}
    }
    let Some(stack) = err.ssl_error().cloned() else {
        return Error::Io {
            during,
            source: io::Error::other(err.to_string()),
        };
    };
    for e in stack.errors() {
        if e.library_code() != ERR_LIB_SSL {
            continue;
        }
        let reason = e.reason_code();
        let text = || e.reason().unwrap_or("unknown").to_string();
        match reason {
            r if (SSL_AD_REASON_OFFSET..SSL_AD_REASON_OFFSET + 256).contains(&r) => {
                return Error::AlertReceived {
                    alert: Alert::from_code((r - SSL_AD_REASON_OFFSET) as u8),
                    during,
                }
            }
            SSL_R_CERTIFICATE_VERIFY_FAILED => {
                let mut failure = failure.unwrap_or_else(|| {
                    VerifyFailure::new(
                        VerifyResult::from_code(ssl.verify_result().as_raw()),
                        0,
                        crate::sys::names::subject_of(ssl.peer_certificate().as_deref()),
                    )
                });
                failure.alert_sent = failure.alert_sent.or(alert_sent.map(Alert::from_code));
                return Error::VerifyFailed { failure };
            }
            SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE => return Error::PeerCertificateRequired,
            // Only a peer that never completed a handshake may not speak
            // TLS; after one, a bad record is that record's failure.
            SSL_R_HTTP_REQUEST
            | SSL_R_HTTPS_PROXY_REQUEST
            | SSL_R_WRONG_VERSION_NUMBER
            | SSL_R_UNKNOWN_PROTOCOL
            | SSL_R_PACKET_LENGTH_TOO_LONG
                if during == Operation::Handshake =>
            {
                return Error::NotTls { reason: text() }
            }
            SSL_R_UNSUPPORTED_PROTOCOL
            | SSL_R_NO_PROTOCOLS_AVAILABLE
            | SSL_R_WRONG_SSL_VERSION
            | SSL_R_VERSION_TOO_LOW => return Error::ProtocolVersion { reason: text() },
            SSL_R_UNEXPECTED_EOF_WHILE_READING => return eof,
            _ => {}
        }
    }
    Error::Tls {
        during,
        source: stack,
    }
}

/// Which setting cannot work, and why: the cause of
/// [`Error::InvalidConfig`], one variant per thing to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// SSL 2.0 or 3.0, which OpenSSL no longer implements.
    #[error(
        "{0} is not supported: it is broken and OpenSSL no longer implements it; \
         use TLSv1.2 or TLSv1.3"
    )]
    UnsupportedVersion(TlsVersion),

    /// A protocol version name that is not one.
    #[error("unknown protocol version {0:?}: use TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3")]
    UnknownVersion(String),

    /// The minimum version is above the maximum.
    #[error(
        "{} version {min} is above maximum version {max}{}",
        if *.default_min { "the default minimum" } else { "minimum" },
        if *.default_min { ": allow it with set_min_version(Some(TlsVersion::...))" } else { "" }
    )]
    VersionRange {
        /// The minimum.
        min: TlsVersion,
        /// The maximum.
        max: TlsVersion,
        /// The minimum is the default (TLS 1.2), not one that was set.
        default_min: bool,
    },

    /// A TLS 1.2 cipher list OpenSSL rejects (`SSL_CTX_set_cipher_list`).
    #[error("cipher list {list:?}: {source}")]
    CipherList {
        /// The list as given.
        list: String,
        /// OpenSSL's errors.
        source: ErrorStack,
    },

    /// TLS 1.3 ciphersuites OpenSSL rejects (`SSL_CTX_set_ciphersuites`).
    #[error("TLS 1.3 ciphersuites {suites:?}: {source}")]
    Ciphersuites {
        /// The suites as given.
        suites: String,
        /// OpenSSL's errors.
        source: ErrorStack,
    },

    /// A key-exchange group list OpenSSL rejects (`SSL_CTX_set1_groups_list`).
    #[error("key-exchange groups {list:?}: {source}")]
    Groups {
        /// The list as given.
        list: String,
        /// OpenSSL's errors.
        source: ErrorStack,
    },

    /// A signature algorithm list OpenSSL rejects (`SSL_CTX_set1_sigalgs_list`).
    #[error("signature algorithms {list:?}: {source}")]
    Sigalgs {
        /// The list as given.
        list: String,
        /// OpenSSL's errors.
        source: ErrorStack,
    },

    /// A setting the OpenSSL this crate was built against does not have.
    #[error("{setting} needs OpenSSL {version} or later")]
    NeedsNewerOpenSsl {
        /// The setting.
        setting: &'static str,
        /// The first OpenSSL release that has it.
        version: &'static str,
    },

    /// A server configuration without a certificate and key.
    #[error(
        "a server needs a certificate and a private key: call set_certificate_file and \
         set_private_key_file"
    )]
    MissingIdentity,

    /// A certificate without its private key.
    #[error("a certificate was given without its private key: call set_private_key_file")]
    MissingPrivateKey,

    /// A private key without its certificate.
    #[error("a private key was given without its certificate: call set_certificate_file")]
    MissingCertificate,

    /// Both a PKCS#12 identity and a certificate or private key were given.
    #[error(
        "both a PKCS#12 file and a certificate or private key were given: use set_pkcs12_file \
         alone, or set_certificate_file with set_private_key_file"
    )]
    Pkcs12AndCertificate,

    /// An encrypted private key, or a password-protected PKCS#12 file, and
    /// no password for it. OpenSSL is never left to prompt on the terminal.
    #[error(
        "the {what} {origin} is encrypted and no password was given: pass it with \
         set_private_key_password or set_private_key_password_callback (for PKCS#12, \
         set_pkcs12_file's password)"
    )]
    KeyPasswordRequired {
        /// `private key` or `PKCS#12 file`.
        what: &'static str,
        /// The file name, or `PEM bytes` / `DER bytes`.
        origin: String,
    },

    /// The password given does not decrypt the key or PKCS#12 file.
    #[error("the password does not decrypt the {what} {origin}: {source}")]
    WrongKeyPassword {
        /// `private key` or `PKCS#12 file`.
        what: &'static str,
        /// The file name, or `PEM bytes` / `DER bytes`.
        origin: String,
        /// OpenSSL's errors (`bad decrypt`, `mac verify failure`, ...).
        source: ErrorStack,
    },

    /// A password OpenSSL cannot take: longer than its 1024-byte buffer,
    /// or (for PKCS#12) with a NUL byte.
    #[error("the password for the {what} {origin} cannot be used: it {why}")]
    KeyPasswordUnusable {
        /// `private key` or `PKCS#12 file`.
        what: &'static str,
        /// The file name, or `PEM bytes` / `DER bytes`.
        origin: String,
        /// What is wrong with it.
        why: &'static str,
    },

    /// Flag bits OpenSSL does not define (`X509_V_FLAG_*`, `X509_CHECK_FLAG_*`).
    #[error("invalid {kind} flags {given:#x}: bits {unknown:#x} are not {kind} flags")]
    UnknownFlags {
        /// Which flags, e.g. `X509_V_FLAG_*`.
        kind: &'static str,
        /// The integer given.
        given: u64,
        /// Its bits that are not flags.
        unknown: u64,
    },

    /// An ALPN protocol name that is empty or longer than 255 bytes.
    #[error("ALPN protocol {0:?} must be 1 to 255 bytes long")]
    AlpnProtocol(String),

    /// A setting OpenSSL takes as a C string (a cipher list, a server
    /// name) that holds a NUL byte.
    #[error("{setting} {value:?} contains a NUL byte")]
    NulByte {
        /// Which setting, e.g. `cipher list`.
        setting: &'static str,
        /// The value as given.
        value: String,
    },

    /// A verify-mode string that is neither an integer nor `SSL_VERIFY_*` names.
    #[error(
        "cannot parse verify mode {given:?}: {part:?} is neither an integer nor one of \
         NONE, PEER, FAIL_IF_NO_PEER_CERT, CLIENT_ONCE, POST_HANDSHAKE"
    )]
    VerifyModeSyntax {
        /// The whole string.
        given: String,
        /// The part that is not a name.
        part: String,
    },

    /// An integer that is not one of Python's `CERT_*` values.
    #[error(
        "{0} is not a Python cert_reqs value: use 0 (CERT_NONE), 1 (CERT_OPTIONAL) or \
         2 (CERT_REQUIRED)"
    )]
    CertReqs(c_int),

    /// OpenSSL refused a step of building the context (creating it, the
    /// protocol versions, the session id context, the system CA store, the
    /// ALPN list).
    #[error("{step}: {source}")]
    OpenSsl {
        /// The step, e.g. `loading the system CA store`.
        step: &'static str,
        /// OpenSSL's errors.
        source: ErrorStack,
    },
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::InvalidConfig(e)
    }
}

/// Why a certificate cannot be requested after the handshake.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PostHandshakeError {
    /// Only a server asks for a client certificate.
    #[error("this is a client socket; only a server can request a client certificate")]
    NotServer,
    /// Post-handshake authentication exists only in TLS 1.3.
    #[error(
        "the connection uses {version}, and post-handshake authentication needs TLSv1.3 \
         (request_client_certificate renegotiates on TLSv1.2)"
    )]
    NotTls13 {
        /// The negotiated version.
        version: &'static str,
    },
    /// The client did not send the post_handshake_auth extension.
    #[error(
        "the client did not offer post-handshake authentication (it must enable it before \
         its handshake: SSL_set_post_handshake_auth, `openssl s_client -enable_pha`)"
    )]
    NotOffered,
    /// A request was already sent and not yet answered.
    #[error("a certificate request is already pending on this connection")]
    RequestPending,
    /// The verify mode has no `PEER` bit, so OpenSSL would not ask.
    #[error(
        "the verify mode is {mode:?}; it must include SSL_VERIFY_PEER to request a certificate"
    )]
    ModeWithoutPeer {
        /// The connection's verify mode.
        mode: VerifyMode,
    },
    /// `CLIENT_ONCE` is set and a certificate was already requested.
    #[error(
        "SSL_VERIFY_CLIENT_ONCE is set and a certificate was already requested on this \
         connection; no second request is sent"
    )]
    AlreadyRequested,
    /// The TLS 1.2 client does not support secure renegotiation (RFC 5746).
    #[error(
        "the client does not support secure renegotiation (RFC 5746), so it cannot be asked again"
    )]
    InsecureRenegotiation,
    /// OpenSSL refused for another reason.
    #[error("OpenSSL refused: {0}")]
    Refused(#[source] ErrorStack),
}

impl PartialEq for PostHandshakeError {
    /// Equal variants with equal fields; two refusals are equal when
    /// OpenSSL gave the same error codes.
    fn eq(&self, other: &PostHandshakeError) -> bool {
        use PostHandshakeError::*;
        match (self, other) {
            (NotTls13 { version: a }, NotTls13 { version: b }) => a == b,
            (ModeWithoutPeer { mode: a }, ModeWithoutPeer { mode: b }) => a == b,
            (Refused(a), Refused(b)) => {
                let codes =
                    |s: &ErrorStack| s.errors().iter().map(|e| e.code()).collect::<Vec<_>>();
                codes(a) == codes(b)
            }
            (a, b) => {
                std::mem::discriminant(a) == std::mem::discriminant(b)
                    && !matches!(a, NotTls13 { .. } | ModeWithoutPeer { .. } | Refused(_))
            }
        }
    }
}

impl Eq for PostHandshakeError {}
