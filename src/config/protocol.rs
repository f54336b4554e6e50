//! Protocol settings: the versions, the cipher lists, OpenSSL's `SSL_OP_*`
//! options, key-exchange groups, signature algorithms, finite-field
//! Diffie-Hellman for a server's TLS 1.2 suites, unexpected EOF and
//! renegotiation.

use std::path::Path;

use openssl::dh::Dh;
use openssl::ssl::{Ssl, SslContextBuilder, SslMethod, SslOptions, SslVersion};

use crate::config::identity::Source;
use crate::config::{config_err, no_nul, SslConfig, SslConfigBuilder};
use crate::error::config_error::ConfigError;
use crate::error::Error;
use crate::verify::mode::Role;
use crate::version::TlsVersion;

/// A client's TLS 1.2 cipher list unless
/// [`SslConfigBuilder::set_cipher_list`] sets another: the list of Python's
/// `ssl.create_default_context()`. Every suite has forward secrecy (ECDHE
/// or DHE) and an AEAD or SHA-2 MAC; none has RSA key exchange, a SHA-1
/// MAC, DSS, CCM or no encryption, and the security level is 2. TLS 1.3
/// suites are set apart ([`SslConfigBuilder::set_ciphersuites`]) and keep
/// OpenSSL's default. A server's default list is OpenSSL's own.
#[doc(alias("PY_SSL_DEFAULT_CIPHER_STRING", "create_default_context"))]
pub const DEFAULT_CLIENT_CIPHER_LIST: &str =
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM";

/// The OpenSSL version a configuration asks for; SSL 2 and 3 are refused.
fn to_openssl(version: TlsVersion) -> Result<SslVersion, Error> {
    match version {
        TlsVersion::Ssl2 | TlsVersion::Ssl3 => Err(ConfigError::UnsupportedVersion(version).into()),
        TlsVersion::Tls1 => Ok(SslVersion::TLS1),
        TlsVersion::Tls1_1 => Ok(SslVersion::TLS1_1),
        TlsVersion::Tls1_2 => Ok(SslVersion::TLS1_2),
        TlsVersion::Tls1_3 => Ok(SslVersion::TLS1_3),
    }
}

