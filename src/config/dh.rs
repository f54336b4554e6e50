//! Finite-field Diffie-Hellman key exchange (DHE) for a server's TLS 1.2
//! and older suites: OpenSSL's automatic parameters, or those of a PEM file.

use openssl::dh::Dh;
use openssl::ssl::SslContextBuilder;

use crate::config::identity::Source;
use crate::error::Error;

/// A configuration's DHE settings; both off, OpenSSL's default, unless set.
#[derive(Clone, Debug, Default)]
pub(crate) struct Dhe {
    /// `SSL_CTX_set_dh_auto`: OpenSSL picks parameters per handshake.
    pub(crate) auto: bool,
    /// PEM `DH PARAMETERS` for `SSL_CTX_set_tmp_dh`.
    pub(crate) params: Option<Source>,
}

impl Dhe {
    /// Loads the parameters, if any, and sets the automatic choice. A file
    /// that cannot be read is [`Error::File`]; one without PEM DH
    /// parameters, or with a group too weak for the security level, is
    /// [`Error::Load`] with OpenSSL's reason.
    pub(crate) fn install(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        const WHAT: &str = "DH parameters";
        if let Some(source) = &self.params {
            let pem = source.bytes(WHAT)?;
            let dh =
                Dh::params_from_pem(&pem).map_err(|e| Error::load(WHAT, source.origin(), e))?;
            b.set_tmp_dh(&dh)
                .map_err(|e| Error::load(WHAT, source.origin(), e))?;
        }
        crate::sys::ffi::ctx_set_dh_auto(b, self.auto);
        Ok(())
    }
}
