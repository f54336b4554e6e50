//! Why a client certificate cannot be requested after the handshake.

use openssl::error::ErrorStack;

use crate::verify::mode::VerifyMode;

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
