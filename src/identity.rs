//! A certificate, its chain and its private key, from files or PEM bytes,
//! loaded and checked to belong together.

use std::fmt;
use std::path::{Path, PathBuf};

use openssl::pkey::{PKey, Private};
use openssl::ssl::SslContextBuilder;
use openssl::x509::X509;

use crate::error::Error;

/// Where a certificate, chain or key comes from.
#[derive(Clone)]
pub(crate) enum Source {
    File(PathBuf),
    Pem(Vec<u8>),
}

impl Source {
    pub(crate) fn origin(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Pem(_) => "PEM bytes".to_string(),
        }
    }

    fn bytes(&self, what: &'static str) -> Result<Vec<u8>, Error> {
        match self {
            Source::File(p) => std::fs::read(p).map_err(|source| Error::File {
                what,
                path: p.clone(),
                source,
            }),
            Source::Pem(b) => Ok(b.clone()),
        }
    }

    /// A [`Error::Load`] in this crate's words, with OpenSSL's errors if any.
    fn load_error(
        &self,
        what: &'static str,
        reason: &str,
        source: Option<openssl::error::ErrorStack>,
    ) -> Error {
        Error::Load {
            what,
            origin: self.origin(),
            reason: reason.to_owned(),
            source,
        }
    }

    /// Certificates in PEM (one or many) or a single DER certificate.
    pub(crate) fn certificates(&self, what: &'static str) -> Result<Vec<X509>, Error> {
        let bytes = self.bytes(what)?;
        let load_err = |reason: &str, source| self.load_error(what, reason, source);
        if is_pem(&bytes) {
            let certs =
                X509::stack_from_pem(&bytes).map_err(|e| Error::load(what, self.origin(), e))?;
            if certs.is_empty() {
                return Err(load_err("no PEM CERTIFICATE block found", None));
            }
            Ok(certs)
        } else {
            X509::from_der(&bytes).map(|c| vec![c]).map_err(|e| {
                load_err(
                    "neither PEM (no -----BEGIN line) nor a DER certificate",
                    Some(e),
                )
            })
        }
    }

    pub(crate) fn private_key(&self) -> Result<PKey<Private>, Error> {
        let what = "private key";
        let bytes = self.bytes(what)?;
        let load_err = |reason: &str, source| self.load_error(what, reason, source);
        if is_pem(&bytes) {
            PKey::private_key_from_pem(&bytes).map_err(|e| {
                if e.errors().is_empty() {
                    load_err(
                        "no private key found (is it encrypted, or is this a certificate?)",
                        None,
                    )
                } else {
                    Error::load(what, self.origin(), e)
                }
            })
        } else {
            PKey::private_key_from_der(&bytes).map_err(|e| {
                load_err(
                    "neither PEM (no -----BEGIN line) nor a DER private key",
                    Some(e),
                )
            })
        }
    }
}

/// Whether `bytes` hold PEM (a `-----BEGIN ` line) rather than DER.
fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => write!(f, "File({})", p.display()),
            Source::Pem(b) => write!(f, "Pem({} bytes)", b.len()),
        }
    }
}

/// A certificate, its intermediates and its private key, loaded and checked
/// to belong together: what a server presents for a virtual host
/// ([`SniDecision::Use`](crate::SniDecision::Use)) or a client hands over when asked
/// ([`SslConfigBuilder::set_client_certificate_callback`](crate::SslConfigBuilder::set_client_certificate_callback)).
#[derive(Clone)]
pub struct Identity {
    leaf: X509,
    pub(crate) chain: Vec<X509>,
    key: PKey<Private>,
    origin: (String, String),
}

impl Identity {
    /// Loads a certificate file (leaf, then intermediates) and its key file.
    ///
    /// # Errors
    ///
    /// [`Error::File`], [`Error::Load`], or [`Error::KeyMismatch`].
    #[doc(alias("SSL_CTX_use_certificate_chain_file", "load_cert_chain"))]
    pub fn from_files(
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Identity, Error> {
        Identity::load(
            &Source::File(certificate.as_ref().to_owned()),
            &Source::File(key.as_ref().to_owned()),
        )
    }

    /// Loads a certificate (and intermediates) and its key from PEM bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Load`] or [`Error::KeyMismatch`].
    #[doc(alias("PEM_read_bio_X509", "PEM_read_bio_PrivateKey"))]
    pub fn from_pem(certificate: &[u8], key: &[u8]) -> Result<Identity, Error> {
        Identity::load(
            &Source::Pem(certificate.to_vec()),
            &Source::Pem(key.to_vec()),
        )
    }

    pub(crate) fn load(cert_src: &Source, key_src: &Source) -> Result<Identity, Error> {
        let mut certs = cert_src.certificates("certificate")?.into_iter();
        let leaf = certs
            .next()
            .expect("certificates() never returns an empty list");
        let key = key_src.private_key()?;
        let origin = (cert_src.origin(), key_src.origin());
        let pubkey = leaf
            .public_key()
            .map_err(|e| Error::load("certificate", origin.0.clone(), e))?;
        if !pubkey.public_eq(&key) {
            return Err(Error::KeyMismatch {
                certificate: origin.0,
                key: origin.1,
            });
        }
        Ok(Identity {
            leaf,
            chain: certs.collect(),
            key,
            origin,
        })
    }

    /// The leaf certificate.
    pub fn certificate(&self) -> &X509 {
        &self.leaf
    }

    pub(crate) fn install_on_context(self, b: &mut SslContextBuilder) -> Result<(), Error> {
        let load_err = |what, e| Error::load(what, self.origin.0.clone(), e);
        b.set_certificate(&self.leaf)
            .map_err(|e| load_err("certificate", e))?;
        for cert in &self.chain {
            b.add_extra_chain_cert(cert.clone())
                .map_err(|e| load_err("certificate chain", e))?;
        }
        let mismatch = || Error::KeyMismatch {
            certificate: self.origin.0.clone(),
            key: self.origin.1.clone(),
        };
        b.set_private_key(&self.key).map_err(|_| mismatch())?;
        b.check_private_key().map_err(|_| mismatch())?;
        Ok(())
    }

    /// Presents this identity on one connection (`SSL_use_certificate`,
    /// `SSL_use_PrivateKey`, `SSL_set1_chain`), replacing the context's.
    ///
    /// OpenSSL keeps one certificate per key type and picks among them, so
    /// the connection's certificates are cleared first (`SSL_certs_clear`):
    /// an RSA identity on an ECDSA-configured end is then the only one.
    pub(crate) fn install_on(
        &self,
        ssl: &mut openssl::ssl::SslRef,
    ) -> Result<(), openssl::error::ErrorStack> {
        crate::ffi::clear_certificates(ssl);
        ssl.set_certificate(&self.leaf)?;
        ssl.set_private_key(&self.key)?;
        crate::ffi::ssl_set_chain(ssl, &self.chain)
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("subject", &crate::names::subject_of(Some(&self.leaf)))
            .field("chain", &self.chain.len())
            .field("certificate", &self.origin.0)
            .finish()
    }
}
