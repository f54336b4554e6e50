//! Trust and verification: the verify mode, the host-name check and the
//! name it checks, the CAs (files, PEM, directories, the system store),
//! revocation lists, the verification flags, the chain's depth and the
//! host-name check's flags; their setters, their `build()` steps and the
//! built configuration's mode and flags.

use std::path::Path;

use openssl::ssl::SslContextBuilder;
use openssl::x509::verify::{X509CheckFlags, X509VerifyFlags};
use openssl::x509::X509Crl;

use crate::config::identity::Source;
use crate::config::{no_nul, SslConfig, SslConfigBuilder};
use crate::error::config_error::ConfigError;
use crate::error::Error;
use crate::sys::reasons::{ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE};
use crate::verify::hostname_flags::HostnameFlags;
use crate::verify::mode::{CertReqs, Role, VerifyMode};
use crate::verify::parse::IntoVerifyMode;
use crate::verify::verify_flags::VerifyFlags;

/// The CRLs of a PEM source (one `X509 CRL` block or many) or a DER one.
fn crls(source: &Source) -> Result<Vec<X509Crl>, Error> {
    const WHAT: &str = "CRL";
    const BEGIN: &[u8] = b"-----BEGIN X509 CRL-----";
    const END: &[u8] = b"-----END X509 CRL-----";
    let bytes = source.bytes(WHAT)?;
    let load = |e| Error::load(WHAT, source.origin(), e);
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    if find(&bytes, b"-----BEGIN ").is_none() {
        return X509Crl::from_der(&bytes).map(|c| vec![c]).map_err(load);
    }
    let mut out = Vec::new();
    let mut rest = &bytes[..];
    while let Some(start) = find(rest, BEGIN) {
        let block = &rest[start..];
        let end = find(block, END).map_or(block.len(), |e| e + END.len());
        out.push(X509Crl::from_pem(&block[..end]).map_err(load)?);
        rest = &block[end..];
    }
    if out.is_empty() {
        return Err(Error::Load {
            what: WHAT,
            origin: source.origin(),
            reason: "no PEM X509 CRL block found".into(),
            source: None,
        });
    }
    Ok(out)
}

/// What a context verifies with besides its CAs: CRLs, flags, the chain's
/// depth and the host-name check's flags (its `X509_VERIFY_PARAM`).
#[derive(Clone, Debug, Default)]
pub(crate) struct VerifyParams {
    pub(crate) crls: Vec<Source>,
    pub(crate) flags: VerifyFlags,
    pub(crate) depth: Option<u32>,
    pub(crate) host_flags: HostnameFlags,
}

impl VerifyParams {
    /// Loads the CRLs into the context's store and sets the flags, depth
    /// and host flags on its parameters (which every connection inherits).
    pub(crate) fn apply(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        for source in &self.crls {
            for crl in crls(source)? {
                crate::sys::ffi::context::store_add_crl(b.cert_store_mut(), &crl)
                    .map_err(|e| Error::load("CRL", source.origin(), e))?;
            }
        }
        let param = b.verify_param_mut();
        param
            .set_flags(X509VerifyFlags::from_bits_retain(self.flags.bits()))
            .map_err(|source| ConfigError::OpenSsl {
                step: "verify flags",
                source,
            })?;
        param.set_hostflags(X509CheckFlags::from_bits_retain(self.host_flags.bits()));
        if let Some(depth) = self.depth {
            b.set_verify_depth(u32::min(depth, i32::MAX as u32));
        }
        Ok(())
    }
}

