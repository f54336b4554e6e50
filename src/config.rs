//! What a TLS context is built from, built once and shared by every socket.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use openssl::ssl::{Ssl, SslRef};
use openssl::ssl::{
    SslContext, SslContextBuilder, SslMethod, SslMode, SslOptions, SslSessionCacheMode, SslVersion,
};

use crate::callbacks::{CertCheck, ClientAuthRequest, HandshakeEvent, Hooks, SniDecision};
use crate::error::{ConfigError, Error, Operation};
use crate::identity::{Identity, Source};
use crate::parse::IntoVerifyMode;
use crate::reasons::{ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE};
use crate::session::SessionCache;
use crate::verify::{CertReqs, Role, VerifyMode};
use crate::version::TlsVersion;

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

/// Time limits, each for a whole operation (one deadline, however many
/// system calls it makes). `None` means wait forever.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening the TCP connection (client).
    pub connect: Option<Duration>,
    /// The whole TLS handshake.
    pub handshake: Option<Duration>,
    /// Each read call after the handshake, including the writes it must
    /// make (a KeyUpdate answer); also `unwrap()`'s wait for close_notify.
    pub read: Option<Duration>,
    /// Each write call after the handshake; also sending close_notify and
    /// a key update.
    pub write: Option<Duration>,
}

/// Builds an [`SslConfig`]. Start from [`SslConfig::client`] or
/// [`SslConfig::server`]; every setter takes `&mut self` and returns
/// `&mut Self`, and nothing is loaded until [`build`](Self::build).
#[derive(Debug, Clone)]
#[must_use]
pub struct SslConfigBuilder {
    role: Role,
    verify_mode: VerifyMode,
    check_hostname: bool,
    /// `set_cert_reqs(CertReqs::None)` turned the host check off; a later
    /// choice of mode turns it back on, an explicit `set_check_hostname` wins.
    hostname_off_by_cert_none: bool,
    server_name: Option<String>,
    ca: Vec<Source>,
    ca_dirs: Vec<PathBuf>,
    system_ca: Option<bool>,
    certificate: Option<Source>,
    chain: Option<Source>,
    key: Option<Source>,
    min_version: Option<TlsVersion>,
    max_version: Option<TlsVersion>,
    cipher_list: Option<String>,
    ciphersuites: Option<String>,
    timeouts: Timeouts,
    send_ca_names: bool,
    post_handshake_auth: Option<bool>,
    session_cache: bool,
    post_handshake_buffer_limit: usize,
    hooks: Hooks,
}

/// The default of [`SslConfigBuilder::set_post_handshake_buffer_limit`]: 1 MiB.
pub const DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT: usize = 1 << 20;

impl SslConfigBuilder {
    fn new(role: Role) -> SslConfigBuilder {
        SslConfigBuilder {
            role,
            verify_mode: match role {
                Role::Client => VerifyMode::PEER,
                Role::Server => VerifyMode::NONE,
            },
            check_hostname: true,
            hostname_off_by_cert_none: false,
            server_name: None,
            ca: Vec::new(),
            ca_dirs: Vec::new(),
            system_ca: None,
            certificate: None,
            chain: None,
            key: None,
            min_version: None,
            max_version: None,
            cipher_list: None,
            ciphersuites: None,
            timeouts: Timeouts {
                handshake: match role {
                    Role::Client => None,
                    Role::Server => Some(Duration::from_secs(30)),
                },
                ..Timeouts::default()
            },
            send_ca_names: true,
            post_handshake_auth: None,
            session_cache: true,
            post_handshake_buffer_limit: DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT,
            hooks: Hooks::default(),
        }
    }

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
    #[doc(alias("SSL_CTX_set_verify", "setSslVerifyMode", "verify_mode"))]
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
    #[doc(alias("server_hostname", "SSL_set_tlsext_host_name"))]
    pub fn set_server_name(&mut self, name: Option<&str>) -> &mut Self {
        self.server_name = name.map(str::to_owned);
        self
    }