impl SslConfigBuilder {
    /// The lowest protocol version allowed. `None`, the default, is TLS 1.2
    /// on every OpenSSL release; TLS 1.0 and 1.1 only when named here (and
    /// OpenSSL 3 also needs `@SECLEVEL=0` in the cipher list for them; a
    /// client's default list has no suite they can use).
    #[doc(alias(
        "SSL_CTX_set_min_proto_version",
        "minimum_version",
        "SSL_ENABLE_TLS",
        "SSL_ENABLE_SSL3",
        "SSL_ENABLE_SSL2"
    ))]
    pub fn set_min_version(&mut self, version: Option<TlsVersion>) -> &mut Self {
        self.min_version = version;
        self
    }

    /// The highest protocol version allowed. Defaults to the newest OpenSSL has.
    #[doc(alias("SSL_CTX_set_max_proto_version", "maximum_version", "SSL_ENABLE_TLS"))]
    pub fn set_max_version(&mut self, version: Option<TlsVersion>) -> &mut Self {
        self.max_version = version;
        self
    }

    /// Allows exactly one protocol version.
    #[doc(alias("SSL_CTX_set_min_proto_version", "SSL_CTX_set_max_proto_version"))]
    pub fn set_version(&mut self, version: TlsVersion) -> &mut Self {
        self.min_version = Some(version);
        self.max_version = Some(version);
        self
    }

    /// The TLS 1.2-and-older cipher list, in OpenSSL's syntax
    /// (`SSL_CTX_set_cipher_list`), e.g. `ECDHE+AESGCM`; OpenSSL gets
    /// exactly this list, whatever it allows.
    ///
    /// Defaults to [`DEFAULT_CLIENT_CIPHER_LIST`] on a client (Python's
    /// `create_default_context()` list: forward secrecy, AEAD or SHA-2 MACs,
    /// security level 2), so that a client never settles for a suite
    /// without forward secrecy or with a SHA-1 MAC. A server keeps
    /// OpenSSL's own default, as `openssl s_server` does: old clients and
    /// conformance suites expect what a server would offer, and the client
    /// is the end that must not settle for less. Set a list on a client for
    /// a server that knows only older suites (TLS 1.0 and 1.1 have none in
    /// the default list), or on a server to narrow what it accepts.
    #[doc(alias("SSL_CTX_set_cipher_list", "set_ciphers", "set_cipher_pref"))]
    pub fn set_cipher_list(&mut self, ciphers: &str) -> &mut Self {
        self.cipher_list = Some(ciphers.to_owned());
        self
    }

    /// The TLS 1.3 ciphersuites (`SSL_CTX_set_ciphersuites`), e.g.
    /// `TLS_AES_256_GCM_SHA384`.
    #[doc(alias = "SSL_CTX_set_ciphersuites")]
    pub fn set_ciphersuites(&mut self, suites: &str) -> &mut Self {
        self.ciphersuites = Some(suites.to_owned());
        self
    }

    /// Sets OpenSSL's `SSL_OP_*` option bits ([`SslOptions`], passed
    /// through), on top of OpenSSL's defaults and the crate's (a server
    /// sets `NO_RENEGOTIATION` and `NO_SESSION_RESUMPTION_ON_RENEGOTIATION`);
    /// a later [`clear_options`](Self::clear_options) of the same bits wins,
    /// and the reverse. Python: `ctx.options |= ssl.OP_...`.
    #[doc(alias("SSL_CTX_set_options", "options"))]
    pub fn set_options(&mut self, options: SslOptions) -> &mut Self {
        self.knobs.set(options);
        self
    }

    /// Clears `SSL_OP_*` option bits, OpenSSL's defaults and the crate's
    /// included. Python: `ctx.options &= ~ssl.OP_...`.
    #[doc(alias("SSL_CTX_clear_options", "options"))]
    pub fn clear_options(&mut self, options: SslOptions) -> &mut Self {
        self.knobs.clear(options);
        self
    }

    /// The options the context will have: OpenSSL's defaults, the crate's,
    /// and those set and cleared here (worked out on a scratch OpenSSL
    /// context), as Python's `ctx.options` reads them.
    #[doc(alias = "SSL_CTX_get_options")]
    pub fn options(&self) -> SslOptions {
        match SslContextBuilder::new(self.method()) {
            Ok(mut b) => {
                self.apply_options(&mut b);
                b.options()
            }
            Err(_) => self.knobs.set,
        }
    }

    /// Whether a server picks the cipher by its own order of preference
    /// rather than the client's (`SSL_OP_CIPHER_SERVER_PREFERENCE`).
    /// Defaults to `false`, OpenSSL's default: the client's order.
    #[doc(alias("SSL_OP_CIPHER_SERVER_PREFERENCE", "OP_CIPHER_SERVER_PREFERENCE"))]
    pub fn set_server_cipher_preference(&mut self, server_first: bool) -> &mut Self {
        self.knobs
            .turn(SslOptions::CIPHER_SERVER_PREFERENCE, server_first);
        self
    }

    /// The key-exchange groups offered (client) and accepted (server), most
    /// preferred first, in OpenSSL's syntax: `"X25519:P-256"`
    /// (`SSL_CTX_set1_groups_list`, `openssl s_client -groups`). Python:
    /// `set_ecdh_curve` (one curve).
    ///
    /// # Errors
    ///
    /// At [`build`](Self::build), [`ConfigError::Groups`] for a list
    /// OpenSSL rejects, [`ConfigError::NulByte`] for one holding a NUL byte.
    #[doc(alias(
        "SSL_CTX_set1_groups_list",
        "SSL_CTX_set1_curves_list",
        "set_ecdh_curve"
    ))]
    pub fn set_groups(&mut self, groups: &str) -> &mut Self {
        self.knobs.groups = Some(groups.to_owned());
        self
    }

    /// The signature algorithms this end accepts and signs with, in
    /// OpenSSL's syntax: `"ECDSA+SHA256:RSA-PSS+SHA256"` or TLS 1.3 names
    /// such as `"ecdsa_secp256r1_sha256"` (`SSL_CTX_set1_sigalgs_list`,
    /// `openssl s_client -sigalgs`).
    ///
    /// # Errors
    ///
    /// At [`build`](Self::build), [`ConfigError::Sigalgs`] for a list
    /// OpenSSL rejects, [`ConfigError::NulByte`] for one holding a NUL byte.
    #[doc(alias("SSL_CTX_set1_sigalgs_list", "sigalgs"))]
    pub fn set_sigalgs(&mut self, sigalgs: &str) -> &mut Self {
        self.knobs.sigalgs = Some(sigalgs.to_owned());
        self
    }

    /// Whether a server can negotiate the TLS 1.2 (and older) suites with
    /// finite-field Diffie-Hellman key exchange, `DHE-RSA-*`, with
    /// parameters OpenSSL picks for each handshake: a well-known group as
    /// strong as the certificate's key and the security level (2048 bits
    /// for an RSA-2048 key) (`SSL_CTX_set_dh_auto`). Without it, or
    /// [`load_dh_params`](Self::load_dh_params), a server has no DHE
    /// parameters and skips those suites: a client that offers nothing
    /// else (or ECDHE without the `supported_groups` extension) gets a
    /// `handshake_failure` alert. TLS 1.3 is unaffected (its finite-field
    /// groups are key-exchange groups, [`set_groups`](Self::set_groups)),
    /// and so is a server with only an ECDSA certificate (TLS 1.2 has no
    /// DHE suite for it). A client ignores it.
    ///
    /// Defaults to `false`, OpenSSL's own default: a server of this crate
    /// accepts what any OpenSSL server accepts unless told otherwise (nginx
    /// without `ssl_dhparam` does the same). Every current client offers
    /// TLS 1.3 or ECDHE, which are cheaper and unaffected; with DHE on, a
    /// client that prefers DHE makes the server compute a 2048-bit or
    /// larger modular exponentiation per handshake at little cost to
    /// itself (CVE-2002-20001), for the sake of old clients only. Turn it
    /// on for those (Mozilla's "intermediate" profile offers DHE), as
    /// `openssl s_server` does unless given `-dhparam` or `-no_dhe`, and
    /// as the `s_server` example does. When both this and
    /// [`load_dh_params`](Self::load_dh_params) are set, OpenSSL uses the
    /// automatic parameters.
    #[doc(alias("SSL_CTX_set_dh_auto", "SSL_set_dh_auto", "dh_auto"))]
    pub fn set_dh_auto(&mut self, on: bool) -> &mut Self {
        self.dhe.auto = on;
        self
    }

    /// Enables the TLS 1.2 DHE suites of a server, as
    /// [`set_dh_auto`](Self::set_dh_auto) does, with the Diffie-Hellman
    /// parameters of a PEM file (the first `DH PARAMETERS` or `X9.42 DH
    /// PARAMETERS` block) instead of OpenSSL's choice (`SSL_CTX_set_tmp_dh`;
    /// Python's `load_dh_params`, nginx's `ssl_dhparam`, `openssl s_server
    /// -dhparam`). Mozilla's "intermediate" profile uses RFC 7919's
    /// ffdhe2048 group, which `openssl genpkey -genparam -algorithm DH
    /// -pkeyopt dh_param:ffdhe2048` writes at once (no `openssl dhparam`
    /// search for a new prime). A client ignores them. Off by default (see
    /// [`set_dh_auto`](Self::set_dh_auto) for why).
    ///
    /// # Errors
    ///
    /// At [`build`](Self::build), [`Error::File`] for a file that cannot be
    /// read, [`Error::Load`] for one that holds no PEM DH parameters or a
    /// group weaker than the security level allows (`dh key too small`:
    /// 1024 bits at OpenSSL 3's default level).
    #[doc(alias(
        "SSL_CTX_set_tmp_dh",
        "SSL_CTX_set0_tmp_dh_pkey",
        "PEM_read_bio_DHparams",
        "ssl_dhparam",
        "dhparam"
    ))]
    pub fn load_dh_params(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.dhe.params = Some(Source::File(path.as_ref().to_owned()));
        self
    }

    /// Whether a peer that closes TCP without sending close_notify ends
    /// reading cleanly (`Ok(0)`, OpenSSL 3's `SSL_OP_IGNORE_UNEXPECTED_EOF`;
    /// Python's `suppress_ragged_eofs`) instead of
    /// [`Error::UnexpectedEof`]. As in OpenSSL, the end of the stream then
    /// counts as the peer's close_notify
    /// ([`SslSocket::received_close_notify`](crate::SslSocket::received_close_notify)
    /// is true). Defaults to `false`.
    ///
    /// # Warning
    ///
    /// A truncation attack then looks like the end of the data: use it only
    /// where the application's own framing shows where the data ends.
    ///
    /// Before OpenSSL 3.0 there is no such option: [`build`](Self::build)
    /// then fails with [`ConfigError::NeedsNewerOpenSsl`] for `true`.
    #[doc(alias("SSL_OP_IGNORE_UNEXPECTED_EOF", "suppress_ragged_eofs"))]
    pub fn set_allow_unexpected_eof(&mut self, allow: bool) -> &mut Self {
        self.knobs.allow_unexpected_eof(allow);
        self
    }

    /// Whether the peer may renegotiate (TLS 1.2 and older). On a server,
    /// `true` lets clients renegotiate again (OpenSSL 3 refuses them by
    /// default, and this crate on every release: it clears
    /// `SSL_OP_NO_RENEGOTIATION` and sets `SSL_OP_ALLOW_CLIENT_RENEGOTIATION`);
    /// each one is reported as `HandshakeEvent::Started` / `Completed` with
    /// `renegotiation: true`. On a client, `false` refuses the server's
    /// HelloRequest (`SSL_OP_NO_RENEGOTIATION`), which also refuses a
    /// server's request for a certificate by renegotiation. Defaults to
    /// `false` on a server, `true` on a client. Secure renegotiation
    /// (RFC 5746) is always required. It governs only what the peer may
    /// start: this end's own [`renegotiate`](crate::SslSocket::renegotiate)
    /// (and a server's `request_client_certificate`) goes ahead either way.
    #[doc(alias(
        "SSL_OP_NO_RENEGOTIATION",
        "SSL_OP_ALLOW_CLIENT_RENEGOTIATION",
        "OP_NO_RENEGOTIATION"
    ))]
    pub fn set_renegotiation(&mut self, allow: bool) -> &mut Self {
        self.knobs.renegotiation(allow, self.role);
        self
    }

    pub(super) fn method(&self) -> SslMethod {
        match self.role {
            Role::Client => SslMethod::tls_client(),
            Role::Server => SslMethod::tls_server(),
        }
    }

    /// Every `SSL_OP_*` bit: the crate's defaults for the role, then those
    /// set and cleared by the application.
    fn apply_options(&self, b: &mut SslContextBuilder) {
        if self.role == Role::Server {
            // A renegotiation that resumed the session would skip the
            // CertificateRequest that `request_client_certificate` needs.
            // Peers' renegotiations are refused on every release (OpenSSL 3
            // refuses them by default, 1.1.1 allows them) unless
            // `set_renegotiation(true)`; `request_client_certificate` lifts
            // this for its own.
            b.set_options(
                SslOptions::NO_SESSION_RESUMPTION_ON_RENEGOTIATION | SslOptions::NO_RENEGOTIATION,
            );
            if !self.session_cache {
                b.set_options(SslOptions::NO_TICKET);
            }
        }
        self.knobs.apply_options(b);
    }

    /// Build step: the lowest and highest versions, TLS 1.2 at least unless
    /// told otherwise, whatever the OpenSSL release's own default (1.1.1
    /// allows TLS 1.0).
    pub(super) fn set_versions(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        let min = self.min_version.unwrap_or(TlsVersion::Tls1_2);
        b.set_min_proto_version(Some(to_openssl(min)?))
            .map_err(config_err("minimum version"))?;
        if let Some(v) = self.max_version {
            b.set_max_proto_version(Some(to_openssl(v)?))
                .map_err(config_err("maximum version"))?;
        }
        if let Some(max) = self.max_version {
            if min > max {
                return Err(ConfigError::VersionRange {
                    min,
                    max,
                    default_min: self.min_version.is_none(),
                }
                .into());
            }
        }
        Ok(())
    }

    /// Build step: the cipher list and the TLS 1.3 ciphersuites. A client
    /// without a list of its own takes Python's; a server keeps OpenSSL's.
    pub(super) fn set_ciphers(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        let client_default = (self.role == Role::Client).then_some(DEFAULT_CLIENT_CIPHER_LIST);
        if let Some(c) = self.cipher_list.as_deref().or(client_default) {
            no_nul("cipher list", c)?;
            b.set_cipher_list(c)
                .map_err(|source| ConfigError::CipherList {
                    list: c.to_owned(),
                    source,
                })?;
        }
        if let Some(c) = &self.ciphersuites {
            no_nul("TLS 1.3 ciphersuites", c)?;
            b.set_ciphersuites(c)
                .map_err(|source| ConfigError::Ciphersuites {
                    suites: c.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    /// Build step: the option bits, the groups, signature algorithms and
    /// tickets, and the DHE parameters.
    pub(super) fn apply_protocol(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        self.apply_options(b);
        self.knobs.apply(b)?;
        self.dhe.install(b)
    }
}

// What a configuration's context enables.
impl SslConfig {
    /// The context's `SSL_OP_*` options, read back from OpenSSL
    /// (`SSL_CTX_get_options`).
    #[doc(alias = "SSL_CTX_get_options")]
    pub fn options(&self) -> SslOptions {
        crate::sys::ffi::context::ctx_options(&self.inner.ctx)
    }

    /// The cipher suites a connection of this configuration can use, in
    /// order of preference, named as OpenSSL names them (Python's
    /// `SSLContext.get_ciphers()`, by name): the TLS 1.3 suites first, then
    /// the cipher list's, less those the protocol versions or the security
    /// level rule out, as `openssl ciphers -s` lists them
    /// (`SSL_get1_supported_ciphers` on a connection of the context). C's
    /// `SSL_get_ciphers` lists the configured ones without that filter.
    #[doc(alias(
        "get_ciphers",
        "get_cipher_pref",
        "SSL_get1_supported_ciphers",
        "SSL_get_ciphers",
        "SSL_CTX_get_ciphers"
    ))]
    pub fn ciphers(&self) -> Vec<String> {
        match Ssl::new(&self.inner.ctx) {
            Ok(mut ssl) => crate::sys::ffi::connection::supported_ciphers(&mut ssl)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

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
        crate::sys::ffi::context::ctx_set_dh_auto(b, self.auto);
        Ok(())
    }
}
