//! OCSP stapling: a server sends a certificate-status (OCSP) response when
//! a client asks for one; a client asks, checks what it got, and keeps it.

use std::fmt;
use std::sync::Arc;

use openssl::ssl::{SslContextBuilder, SslRef};

use crate::config::hooks::record::guarded;
use crate::config::SslConfigBuilder;
use crate::error::config_error::ConfigError;
use crate::error::Error;
use crate::verify::mode::Role;

pub(crate) type StapleHook = dyn Fn(&SslRef) -> Option<Vec<u8>> + Send + Sync;
pub(crate) type StapleCheckHook = dyn Fn(Option<&[u8]>, &SslRef) -> bool + Send + Sync;

/// A configuration's OCSP settings.
#[derive(Clone, Default)]
pub(crate) struct Ocsp {
    /// Server: the staple for every client that asks.
    pub(crate) response: Option<Vec<u8>>,
    /// Server: picks the staple per connection (wins over `response`).
    pub(crate) pick: Option<Arc<StapleHook>>,
    /// Client: ask for a staple (`status_request`).
    pub(crate) request: bool,
    /// Client: judges the staple received (or its absence).
    pub(crate) check: Option<Arc<StapleCheckHook>>,
}

impl Ocsp {
    /// Installs the context's status callback (`SSL_CTX_set_tlsext_status_cb`)
    /// if this role needs one. A panic in a hook fails the handshake.
    pub(crate) fn install(&self, b: &mut SslContextBuilder, role: Role) -> Result<(), Error> {
        let installed = match role {
            Role::Server if self.pick.is_some() || self.response.is_some() => {
                let (pick, response) = (self.pick.clone(), self.response.clone());
                b.set_status_callback(move |ssl| {
                    let staple = match &pick {
                        Some(pick) => guarded(ssl, "OCSP response", || pick(ssl)).flatten(),
                        None => response.clone(),
                    };
                    match staple {
                        // An empty response would be sent as none at all.
                        Some(der) if !der.is_empty() => ssl.set_ocsp_status(&der).map(|()| true),
                        _ => Ok(false),
                    }
                })
            }
            Role::Client if self.check.is_some() => {
                let check = self.check.clone();
                b.set_status_callback(move |ssl| {
                    let Some(check) = &check else { return Ok(true) };
                    let staple = ssl.ocsp_status();
                    Ok(guarded(ssl, "OCSP check", || check(staple, ssl)).unwrap_or(false))
                })
            }
            _ => return Ok(()),
        };
        installed.map_err(|source| {
            ConfigError::OpenSsl {
                step: "OCSP status callback",
                source,
            }
            .into()
        })
    }
}

impl fmt::Debug for Ocsp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ocsp")
            .field("response", &self.response.as_ref().map(Vec::len))
            .field("pick", &self.pick.is_some())
            .field("request", &self.request)
            .field("check", &self.check.is_some())
            .finish()
    }
}

impl SslConfigBuilder {
    /// On a server, the OCSP response (DER, as `openssl ocsp -respout`
    /// writes it) to staple for clients that ask for one (`status_request`,
    /// `openssl s_client -status`); clients that do not ask get none.
    #[doc(alias("SSL_set_tlsext_status_ocsp_resp", "SSL_CTX_set_tlsext_status_cb"))]
    pub fn set_ocsp_response(&mut self, der: &[u8]) -> &mut Self {
        self.ocsp.response = Some(der.to_vec());
        self
    }

    /// On a server, calls `pick` for each client that asks for a staple,
    /// with the connection (its SNI name, the certificate chosen), to
    /// return the OCSP response to send, or `None` for none. Takes
    /// precedence over [`set_ocsp_response`](Self::set_ocsp_response). A
    /// panic in it fails the handshake with [`Error::CallbackPanicked`].
    #[doc(alias = "SSL_CTX_set_tlsext_status_cb")]
    pub fn set_ocsp_response_callback<F>(&mut self, pick: F) -> &mut Self
    where
        F: Fn(&SslRef) -> Option<Vec<u8>> + Send + Sync + 'static,
    {
        self.ocsp.pick = Some(Arc::new(pick));
        self
    }

    /// On a client, whether to ask the server for a stapled OCSP response
    /// (`SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp)`, as
    /// `openssl s_client -status` does). The response is
    /// [`SslSocket::ocsp_response`](crate::SslSocket::ocsp_response) after
    /// the handshake. Defaults to `false`.
    #[doc(alias("SSL_set_tlsext_status_type", "SSL_CTX_set_tlsext_status_type"))]
    pub fn set_ocsp_stapling(&mut self, request: bool) -> &mut Self {
        self.ocsp.request = request;
        self
    }

    /// On a client that asks for a staple, calls `check` during the
    /// handshake with the OCSP response the server stapled (`None` when it
    /// sent none) and the connection (its peer chain, to verify the
    /// response against); `false` aborts the handshake with a
    /// `bad_certificate_status_response` alert. Without it any staple, or
    /// none, is accepted and kept. A panic in it fails the handshake with
    /// [`Error::CallbackPanicked`].
    #[doc(alias = "SSL_CTX_set_tlsext_status_cb")]
    pub fn set_ocsp_verify_callback<F>(&mut self, check: F) -> &mut Self
    where
        F: Fn(Option<&[u8]>, &SslRef) -> bool + Send + Sync + 'static,
    {
        self.ocsp.check = Some(Arc::new(check));
        self
    }
}
