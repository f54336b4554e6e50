//! From OpenSSL's failures to the variant that names their cause: an
//! `openssl::ssl::Error` and the reason codes on its error stack.

use std::io;
use std::time::Duration;

use openssl::ssl::{self, ErrorCode, SslRef};
use openssl_sys::SSL_AD_REASON_OFFSET;

use crate::alert::Alert;
use crate::error::operation::Operation;
use crate::error::Error;
use crate::sys::reasons::{
    ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED, SSL_R_HTTPS_PROXY_REQUEST, SSL_R_HTTP_REQUEST,
    SSL_R_NO_PROTOCOLS_AVAILABLE, SSL_R_PACKET_LENGTH_TOO_LONG,
    SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, SSL_R_UNEXPECTED_EOF_WHILE_READING,
    SSL_R_UNKNOWN_PROTOCOL, SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_VERSION_TOO_LOW,
    SSL_R_WRONG_SSL_VERSION, SSL_R_WRONG_VERSION_NUMBER,
};
use crate::verify::result::{VerifyFailure, VerifyResult};

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
