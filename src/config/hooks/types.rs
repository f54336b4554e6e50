//! What the application's hooks are given and answer: one certificate of
//! the chain, a server's request for a client certificate, the decision for
//! a requested server name, and the events of a connection.

use std::fmt;

use openssl::x509::X509Ref;

use crate::config::identity::Identity;
use crate::sys::names::subject_of;
use crate::verify::result::VerifyResult;

/// One certificate of the peer's chain, as OpenSSL's verify callback sees it.
pub struct CertCheck<'a> {
    pub(super) preverify_ok: bool,
    pub(super) depth: u32,
    pub(super) error: VerifyResult,
    pub(super) certificate: Option<&'a X509Ref>,
}

impl CertCheck<'_> {
    /// OpenSSL's own verdict on this certificate (`preverify_ok`).
    pub fn preverify_ok(&self) -> bool {
        self.preverify_ok
    }

    /// Depth in the chain: 0 is the peer's own certificate.
    #[doc(alias = "X509_STORE_CTX_get_error_depth")]
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The verification error at this certificate: `X509_V_OK` whenever
    /// [`preverify_ok`](Self::preverify_ok) is true.
    ///
    /// OpenSSL calls back once more for a certificate whose failure a hook
    /// accepted, with `preverify_ok = 1`, while its own
    /// `X509_STORE_CTX_get_error` still holds the accepted failure; this
    /// reports `X509_V_OK` there, the certificate's own result. The
    /// connection's verify result keeps OpenSSL's value
    /// ([`SslSocket::verify_result`](crate::SslSocket::verify_result)).
    #[doc(alias = "X509_STORE_CTX_get_error")]
    pub fn error(&self) -> VerifyResult {
        self.error
    }

    /// The certificate.
    #[doc(alias = "X509_STORE_CTX_get_current_cert")]
    pub fn certificate(&self) -> Option<&X509Ref> {
        self.certificate
    }

    /// The certificate's subject in one line.
    pub fn subject(&self) -> String {
        subject_of(self.certificate)
    }
}

impl fmt::Debug for CertCheck<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertCheck")
            .field("preverify_ok", &self.preverify_ok)
            .field("depth", &self.depth)
            .field("error", &self.error)
            .field("subject", &self.subject())
            .finish()
    }
}

/// What a client is told when a server asks for its certificate.
#[derive(Debug, Clone)]
pub struct ClientAuthRequest {
    pub(super) ca_names: Vec<String>,
    pub(super) post_handshake: bool,
}

impl ClientAuthRequest {
    /// The CA names the server sent in its CertificateRequest, one line
    /// each (`CN=Example Root CA`); empty when it sent none.
    #[doc(alias = "SSL_get_client_CA_list")]
    pub fn ca_names(&self) -> &[String] {
        &self.ca_names
    }

    /// Whether the request came after the handshake (TLS 1.3 post-handshake auth).
    pub fn post_handshake(&self) -> bool {
        self.post_handshake
    }
}

/// What the server-name callback decides for a requested name.
#[derive(Debug, Clone)]
pub enum SniDecision {
    /// Present the configuration's own certificate.
    Default,
    /// Present this identity instead (a virtual host).
    Use(Identity),
    /// Refuse the connection with an `unrecognized_name` alert.
    Reject,
}

/// Something that happened on a connection, for
/// [`SslConfigBuilder::set_handshake_callback`](crate::SslConfigBuilder::set_handshake_callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum HandshakeEvent {
    /// A handshake began; `renegotiation` when one had completed before.
    Started {
        /// Whether this is a renegotiation.
        renegotiation: bool,
    },
    /// A handshake completed (python-nss's handshake callback).
    Completed {
        /// Whether this was a renegotiation.
        renegotiation: bool,
        /// Whether a session was resumed.
        resumed: bool,
    },
    /// A client received a CertificateRequest.
    CertificateRequested {
        /// Whether it came after the handshake (TLS 1.3 post-handshake auth).
        post_handshake: bool,
    },
    /// A server finished asking for a client certificate after the
    /// handshake: the client's answer was processed, by
    /// `request_client_certificate` or, after
    /// `verify_client_post_handshake`, by the read that received it.
    PostHandshakeAuth {
        /// Whether the client sent a certificate.
        certificate: bool,
    },
    /// A server refused a renegotiation its client asked for (TLS 1.2 and
    /// older), answering with a `no_renegotiation` warning; nothing about
    /// the connection changed.
    RenegotiationRefused,
}