impl SslConfigBuilder {
    /// Sets the verify mode: an integer (`3`, `SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT`)
    /// or a [`VerifyMode`]. OpenSSL receives exactly this integer.
    ///
    /// Defaults to `PEER` on a client and `NONE` on a server.
    ///
    /// # Warning
    ///
    /// `NONE` on a client accepts any server, whatever its certificate;
    /// [`SslSocket::verify_result`](crate::SslSocket::verify_result) still
    /// tells what verification found.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVerifyMode`] for bits other than the five `SSL_VERIFY_*` flags.
    #[doc(alias(
        "SSL_CTX_set_verify",
        "setSslVerifyMode",
        "verify_mode",
        "SSL_REQUEST_CERTIFICATE",
        "SSL_REQUIRE_CERTIFICATE"
    ))]
    pub fn set_verify_mode(&mut self, mode: impl IntoVerifyMode) -> Result<&mut Self, Error> {
        self.verify_mode = mode.into_verify_mode()?;
        self.hostname_off_by_cert_none = false;
        Ok(self)
    }

    /// The verify mode that will be set, as [`set_verify_mode`](Self::set_verify_mode) took it.
    #[doc(alias("SSL_CTX_get_verify_mode", "getSslVerifyMode"))]
    pub fn get_verify_mode(&self) -> VerifyMode {
        self.verify_mode
    }

    /// Sets the verify mode from Python's `CERT_NONE` / `CERT_OPTIONAL` /
    /// `CERT_REQUIRED`, mapped for this builder's role (see [`CertReqs`]).
    /// `CERT_NONE` on a client also turns the host-name check off, as Python
    /// requires; a later `set_cert_reqs` or [`set_verify_mode`](Self::set_verify_mode)
    /// turns it back on, unless [`set_check_hostname(false)`](Self::set_check_hostname)
    /// turned it off explicitly.
    #[doc(alias("verify_mode", "CERT_REQUIRED", "CERT_OPTIONAL", "CERT_NONE"))]
    pub fn set_cert_reqs(&mut self, reqs: CertReqs) -> &mut Self {
        self.verify_mode = reqs.verify_mode(self.role);
        self.hostname_off_by_cert_none = reqs == CertReqs::None && self.role == Role::Client;
        self
    }

    /// Whether a client checks that the server's certificate is for the name
    /// it connected to (DNS name, or IP address for an IP target).
    /// Defaults to `true`. With the check on and the mode `NONE`, a mismatch
    /// is still reported by `verify_result()` (`X509_V_ERR_HOSTNAME_MISMATCH`).
    ///
    /// # Warning
    ///
    /// Turning it off accepts any certificate the CA signed, for any host.
    #[doc(alias("check_hostname", "X509_VERIFY_PARAM_set1_host"))]
    pub fn set_check_hostname(&mut self, check: bool) -> &mut Self {
        self.check_hostname = check;
        self.hostname_off_by_cert_none = false;
        self
    }

    /// Whether a client will check the server's host name, as the setters
    /// so far leave it (Python's `check_hostname`).
    #[doc(alias = "check_hostname")]
    pub fn get_check_hostname(&self) -> bool {
        self.check_hostname && !self.hostname_off_by_cert_none
    }

    /// The name a client sends as SNI and checks the certificate against,
    /// instead of the host it connects to (Python's `server_hostname`).
    /// An IP address is checked against the certificate's IP SANs and not sent as SNI.
    #[doc(alias("server_hostname", "SSL_set_tlsext_host_name", "set_hostname"))]
    pub fn set_server_name(&mut self, name: Option<&str>) -> &mut Self {
        self.server_name = name.map(str::to_owned);
        self
    }

    /// Trusts the CA certificates in a PEM (or single DER) file. May be called
    /// more than once. On a server the CA names are also sent in the
    /// CertificateRequest (see [`set_send_ca_names`](Self::set_send_ca_names)).
    #[doc(alias(
        "SSL_CTX_load_verify_locations",
        "load_verify_locations",
        "cafile",
        "set_certificate_db"
    ))]
    pub fn set_ca_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.ca.push(Source::File(path.as_ref().to_owned()));
        self
    }

    /// Trusts the CA certificates in a hashed directory (`openssl rehash`).
    #[doc(alias("SSL_CTX_load_verify_locations", "load_verify_locations", "capath"))]
    pub fn set_ca_dir(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.ca_dirs.push(path.as_ref().to_owned());
        self
    }

    /// Trusts the CA certificates in PEM bytes.
    #[doc(alias("X509_STORE_add_cert", "load_verify_locations", "cadata"))]
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> &mut Self {
        self.ca.push(Source::Pem(pem.to_vec()));
        self
    }

    /// Whether to trust the system's CA store. Defaults to `true` on a
    /// client that was given no CA of its own, `false` otherwise.
    #[doc(alias(
        "SSL_CTX_set_default_verify_paths",
        "load_default_certs",
        "set_default_verify_paths"
    ))]
    pub fn set_use_system_ca(&mut self, use_it: bool) -> &mut Self {
        self.system_ca = Some(use_it);
        self
    }

    /// Whether a server names the CAs of its CA files and PEM
    /// ([`set_ca_file`](Self::set_ca_file), [`add_ca_pem`](Self::add_ca_pem);
    /// never those of a [CA directory](Self::set_ca_dir)) in the
    /// CertificateRequest: the `certificate_authorities` extension in TLS
    /// 1.3, the list of CA names in TLS 1.2 (`SSL_CTX_add_client_CA`).
    ///
    /// Defaults to `true`, as `openssl s_server -CAfile`, nginx's
    /// `ssl_client_certificate` and Apache's `SSLCACertificateFile` do: a
    /// client with several certificates (or a
    /// [client-certificate callback](Self::set_client_certificate_callback),
    /// which gets the names) can pick the one the server will accept. An
    /// OpenSSL context, and Python's `load_verify_locations`, name none: `false`
    /// does the same, as `openssl s_server -verifyCAfile` and nginx's
    /// `ssl_trusted_certificate` do, for a server whose list is long (it
    /// goes into every CertificateRequest) or should not be shown. The CAs
    /// are trusted either way.
    #[doc(alias(
        "SSL_CTX_set_client_CA_list",
        "SSL_CTX_add_client_CA",
        "verifyCAfile",
        "certificate_authorities"
    ))]
    pub fn set_send_ca_names(&mut self, send: bool) -> &mut Self {
        self.send_ca_names = send;
        self
    }

    /// Loads the certificate revocation lists in a PEM file (one or many
    /// `X509 CRL` blocks) or a DER file into the trust store; may be called
    /// more than once. CRLs are consulted only under
    /// [`VerifyFlags::CRL_CHECK`] (see [`set_verify_flags`](Self::set_verify_flags)),
    /// as in OpenSSL and Python.
    #[doc(alias("X509_STORE_add_crl", "X509_load_crl_file", "load_verify_locations"))]
    pub fn set_crl_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.verify_params
            .crls
            .push(Source::File(path.as_ref().to_owned()));
        self
    }

    /// Loads the CRLs in PEM bytes into the trust store.
    #[doc(alias("X509_STORE_add_crl", "PEM_read_bio_X509_CRL", "cadata"))]
    pub fn add_crl_pem(&mut self, pem: &[u8]) -> &mut Self {
        self.verify_params.crls.push(Source::Pem(pem.to_vec()));
        self
    }

    /// OpenSSL's verification flags ([`VerifyFlags`], `X509_V_FLAG_*`),
    /// passed to OpenSSL unchanged: CRL checks, strict mode, partial chains,
    /// ... (Python's `verify_flags`). Replaces those set before. Defaults to
    /// none.
    #[doc(alias("X509_VERIFY_PARAM_set_flags", "X509_STORE_set_flags", "verify_flags"))]
    pub fn set_verify_flags(&mut self, flags: VerifyFlags) -> &mut Self {
        self.verify_params.flags = flags;
        self
    }

    /// The verification flags that will be set, as
    /// [`set_verify_flags`](Self::set_verify_flags) took them.
    #[doc(alias("X509_VERIFY_PARAM_get_flags", "verify_flags"))]
    pub fn get_verify_flags(&self) -> VerifyFlags {
        self.verify_params.flags
    }

    /// The longest chain accepted: at most `depth` intermediate CAs between
    /// the peer's certificate and the trust anchor (`SSL_CTX_set_verify_depth`);
    /// a longer one fails with `X509_V_ERR_CERT_CHAIN_TOO_LONG` (22).
    /// Defaults to OpenSSL's 100.
    #[doc(alias("SSL_CTX_set_verify_depth", "X509_VERIFY_PARAM_set_depth"))]
    pub fn set_verify_depth(&mut self, depth: u32) -> &mut Self {
        self.verify_params.depth = Some(depth);
        self
    }

    /// How a client matches the server's certificate to the name it checks
    /// ([`HostnameFlags`], `X509_CHECK_FLAG_*`, passed unchanged). Defaults
    /// to none: OpenSSL's own matching.
    #[doc(alias("X509_VERIFY_PARAM_set_hostflags", "SSL_set_hostflags"))]
    pub fn set_hostname_flags(&mut self, flags: HostnameFlags) -> &mut Self {
        self.verify_params.host_flags = flags;
        self
    }

    /// Whether the host-name check falls back to the subject's CN when the
    /// certificate has no DNS name (Python's `hostname_checks_common_name`):
    /// `false` sets [`HostnameFlags::NEVER_CHECK_SUBJECT`], `true` clears it.
    /// Defaults to `true`, as OpenSSL does.
    #[doc(alias("hostname_checks_common_name", "X509_CHECK_FLAG_NEVER_CHECK_SUBJECT"))]
    pub fn set_hostname_checks_common_name(&mut self, check: bool) -> &mut Self {
        let never = HostnameFlags::NEVER_CHECK_SUBJECT.bits();
        let bits = self.verify_params.host_flags.bits();
        let bits = if check { bits & !never } else { bits | never };
        self.verify_params.host_flags = HostnameFlags::from_openssl(bits);
        self
    }

    /// Whether the host-name check falls back to the subject's CN (Python's
    /// `hostname_checks_common_name`).
    #[doc(alias = "hostname_checks_common_name")]
    pub fn get_hostname_checks_common_name(&self) -> bool {
        !self
            .verify_params
            .host_flags
            .contains(HostnameFlags::NEVER_CHECK_SUBJECT)
    }

    /// Build step: the verify mode, with the context's verify callback
    /// (which runs the application's certificate hooks).
    pub(super) fn set_verify(&self, b: &mut SslContextBuilder) {
        crate::config::hooks::install_verify_callback(b, self.verify_mode);
    }

    /// Build step: a server name OpenSSL can take (no NUL byte).
    pub(super) fn check_server_name(&self) -> Result<(), Error> {
        if let Some(name) = &self.server_name {
            no_nul("server name", name)?;
        }
        Ok(())
    }

    /// Build step: the CAs (and, on a server, their names for the
    /// CertificateRequest), the CA directories, the system store, then the
    /// CRLs, flags and depth.
    pub(super) fn load_trust(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        self.load_cas(b)?;
        self.verify_params.apply(b)
    }

    fn load_cas(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        for source in &self.ca {
            for cert in source.certificates("CA certificate")? {
                if self.role == Role::Server && self.send_ca_names {
                    b.add_client_ca(&cert)
                        .map_err(|e| Error::load("CA name", source.origin(), e))?;
                }
                if let Err(e) = b.cert_store_mut().add_cert(cert) {
                    // The same CA given twice is harmless.
                    let dup = e.errors().iter().any(|x| {
                        x.library_code() == ERR_LIB_X509
                            && x.reason_code() == X509_R_CERT_ALREADY_IN_HASH_TABLE
                    });
                    if !dup {
                        return Err(Error::load("CA certificate", source.origin(), e));
                    }
                }
            }
        }
        for dir in &self.ca_dirs {
            let refused = |kind, why| Error::File {
                what: "CA directory",
                path: dir.clone(),
                source: std::io::Error::new(kind, why),
            };
            // A path that cannot name a file (a NUL byte) is std's
            // `InvalidInput`, as for the other files.
            let meta = std::fs::metadata(dir).map_err(|source| Error::File {
                what: "CA directory",
                path: dir.clone(),
                source,
            })?;
            if !meta.is_dir() {
                return Err(refused(std::io::ErrorKind::NotFound, "not a directory"));
            }
            // OpenSSL's loader takes the path as UTF-8 text.
            if dir.to_str().is_none() {
                return Err(refused(
                    std::io::ErrorKind::InvalidInput,
                    "the path is not valid UTF-8",
                ));
            }
            b.load_verify_locations(None, Some(dir))
                .map_err(|e| Error::load("CA directory", dir.display().to_string(), e))?;
        }
        let no_own_ca = self.ca.is_empty() && self.ca_dirs.is_empty();
        let system = self
            .system_ca
            .unwrap_or(self.role == Role::Client && no_own_ca);
        if system {
            b.set_default_verify_paths()
                .map_err(|source| ConfigError::OpenSsl {
                    step: "loading the system CA store",
                    source,
                })?;
        }
        Ok(())
    }
}

impl SslConfig {
    /// The verify mode, read back from OpenSSL (`SSL_CTX_get_verify_mode`).
    #[doc(alias("SSL_CTX_get_verify_mode", "getSslVerifyMode"))]
    pub fn get_verify_mode(&self) -> VerifyMode {
        VerifyMode::from_openssl(self.inner.ctx.verify_mode().bits())
    }

    /// The verification flags, read back from OpenSSL (the context's
    /// `X509_VERIFY_PARAM_get_flags`).
    #[doc(alias("X509_VERIFY_PARAM_get_flags", "verify_flags"))]
    pub fn get_verify_flags(&self) -> VerifyFlags {
        VerifyFlags::from_openssl(crate::sys::ffi::context::ctx_verify_flags(&self.inner.ctx))
    }
}
