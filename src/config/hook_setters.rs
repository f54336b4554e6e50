//! The builder's hook setters: the application's certificate checks, its
//! choice of a client certificate, handshake events, the server's choice
//! by SNI name and by ALPN protocol. The hooks themselves, and the
//! OpenSSL callbacks that run them, are in `hooks.rs`.

use std::sync::Arc;

use openssl::ssl::{SslContextBuilder, SslRef};

use crate::config::hooks::types::{CertCheck, ClientAuthRequest, HandshakeEvent, SniDecision};
use crate::config::identity::Identity;
use crate::config::{config_err, SslConfigBuilder};
use crate::error::config_error::ConfigError;
use crate::error::Error;

impl SslConfigBuilder {
    /// Calls `check` for each certificate of the peer's chain with OpenSSL's
    /// verdict, the depth, the error and the certificate (OpenSSL's verify
    /// callback, python-nss's `set_auth_certificate_callback`). Its answer
    /// replaces OpenSSL's: `true` accepts the certificate, `false` rejects it
    /// (reported as `X509_V_ERR_APPLICATION_VERIFICATION` when OpenSSL had
    /// accepted it). Whether a rejection aborts the handshake is still up to
    /// the verify mode. Changing the mode of a live socket keeps it.
    ///
    /// # Warning
    ///
    /// Returning `true` for a certificate OpenSSL rejected weakens
    /// verification; prefer [`set_bad_certificate_callback`](Self::set_bad_certificate_callback).
    #[doc(alias("SSL_CTX_set_verify", "set_auth_certificate_callback"))]
    pub fn set_verify_callback<F>(&mut self, check: F) -> &mut Self
    where
        F: Fn(&CertCheck<'_>) -> bool + Send + Sync + 'static,
    {
        self.hooks.verify = Some(Arc::new(check));
        self
    }

    /// Calls `accept` for a certificate that failed verification, with the
    /// certificate and the error (python-nss's `set_bad_cert_callback`);
    /// `true` accepts it anyway. The connection's `verify_result()` still
    /// reports the original error.
    ///
    /// # Warning
    ///
    /// Every `true` accepts a peer that OpenSSL could not verify.
    #[doc(alias("set_bad_cert_callback", "SSL_CTX_set_verify"))]
    pub fn set_bad_certificate_callback<F>(&mut self, accept: F) -> &mut Self
    where
        F: Fn(&CertCheck<'_>) -> bool + Send + Sync + 'static,
    {
        self.hooks.bad_cert = Some(Arc::new(accept));
        self
    }

    /// When a server asks this client for a certificate (in the handshake or
    /// after it), calls `choose` with the CA names the server sent; it returns
    /// the [`Identity`] to send, or `None` to send no certificate
    /// (python-nss's `set_client_auth_data_callback`). Turns post-handshake
    /// authentication on unless [`set_post_handshake_auth`](Self::set_post_handshake_auth)
    /// says otherwise.
    #[doc(alias(
        "SSL_CTX_set_cert_cb",
        "SSL_CTX_set_client_cert_cb",
        "set_client_auth_data_callback"
    ))]
    pub fn set_client_certificate_callback<F>(&mut self, choose: F) -> &mut Self
    where
        F: Fn(&ClientAuthRequest) -> Option<Identity> + Send + Sync + 'static,
    {
        self.hooks.client_cert = Some(Arc::new(choose));
        self
    }

    /// Calls `observe` for each [`HandshakeEvent`]: handshakes started and
    /// completed (python-nss's `set_handshake_callback`), renegotiations,
    /// certificate requests received, post-handshake requests completed.
    /// It also gets the connection, to inspect.
    #[doc(alias = "SSL_CTX_set_info_callback")]
    pub fn set_handshake_callback<F>(&mut self, observe: F) -> &mut Self
    where
        F: Fn(&HandshakeEvent, &SslRef) + Send + Sync + 'static,
    {
        self.hooks.events = Some(Arc::new(observe));
        self
    }

    /// On a server, calls `pick` with the host name a client requests (SNI)
    /// to choose the certificate and key for it: several virtual hosts on one
    /// listener. Clients that send no name get the configured certificate.
    #[doc(alias(
        "SSL_CTX_set_tlsext_servername_callback",
        "sni_callback",
        "set_servername_callback"
    ))]
    pub fn set_server_name_callback<F>(&mut self, pick: F) -> &mut Self
    where
        F: Fn(&str) -> SniDecision + Send + Sync + 'static,
    {
        self.hooks.sni = Some(Arc::new(pick));
        self
    }

    /// The application protocols (ALPN), most preferred first. A client
    /// offers them; a server picks the first of its own that the client
    /// offers, and answers without ALPN when none matches.
    #[doc(alias = "SSL_CTX_set_alpn_protos")]
    pub fn set_alpn_protocols(&mut self, protocols: &[&str]) -> Result<&mut Self, Error> {
        for p in protocols {
            if p.is_empty() || p.len() > 255 {
                return Err(ConfigError::AlpnProtocol(p.to_string()).into());
            }
        }
        self.hooks.alpn_protocols = protocols.iter().map(|p| p.to_string()).collect();
        Ok(self)
    }

    /// On a server, lets `select` choose among the protocols a client offers
    /// (`None`: answer without ALPN). Takes precedence over
    /// [`set_alpn_protocols`](Self::set_alpn_protocols).
    #[doc(alias = "SSL_CTX_set_alpn_select_cb")]
    pub fn set_alpn_select_callback<F>(&mut self, select: F) -> &mut Self
    where
        F: Fn(&[&str]) -> Option<String> + Send + Sync + 'static,
    {
        self.hooks.alpn = Some(Arc::new(select));
        self
    }

    /// Build step: the hooks and the C callbacks they need.
    pub(super) fn install_hooks(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        self.hooks
            .clone()
            .install(b, self.role)
            .map_err(config_err("ALPN protocols"))
    }
}