    /// Trusts the CA certificates in a PEM (or single DER) file. May be called
    /// more than once. On a server the CA names are also sent in the
    /// CertificateRequest (see [`set_send_ca_names`](Self::set_send_ca_names)).
    #[doc(alias("SSL_CTX_load_verify_locations", "load_verify_locations", "cafile"))]
    pub fn set_ca_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.ca.push(Source::File(path.as_ref().to_owned()));
        self
    }

    /// Trusts the CA certificates in a hashed directory (`openssl rehash`).
    #[doc(alias("SSL_CTX_load_verify_locations", "capath"))]
    pub fn set_ca_dir(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.ca_dirs.push(path.as_ref().to_owned());
        self
    }

    /// Trusts the CA certificates in PEM bytes.
    #[doc(alias("X509_STORE_add_cert", "cadata"))]
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> &mut Self {
        self.ca.push(Source::Pem(pem.to_vec()));
        self
    }

    /// Whether to trust the system's CA store. Defaults to `true` on a
    /// client that was given no CA of its own, `false` otherwise.
    #[doc(alias("SSL_CTX_set_default_verify_paths", "load_default_certs"))]
    pub fn set_use_system_ca(&mut self, use_it: bool) -> &mut Self {
        self.system_ca = Some(use_it);
        self
    }

    /// This side's certificate from a PEM file: the leaf, then any
    /// intermediates, which are sent along with it.
    #[doc(alias(
        "SSL_CTX_use_certificate_chain_file",
        "load_cert_chain",
        "setCertificate"
    ))]
    pub fn set_certificate_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.certificate = Some(Source::File(path.as_ref().to_owned()));
        self
    }

    /// This side's certificate (and intermediates) from PEM bytes.
    #[doc(alias = "SSL_CTX_use_certificate")]
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
    #[doc(alias("SSL_CTX_use_PrivateKey_file", "load_cert_chain", "setPrivateKey"))]
    pub fn set_private_key_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.key = Some(Source::File(path.as_ref().to_owned()));
        self
    }

    /// The private key for the certificate, from PEM bytes.
    #[doc(alias = "SSL_CTX_use_PrivateKey")]
    pub fn set_private_key_pem(&mut self, pem: &[u8]) -> &mut Self {
        self.key = Some(Source::Pem(pem.to_vec()));
        self
    }

    /// The lowest protocol version allowed. `None`, the default, is TLS 1.2
    /// on every OpenSSL release; TLS 1.0 and 1.1 only when named here (and
    /// OpenSSL 3 also needs `@SECLEVEL=0` in the cipher list for them).
    #[doc(alias("SSL_CTX_set_min_proto_version", "minimum_version"))]
    pub fn set_min_version(&mut self, version: Option<TlsVersion>) -> &mut Self {
        self.min_version = version;
        self
    }

    /// The highest protocol version allowed. Defaults to the newest OpenSSL has.
    #[doc(alias("SSL_CTX_set_max_proto_version", "maximum_version"))]
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
    /// (`SSL_CTX_set_cipher_list`), e.g. `ECDHE+AESGCM`.
    #[doc(alias("SSL_CTX_set_cipher_list", "set_ciphers"))]
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

    /// Time limit for opening the TCP connection. Defaults to none.
    pub fn set_connect_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts.connect = t;
        self
    }

    /// Time limit for the whole handshake, however many reads and writes it
    /// makes. Defaults to none on a client and 30 seconds on a server, so
    /// that a peer that connects and says nothing, or trickles its
    /// handshake, cannot hold a server longer.
    pub fn set_handshake_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts.handshake = t;
        self
    }

    /// Time limit for each read call after the handshake, the whole call
    /// (including any writes it must make). Defaults to none.
    pub fn set_read_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts.read = t;
        self
    }

    /// Time limit for each write call after the handshake, the whole call.
    /// Defaults to none.
    pub fn set_write_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts.write = t;
        self
    }

    /// The most application data a server keeps while
    /// [`request_client_certificate`](crate::SslSocket::request_client_certificate)
    /// waits for the client's answer. Defaults to
    /// [`DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT`] (1 MiB). A client that sends
    /// more before answering makes the request fail with
    /// [`Error::PostHandshakeBufferFull`].
    pub fn set_post_handshake_buffer_limit(&mut self, bytes: usize) -> &mut Self {
        self.post_handshake_buffer_limit = bytes;
        self
    }

    /// Whether a server names its trusted CAs in the CertificateRequest (as
    /// `openssl s_server -CAfile` does), so a client can pick a matching
    /// certificate. Defaults to `true`.
    #[doc(alias("SSL_CTX_set_client_CA_list", "SSL_CTX_add_client_CA"))]
    pub fn set_send_ca_names(&mut self, send: bool) -> &mut Self {
        self.send_ca_names = send;
        self
    }

    /// Whether a client offers TLS 1.3 post-handshake authentication
    /// (`SSL_CTX_set_post_handshake_auth`), letting the server ask for its
    /// certificate after the handshake. Defaults to on when the client has a
    /// certificate configured.
    #[doc(alias("SSL_CTX_set_post_handshake_auth", "post_handshake_auth"))]
    pub fn set_post_handshake_auth(&mut self, offer: bool) -> &mut Self {
        self.post_handshake_auth = Some(offer);
        self
    }

    /// Whether sessions are cached for resumption. Defaults to `true`: a
    /// client resumes the session of its last connection to the same peer
    /// id (`host:port` by default), and a server keeps a session cache and
    /// issues session tickets. `false` is python-nss's `SSL_NO_CACHE`: every
    /// handshake is a full one.
    #[doc(alias = "SSL_CTX_set_session_cache_mode")]
    pub fn set_session_cache(&mut self, on: bool) -> &mut Self {
        self.session_cache = on;
        self
    }

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
    #[doc(alias("SSL_CTX_set_tlsext_servername_callback", "sni_callback"))]
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

    /// Loads everything and builds the shared OpenSSL context.
    ///
    /// # Errors
    ///
    /// [`Error::File`] for a file that cannot be read, [`Error::Load`] for one
    /// that does not hold what it should, [`Error::KeyMismatch`] for a key
    /// that is not the certificate's, [`Error::InvalidConfig`] for settings
    /// that cannot work together.
    #[doc(alias = "SSL_CTX_new")]
    pub fn build(&self) -> Result<SslConfig, Error> {
        let method = match self.role {
            Role::Client => SslMethod::tls_client(),
            Role::Server => SslMethod::tls_server(),
        };
        let config_err =
            |step: &'static str| move |source| Error::from(ConfigError::OpenSsl { step, source });
        let mut b = SslContextBuilder::new(method).map_err(config_err("creating the context"))?;
        // A write that would block is retried with the same bytes, which
        // may have moved (a Vec that grew, a buffer of another thread).
        b.set_mode(SslMode::RELEASE_BUFFERS | SslMode::ACCEPT_MOVING_WRITE_BUFFER);
        crate::callbacks::install_verify_callback(&mut b, self.verify_mode);

        // TLS 1.2 at least unless told otherwise, whatever the OpenSSL
        // release's own default (1.1.1 allows TLS 1.0).
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
        if let Some(c) = &self.cipher_list {
            no_nul("cipher list", c)?;
            b.set_cipher_list(c)
                .map_err(|source| ConfigError::CipherList {
                    list: c.clone(),
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

        self.load_trust(&mut b)?;
        self.load_identity(&mut b)?;
        if self.role == Role::Server {
            b.set_session_id_context(b"sslsocket")
                .map_err(config_err("session id context"))?;
            // A renegotiation that resumed the session would skip the
            // CertificateRequest that `request_client_certificate` needs.
            // Peers' renegotiations are refused on every release (OpenSSL 3
            // refuses them by default, 1.1.1 allows them);
            // `request_client_certificate` lifts this for its own.
            b.set_options(
                SslOptions::NO_SESSION_RESUMPTION_ON_RENEGOTIATION | SslOptions::NO_RENEGOTIATION,
            );
        }

        let sessions = Arc::new(SessionCache::default());
        match (self.role, self.session_cache) {
            (Role::Client, true) => SessionCache::install(&mut b, sessions.clone()),
            (Role::Client, false) => {
                b.set_session_cache_mode(SslSessionCacheMode::OFF);
            }
            (Role::Server, true) => {}
            (Role::Server, false) => {
                b.set_session_cache_mode(SslSessionCacheMode::OFF);
                b.set_options(SslOptions::NO_TICKET);
            }
        }
        self.hooks
            .clone()
            .install(&mut b, self.role)
            .map_err(config_err("ALPN protocols"))?;
        let post_handshake_auth = self
            .post_handshake_auth
            .unwrap_or(self.certificate.is_some() || self.hooks.client_cert.is_some());
        if self.role == Role::Client && post_handshake_auth {
            crate::ffi::ctx_set_post_handshake_auth(&mut b, true);
        }
        Ok(SslConfig {
            inner: Arc::new(Inner {
                ctx: b.build(),
                role: self.role,
                check_hostname: self.get_check_hostname(),
                server_name: self.server_name.clone(),
                timeouts: self.timeouts,
                post_handshake_buffer_limit: self.post_handshake_buffer_limit,
                sessions: (self.role == Role::Client && self.session_cache).then_some(sessions),
            }),
        })
    }

    fn load_trust(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
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
            if !dir.is_dir() {
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

    fn load_identity(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        let (cert_src, key_src) = match (&self.certificate, &self.key) {
            (None, None) if self.role == Role::Server => {
                return Err(ConfigError::MissingIdentity.into())
            }
            (None, None) => return Ok(()),
            (Some(_), None) => return Err(ConfigError::MissingPrivateKey.into()),
            (None, Some(_)) => return Err(ConfigError::MissingCertificate.into()),
            (Some(c), Some(k)) => (c, k),
        };
        let mut id = Identity::load(cert_src, key_src)?;
        if let Some(c) = &self.chain {
            id.chain.extend(c.certificates("certificate chain")?);
        }
        id.install_on_context(b)
    }
}

/// A built TLS configuration: one OpenSSL context, shared by every socket
/// made from it. Cloning is cheap.
///
/// ```
/// use sslsocket::{SslConfig, VerifyMode};
/// let mut b = SslConfig::client();
/// b.set_ca_file("certs/ca.pem").set_verify_mode(VerifyMode::PEER)?;
/// let config = b.build()?;
/// assert_eq!(config.get_verify_mode(), 1);
/// # Ok::<(), sslsocket::Error>(())
/// ```
#[derive(Clone)]
pub struct SslConfig {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) ctx: SslContext,
    pub(crate) role: Role,
    pub(crate) check_hostname: bool,
    pub(crate) server_name: Option<String>,
    pub(crate) timeouts: Timeouts,
    pub(crate) post_handshake_buffer_limit: usize,
    pub(crate) sessions: Option<Arc<SessionCache>>,
}

impl SslConfig {
    /// A builder for a client: verifies the server's chain and host name
    /// (`PEER`) against the system CA store unless given CAs of its own.
    #[doc(alias("TLS_client_method", "create_default_context"))]
    pub fn client() -> SslConfigBuilder {
        SslConfigBuilder::new(Role::Client)
    }

    /// A builder for a server: asks for no client certificate (`NONE`)
    /// until told otherwise; needs a certificate and key.
    #[doc(alias = "TLS_server_method")]
    pub fn server() -> SslConfigBuilder {
        SslConfigBuilder::new(Role::Server)
    }

    /// Which end this configuration is for.
    pub fn role(&self) -> Role {
        self.inner.role
    }

    /// The verify mode, read back from OpenSSL (`SSL_CTX_get_verify_mode`).
    #[doc(alias("SSL_CTX_get_verify_mode", "getSslVerifyMode"))]
    pub fn get_verify_mode(&self) -> VerifyMode {
        VerifyMode::from_openssl(self.inner.ctx.verify_mode().bits())
    }

    /// The time limits sockets made from this configuration use.
    pub fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }

    /// Forgets the sessions a client saved, so the next connections make
    /// full handshakes.
    pub fn clear_sessions(&self) {
        if let Some(s) = &self.inner.sessions {
            s.clear();
        }
    }

    /// How many peers a client has a saved session for.
    pub fn saved_sessions(&self) -> usize {
        self.inner.sessions.as_ref().map_or(0, |s| s.len())
    }

    /// The OpenSSL context, for settings this crate does not wrap.
    #[doc(alias = "SSL_CTX")]
    pub fn context(&self) -> &SslContext {
        &self.inner.ctx
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// A connection of this configuration, set up for its handshake and not
    /// yet connected to anything: the record the callbacks fill, the
    /// handshake role, and for a client the name sent as SNI, the host-name
    /// or IP check and the saved session (found by the peer id,
    /// `peer(name)`, and the name used).
    ///
    /// The flag is true for a client that checks host names and was given
    /// none: its handshake must not start while its mode verifies.
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] when `role` is not the configuration's,
    /// [`Error::Tls`] when OpenSSL refuses a setting.
    pub(crate) fn new_ssl(
        &self,
        role: Role,
        server_name: Option<&str>,
        peer: impl FnOnce(Option<&str>) -> String,
    ) -> Result<(Ssl, bool), Error> {
        let inner = &*self.inner;
        if inner.role != role {
            return Err(Error::WrongRole(role));
        }
        let setup = |source| Error::Tls {
            during: Operation::Handshake,
            source,
        };
        let mut ssl = Ssl::new(&inner.ctx).map_err(setup)?;
        crate::callbacks::attach_record(&mut ssl);
        if role == Role::Server {
            ssl.set_accept_state();
            return Ok((ssl, false));
        }
        ssl.set_connect_state();
        let name = inner
            .server_name
            .as_deref()
            .or(server_name)
            .map(|n| n.trim_end_matches('.'));
        let name = name.filter(|n| !n.is_empty());
        let unnamed_check = inner.check_hostname && name.is_none();
        if let Some(name) = name {
            no_nul("server name", name)?;
            match name.parse::<IpAddr>() {
                Ok(ip) if inner.check_hostname => ssl.param_mut().set_ip(ip).map_err(setup)?,
                Ok(_) => {}
                Err(_) => {
                    ssl.set_hostname(name).map_err(setup)?;
                    if inner.check_hostname {
                        ssl.param_mut().set_host(name).map_err(setup)?;
                    }
                }
            }
        }
        if let Some(cache) = &inner.sessions {
            cache.prepare(
                &mut ssl,
                session_id(&peer(name), name, inner.check_hostname),
            );
        }
        Ok((ssl, unnamed_check))
    }
}

/// Refuses a value OpenSSL takes as a C string when it holds a NUL byte
/// (the `openssl` crate would panic on it).
fn no_nul(setting: &'static str, value: &str) -> Result<(), Error> {
    if value.contains('\0') {
        return Err(ConfigError::NulByte {
            setting,
            value: value.to_owned(),
        }
        .into());
    }
    Ok(())
}

/// The key a client session is saved under: the peer, the name the client
/// used (sent as SNI, or the IP address) and whether the certificate was
/// checked against it. A session is offered again only to a connection that
/// names, and checks, the same.
fn session_id(peer: &str, name: Option<&str>, checked: bool) -> String {
    let name = name.unwrap_or("");
    let check = if checked { "checked" } else { "unchecked" };
    format!("{peer} name={name} {check}")
}

impl fmt::Debug for SslConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SslConfig")
            .field("role", &self.inner.role)
            .field("verify_mode", &self.get_verify_mode())
            .field("check_hostname", &self.inner.check_hostname)
            .field("server_name", &self.inner.server_name)
            .field("timeouts", &self.inner.timeouts)
            .finish_non_exhaustive()
    }
}
