//! A certificate asked for after the handshake (TLS 1.3 post-handshake
//! authentication): whether a client offers it, and how much data a server
//! keeps while it waits for the answer.

use openssl::ssl::SslContextBuilder;

use crate::config::SslConfigBuilder;
use crate::verify::mode::Role;

/// The default of [`SslConfigBuilder::set_post_handshake_buffer_limit`]: 1 MiB.
pub const DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT: usize = 1 << 20;

impl SslConfigBuilder {
    /// The most application data a server keeps while
    /// [`request_client_certificate`](crate::SslSocket::request_client_certificate)
    /// waits for the client's answer. Defaults to
    /// [`DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT`] (1 MiB). A client that sends
    /// more before answering makes the request fail with
    /// [`Error::PostHandshakeBufferFull`](crate::error::Error::PostHandshakeBufferFull).
    pub fn set_post_handshake_buffer_limit(&mut self, bytes: usize) -> &mut Self {
        self.post_handshake_buffer_limit = bytes;
        self
    }

    /// Whether a client offers TLS 1.3 post-handshake authentication
    /// (`SSL_CTX_set_post_handshake_auth`), letting the server ask for its
    /// certificate after the handshake. Defaults to on when the client has a
    /// certificate configured.
    ///
    /// A server ignores it: it asks after the handshake with
    /// `POST_HANDSHAKE` in its verify mode (9, or 11 to require a
    /// certificate: what Python's `post_handshake_auth` makes of
    /// `CERT_OPTIONAL` and `CERT_REQUIRED` on a server) and
    /// [`request_client_certificate`](crate::SslSocket::request_client_certificate).
    #[doc(alias("SSL_CTX_set_post_handshake_auth", "post_handshake_auth"))]
    pub fn set_post_handshake_auth(&mut self, offer: bool) -> &mut Self {
        self.post_handshake_auth = Some(offer);
        self
    }

    /// Build step: a client offers post-handshake authentication when told
    /// to, or by default when it has a certificate or a client-certificate
    /// callback to answer with.
    pub(super) fn offer_post_handshake_auth(&self, b: &mut SslContextBuilder) {
        let post_handshake_auth = self.post_handshake_auth.unwrap_or(
            self.certificate.is_some() || self.pkcs12.is_some() || self.hooks.client_cert.is_some(),
        );
        if self.role == Role::Client && post_handshake_auth {
            crate::sys::ffi::context::ctx_set_post_handshake_auth(b, true);
        }
    }
}
