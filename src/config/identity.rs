//! A certificate, its chain and its private key, from files, PEM bytes or
//! PKCS#12, with the key's password if it is encrypted, loaded and checked
//! to belong together; the builder's setters for them and their `build()`
//! steps.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::path::{Path, PathBuf};

use openssl::error::ErrorStack;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::ssl::SslContextBuilder;
use openssl::x509::X509;

use crate::config::password::{IntoPassword, KeyPassword, Password};
use crate::config::SslConfigBuilder;
use crate::error::config_error::ConfigError;
use crate::error::Error;
use crate::sys::reasons::{ERR_LIB_PKCS12, PKCS12_R_MAC_VERIFY_FAILURE};
use crate::verify::mode::Role;

/// Where a certificate, chain, key, CRL or PKCS#12 file comes from.
#[derive(Clone)]
pub(crate) enum Source {
    File(PathBuf),
    Pem(Vec<u8>),
    Der(Vec<u8>),
}

/// The longest password OpenSSL's PEM routines take (`PEM_BUFSIZE`).
const MAX_PASSWORD: usize = 1024;

impl Source {
    pub(crate) fn origin(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Pem(_) => "PEM bytes".to_string(),
            Source::Der(_) => "DER bytes".to_string(),
        }
    }

    pub(crate) fn bytes(&self, what: &'static str) -> Result<Vec<u8>, Error> {
        match self {
            Source::File(p) => std::fs::read(p).map_err(|source| Error::File {
                what,
                path: p.clone(),
                source,
            }),
            Source::Pem(b) | Source::Der(b) => Ok(b.clone()),
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

    /// The private key, PEM or DER, decrypted with `password` when it is
    /// encrypted (PEM `ENCRYPTED PRIVATE KEY` or `Proc-Type: 4,ENCRYPTED`,
    /// DER encrypted PKCS#8). OpenSSL is always handed a password callback,
    /// so it never prompts.
    pub(crate) fn private_key(&self, password: &KeyPassword) -> Result<PKey<Private>, Error> {
        let what = "private key";
        let bytes = self.bytes(what)?;
        let load_err = |reason: &str, source| self.load_error(what, reason, source);
        // Whether OpenSSL asked (the key is encrypted), and what went wrong
        // giving it the password.
        let asked = Cell::new(false);
        let trouble: RefCell<Option<Error>> = RefCell::new(None);
        let give = |buf: &mut [u8]| -> Result<usize, ErrorStack> {
            asked.set(true);
            match password.get() {
                Ok(Some(p)) if p.len() <= buf.len().min(MAX_PASSWORD) => {
                    buf[..p.len()].copy_from_slice(&p);
                    Ok(p.len())
                }
                Ok(Some(_)) => {
                    *trouble.borrow_mut() = Some(self.password_unusable(what, "too long"));
                    Err(ErrorStack::get())
                }
                Ok(None) => Err(ErrorStack::get()),
                Err(e) => {
                    *trouble.borrow_mut() = Some(e);
                    Err(ErrorStack::get())
                }
            }
        };
        let loaded = if is_pem(&bytes) {
            PKey::private_key_from_pem_callback(&bytes, give)
        } else {
            PKey::private_key_from_der(&bytes)
                .or_else(|_| PKey::private_key_from_pkcs8_callback(&bytes, give))
        };
        let e = match loaded {
            Ok(key) => return Ok(key),
            Err(e) => e,
        };
        if let Some(trouble) = trouble.into_inner() {
            return Err(trouble);
        }
        if asked.get() {
            return Err(self.password_error(what, password, e));
        }
        Err(if !is_pem(&bytes) {
            load_err(
                "neither PEM (no -----BEGIN line) nor a DER private key",
                Some(e),
            )
        } else if e.errors().is_empty() {
            load_err("no private key found (is this a certificate?)", None)
        } else {
            Error::load(what, self.origin(), e)
        })
    }

    /// The error for an encrypted key or PKCS#12 file that OpenSSL could
    /// not decrypt with the password given (`None` and an empty one: none).
    fn password_error(&self, what: &'static str, password: &KeyPassword, e: ErrorStack) -> Error {
        let origin = self.origin();
        let given = password.get().ok().flatten().is_some_and(|p| !p.is_empty());
        if given {
            ConfigError::WrongKeyPassword {
                what,
                origin,
                source: e,
            }
            .into()
        } else {
            ConfigError::KeyPasswordRequired { what, origin }.into()
        }
    }

    fn password_unusable(&self, what: &'static str, why: &'static str) -> Error {
        ConfigError::KeyPasswordUnusable {
            what,
            origin: self.origin(),
            why,
        }
        .into()
    }

    /// The leaf, key and chain of a PKCS#12 file (`PKCS12_parse`); an empty
    /// password opens one made without a password.
    pub(crate) fn pkcs12(&self, password: &str) -> Result<Identity, Error> {
        let what = "PKCS#12 file";
        let bytes = self.bytes(what)?;
        if password.contains('\0') {
            return Err(self.password_unusable(what, "contains a NUL byte"));
        }
        let p12 = Pkcs12::from_der(&bytes)
            .map_err(|e| self.load_error(what, "not a DER PKCS#12 (PFX) structure", Some(e)))?;
        let parsed = p12.parse2(password).map_err(|e| {
            let mac = e.errors().iter().any(|x| {
                x.library_code() == ERR_LIB_PKCS12 && x.reason_code() == PKCS12_R_MAC_VERIFY_FAILURE
            });
            if mac {
                let given = KeyPassword::Given(password.as_bytes().to_vec());
                return self.password_error(what, &given, e);
            }
            let reason = format!(
                "{e} (a file made with legacy algorithms such as RC2 needs OpenSSL's legacy provider)"
            );
            self.load_error(what, &reason, Some(e))
        })?;
        let (Some(leaf), Some(key)) = (parsed.cert, parsed.pkey) else {
            return Err(self.load_error(
                what,
                "it holds no certificate with its private key",
                None,
            ));
        };
        let origin = (self.origin(), self.origin());
        let chain = parsed
            .ca
            .map(|s| s.into_iter().collect())
            .unwrap_or_default();
        Identity::new(leaf, chain, key, origin)
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
            Source::Der(b) => write!(f, "Der({} bytes)", b.len()),
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
            &KeyPassword::None,
        )
    }

    /// As [`from_files`](Self::from_files), for an encrypted key: `password`
    /// decrypts it (Python's `load_cert_chain(certfile, keyfile, password)`).
    ///
    /// # Errors
    ///
    /// As [`from_files`](Self::from_files), and [`Error::InvalidConfig`]
    /// with [`ConfigError::WrongKeyPassword`] when the password does not
    /// decrypt the key.
    #[doc(alias("load_cert_chain", "SSL_CTX_set_default_passwd_cb"))]
    pub fn from_files_with_password(
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
        password: &str,
    ) -> Result<Identity, Error> {
        Identity::load(
            &Source::File(certificate.as_ref().to_owned()),
            &Source::File(key.as_ref().to_owned()),
            &KeyPassword::Given(password.as_bytes().to_vec()),
        )
    }

    /// The certificate, chain and key of a PKCS#12 (`.p12`, `.pfx`) file,
    /// as `openssl pkcs12 -export` writes it; `password` opens it (`""`
    /// for one made without a password).
    ///
    /// # Errors
    ///
    /// [`Error::File`], [`Error::Load`] for a file that is not PKCS#12 or
    /// holds no certificate and key, [`Error::InvalidConfig`] with
    /// [`ConfigError::WrongKeyPassword`] or
    /// [`ConfigError::KeyPasswordRequired`], [`Error::KeyMismatch`].
    #[doc(alias("PKCS12_parse", "d2i_PKCS12"))]
    pub fn from_pkcs12_file(path: impl AsRef<Path>, password: &str) -> Result<Identity, Error> {
        Source::File(path.as_ref().to_owned()).pkcs12(password)
    }

    /// As [`from_pkcs12_file`](Self::from_pkcs12_file), from the file's bytes.
    ///
    /// # Errors
    ///
    /// As [`from_pkcs12_file`](Self::from_pkcs12_file).
    #[doc(alias("PKCS12_parse", "d2i_PKCS12"))]
    pub fn from_pkcs12_der(der: &[u8], password: &str) -> Result<Identity, Error> {
        Source::Der(der.to_vec()).pkcs12(password)
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
            &KeyPassword::None,
        )
    }

    /// As [`from_pem`](Self::from_pem), for an encrypted key.
    ///
    /// # Errors
    ///
    /// As [`from_files_with_password`](Self::from_files_with_password).
    #[doc(alias("PEM_read_bio_PrivateKey", "load_cert_chain"))]
    pub fn from_pem_with_password(
        certificate: &[u8],
        key: &[u8],
        password: &str,
    ) -> Result<Identity, Error> {
        Identity::load(
            &Source::Pem(certificate.to_vec()),
            &Source::Pem(key.to_vec()),
            &KeyPassword::Given(password.as_bytes().to_vec()),
        )
    }

    pub(crate) fn load(
        cert_src: &Source,
        key_src: &Source,
        password: &KeyPassword,
    ) -> Result<Identity, Error> {
        let mut certs = cert_src.certificates("certificate")?.into_iter();
        let leaf = certs
            .next()
            .expect("certificates() never returns an empty list");
        let key = key_src.private_key(password)?;
        let origin = (cert_src.origin(), key_src.origin());
        Identity::new(leaf, certs.collect(), key, origin)
    }

    /// An identity whose key is checked to be the certificate's.
    fn new(
        leaf: X509,
        chain: Vec<X509>,
        key: PKey<Private>,
        origin: (String, String),
    ) -> Result<Identity, Error> {
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
            chain,
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
        crate::sys::ffi::x509::clear_certificates(ssl);
        ssl.set_certificate(&self.leaf)?;
        ssl.set_private_key(&self.key)?;
        crate::sys::ffi::x509::ssl_set_chain(ssl, &self.chain)
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("subject", &crate::sys::names::subject_of(Some(&self.leaf)))
            .field("chain", &self.chain.len())
            .field("certificate", &self.origin.0)
            .finish()
    }
}

impl SslConfigBuilder {
    /// This side's certificate from a PEM file: the leaf, then any
    /// intermediates, which are sent along with it.
    #[doc(alias(
        "SSL_CTX_use_certificate_chain_file",
        "load_cert_chain",
        "setCertificate",
        "config_secure_server"
    ))]
    pub fn set_certificate_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.certificate = Some(Source::File(path.as_ref().to_owned()));
        self
    }

    /// This side's certificate (and intermediates) from PEM bytes.
    #[doc(alias("SSL_CTX_use_certificate", "setCertificate"))]
    pub fn set_certificate_pem(&mut self, pem: &[u8]) -> &mut Self {
        self.certificate = Some(Source::Pem(pem.to_vec()));
        self
    }

    /// Intermediate certificates to send after the leaf, from a separate PEM file.
    #[doc(alias = "SSL_CTX_add_extra_chain_cert")]
    pub fn set_chain_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.chain = Some(Source::File(path.as_ref().to_owned()));
        self
    }

    /// The private key for the certificate, from a PEM or DER file.
    #[doc(alias(
        "SSL_CTX_use_PrivateKey_file",
        "load_cert_chain",
        "setPrivateKey",
        "config_secure_server"
    ))]
    pub fn set_private_key_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.key = Some(Source::File(path.as_ref().to_owned()));
        self
    }

    /// The private key for the certificate, from PEM bytes.
    #[doc(alias("SSL_CTX_use_PrivateKey", "setPrivateKey"))]
    pub fn set_private_key_pem(&mut self, pem: &[u8]) -> &mut Self {
        self.key = Some(Source::Pem(pem.to_vec()));
        self
    }

    /// The password of an encrypted private key (PEM `ENCRYPTED PRIVATE KEY`
    /// as `openssl pkey -aes256` writes it, or encrypted PKCS#8 DER).
    /// Without one an encrypted key fails [`build`](Self::build) with
    /// [`ConfigError::KeyPasswordRequired`]: OpenSSL never prompts on the
    /// terminal. A wrong one fails it with [`ConfigError::WrongKeyPassword`].
    ///
    /// Python: `load_cert_chain(certfile, keyfile, password)`.
    #[doc(alias(
        "SSL_CTX_set_default_passwd_cb_userdata",
        "SSL_CTX_set_default_passwd_cb",
        "load_cert_chain",
        "password",
        "SSLPrivateKey"
    ))]
    pub fn set_private_key_password(&mut self, password: &str) -> &mut Self {
        self.key_password = KeyPassword::Given(password.as_bytes().to_vec());
        self
    }

    /// Asks `ask` for the private key's password when the key turns out to
    /// be encrypted, at [`build`](Self::build) (Python's callable
    /// `load_cert_chain(password=...)`, C's `SSL_CTX_set_default_passwd_cb`).
    /// It returns the password (a string or bytes) or `None`; it is not
    /// called for a key that is not encrypted. A panic in it fails `build`
    /// with [`Error::CallbackPanicked`].
    #[doc(alias(
        "SSL_CTX_set_default_passwd_cb",
        "pem_password_cb",
        "load_cert_chain",
        "set_pkcs11_pin_arg"
    ))]
    pub fn set_private_key_password_callback<F, P>(&mut self, ask: F) -> &mut Self
    where
        F: Fn() -> P + Send + Sync + 'static,
        P: IntoPassword,
    {
        self.key_password = KeyPassword::callback(ask);
        self
    }

    /// This side's certificate, intermediates and private key from one
    /// PKCS#12 (`.p12`, `.pfx`) file, as `openssl pkcs12 -export` writes it;
    /// `password` opens it (`""` for a file made without one). Instead of
    /// [`set_certificate_file`](Self::set_certificate_file) and
    /// [`set_private_key_file`](Self::set_private_key_file).
    #[doc(alias("PKCS12_parse", "d2i_PKCS12_fp"))]
    pub fn set_pkcs12_file(&mut self, path: impl AsRef<Path>, password: &str) -> &mut Self {
        self.pkcs12 = Some((
            Source::File(path.as_ref().to_owned()),
            Password(password.to_owned()),
        ));
        self
    }

    /// As [`set_pkcs12_file`](Self::set_pkcs12_file), from the file's bytes.
    #[doc(alias("PKCS12_parse", "d2i_PKCS12"))]
    pub fn set_pkcs12_der(&mut self, der: &[u8], password: &str) -> &mut Self {
        self.pkcs12 = Some((Source::Der(der.to_vec()), Password(password.to_owned())));
        self
    }

    /// Build step: the context's password callback gives the key's
    /// password; OpenSSL's own would prompt on the terminal.
    pub(super) fn set_password_callback(&self, b: &mut SslContextBuilder) {
        let password = self.key_password.clone();
        crate::sys::ffi::context::set_default_password_callback(
            b,
            Box::new(move |buf| password.fill(buf)),
        );
    }

    /// Build step: this side's certificate, chain and key, checked to
    /// belong together (a server must have them).
    pub(super) fn load_identity(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        let mut id = match (&self.pkcs12, &self.certificate, &self.key) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(ConfigError::Pkcs12AndCertificate.into())
            }
            (Some((source, password)), None, None) => source.pkcs12(&password.0)?,
            (None, None, None) if self.role == Role::Server => {
                return Err(ConfigError::MissingIdentity.into())
            }
            (None, None, None) => return Ok(()),
            (None, Some(_), None) => return Err(ConfigError::MissingPrivateKey.into()),
            (None, None, Some(_)) => return Err(ConfigError::MissingCertificate.into()),
            (None, Some(c), Some(k)) => Identity::load(c, k, &self.key_password)?,
        };
        if let Some(c) = &self.chain {
            id.chain.extend(c.certificates("certificate chain")?);
        }
        id.install_on_context(b)
    }
}
