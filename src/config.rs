//! What a TLS context is built from, built once and shared by every socket.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use openssl::ssl::{Ssl, SslRef, StatusType};
use openssl::ssl::{
    SslContext, SslContextBuilder, SslMethod, SslMode, SslOptions, SslSessionCacheMode, SslVersion,
};

use crate::callbacks::{CertCheck, ClientAuthRequest, HandshakeEvent, Hooks, SniDecision};
use crate::dh::Dhe;
use crate::error::{ConfigError, Error, Operation};
use crate::hostname_flags::HostnameFlags;
use crate::identity::{Identity, Source};
use crate::keylog::KeyLog;
use crate::ocsp::Ocsp;
use crate::options::Knobs;
use crate::parse::IntoVerifyMode;
use crate::password::{IntoPassword, KeyPassword, Password};
use crate::reasons::{ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE};
use crate::revocation::{VerifyFlags, VerifyParams};
use crate::session::SessionCache;
use crate::verify::{CertReqs, Role, VerifyMode};
use crate::version::TlsVersion;
use crate::warnings::{ConfigWarning, Facts};

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
///
/// Python's `settimeout(t)` is [`SslConfigBuilder::set_timeout`] on a
/// configuration and `set_timeout` on a socket (the handshake, read and
/// write limits at once); `gettimeout()` is a socket's `timeouts()`.
/// `Timeouts::default()` has no limit at all; a configuration starts from
/// these defaults, the same in both roles unless the table says otherwise:
///
/// | limit | default | set with | bounds |
/// |---|---|---|---|
/// | [`connect`](Self::connect) | none | [`set_connect_timeout`](SslConfigBuilder::set_connect_timeout) | opening the TCP connection (`SslSocket::connect`) |
/// | [`handshake`](Self::handshake) | 30 s, client and server | [`set_handshake_timeout`](SslConfigBuilder::set_handshake_timeout) | the whole handshake, however many records it takes |
/// | [`read`](Self::read) | none | [`set_read_timeout`](SslConfigBuilder::set_read_timeout) | each read or `peek` (with the writes it must make), `unwrap`'s wait for close_notify |
/// | [`write`](Self::write) | none | [`set_write_timeout`](SslConfigBuilder::set_write_timeout) | each write, flush, shutdown (close_notify), key update |
/// | all four | as above | [`set_timeout`](SslConfigBuilder::set_timeout) | Python's `settimeout` |
///
/// Bounds that are not settings:
///
/// | what | bound |
/// |---|---|
/// | `wait_readable(t)` | `t`, given with each call (`None`: no limit) |
/// | `request_client_certificate(t)` | `t`, given with each call |
/// | dropping a socket with bytes not yet sent | the write timeout, 10 s without one |
/// | the lingering close (a connection ending after this end sent a fatal alert, or its close_notify unanswered, or with input unread) | 500 ms: the peer reads the alert or last answer instead of a reset |
/// | data kept while a certificate request waits | [`DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT`] (1 MiB), not a time |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[doc(alias("settimeout", "gettimeout"))]
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
    verify_params: VerifyParams,
    certificate: Option<Source>,
    chain: Option<Source>,
    key: Option<Source>,
    key_password: KeyPassword,
    pkcs12: Option<(Source, Password)>,
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
    keylog: KeyLog,
    ocsp: Ocsp,
    knobs: Knobs,
    dhe: Dhe,
}

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

/// A handshake's time limit in either role unless
/// [`SslConfigBuilder::set_handshake_timeout`] sets another: a silent or
/// trickling peer holds a client or a server no longer.
const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

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
            verify_params: VerifyParams::default(),
            certificate: None,
            chain: None,
            key: None,
            key_password: KeyPassword::None,
            pkcs12: None,
            min_version: None,
            max_version: None,
            cipher_list: None,
            ciphersuites: None,
            timeouts: Timeouts {
                handshake: Some(DEFAULT_HANDSHAKE_TIMEOUT),
                ..Timeouts::default()
            },
            send_ca_names: true,
            post_handshake_auth: None,
            session_cache: true,
            post_handshake_buffer_limit: DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT,
            hooks: Hooks::default(),
            keylog: KeyLog::default(),
            ocsp: Ocsp::default(),
            knobs: Knobs::default(),
            dhe: Dhe::default(),
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

    /// Sets the time limits for opening the TCP connection, the handshake,
    /// each read and each write at once (Python's `socket.settimeout`);
    /// `None` waits forever. The setters of each limit below set one; the
    /// defaults are in the table of [`Timeouts`].
    #[doc(alias("settimeout", "setdefaulttimeout"))]
    pub fn set_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts = Timeouts {
            connect: t,
            handshake: t,
            read: t,
            write: t,
        };
        self
    }

    /// Time limit for opening the TCP connection. Defaults to none.
    pub fn set_connect_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts.connect = t;
        self
    }

    /// Time limit for the whole handshake, however many reads and writes it
    /// makes. Defaults to 30 seconds in either role, so that a peer that
    /// connects and says nothing, or trickles its handshake, cannot hold a
    /// server or a client longer; `None` waits forever.
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

    /// Whether sessions are cached for resumption. Defaults to `true`: a
    /// client resumes the session of its last connection to the same peer
    /// id (`host:port` by default), and a server keeps a session cache and
    /// issues session tickets. `false` is python-nss's `SSL_NO_CACHE`: every
    /// handshake is a full one.
    #[doc(alias("SSL_CTX_set_session_cache_mode", "SSL_NO_CACHE"))]
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

    /// Calls `log` with each TLS secret of every connection, one NSS key log
    /// line without its newline (`CLIENT_HANDSHAKE_TRAFFIC_SECRET <client
    /// random> <secret>`, ..., `CLIENT_RANDOM` on TLS 1.2), the format
    /// Wireshark reads (`SSL_CTX_set_keylog_callback`).
    ///
    /// # Warning
    ///
    /// Anyone with these lines can decrypt the connections: for debugging only.
    #[doc(alias = "SSL_CTX_set_keylog_callback")]
    pub fn set_keylog_callback<F>(&mut self, log: F) -> &mut Self
    where
        F: Fn(&str) + Send + Sync + 'static,
    {
        self.keylog.callback = Some(Arc::new(log));
        self
    }

    /// Appends each TLS secret to `path` as a key log line (Python's
    /// `keylog_filename`); the file is created if missing and opened at
    /// [`build`](Self::build) ([`Error::File`] if it cannot be). The crate
    /// never reads `SSLKEYLOGFILE` itself: an application that wants to
    /// honour it, as curl and Python do, passes its value here (the
    /// `s_client` and `s_server` examples do).
    ///
    /// # Warning
    ///
    /// As [`set_keylog_callback`](Self::set_keylog_callback): the file
    /// decrypts every connection.
    #[doc(alias("keylog_filename", "SSLKEYLOGFILE", "SSL_CTX_set_keylog_callback"))]
    pub fn set_keylog_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.keylog.file = Some(path.as_ref().to_owned());
        self
    }

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

    /// How many TLS 1.3 session tickets a server sends after each full
    /// handshake (`SSL_CTX_set_num_tickets`; OpenSSL's default is 2, Python's
    /// `num_tickets`); 0 sends none.
    #[doc(alias("SSL_CTX_set_num_tickets", "num_tickets"))]
    pub fn set_num_tickets(&mut self, tickets: usize) -> &mut Self {
        self.knobs.num_tickets = Some(tickets);
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
        let config_err =
            |step: &'static str| move |source| Error::from(ConfigError::OpenSsl { step, source });
        let mut b =
            SslContextBuilder::new(self.method()).map_err(config_err("creating the context"))?;
        // A write that would block is retried with the same bytes, which
        // may have moved (a Vec that grew, a buffer of another thread).
        b.set_mode(SslMode::RELEASE_BUFFERS | SslMode::ACCEPT_MOVING_WRITE_BUFFER);
        crate::callbacks::install_verify_callback(&mut b, self.verify_mode);
        // OpenSSL's own password callback prompts on the terminal.
        let password = self.key_password.clone();
        crate::ffi::set_default_password_callback(&mut b, Box::new(move |buf| password.fill(buf)));

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
        if let Some(name) = &self.server_name {
            no_nul("server name", name)?;
        }
        // A client without a list of its own takes Python's; a server
        // keeps OpenSSL's.
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

        self.load_trust(&mut b)?;
        self.verify_params.apply(&mut b)?;
        self.load_identity(&mut b)?;
        if self.role == Role::Server {
            b.set_session_id_context(b"sslsocket")
                .map_err(config_err("session id context"))?;
        }

        let sessions = Arc::new(SessionCache::default());
        match (self.role, self.session_cache) {
            (Role::Client, true) => SessionCache::install(&mut b, sessions.clone()),
            (Role::Server, true) => {}
            (_, false) => {
                b.set_session_cache_mode(SslSessionCacheMode::OFF);
            }
        }
        self.apply_options(&mut b);
        self.knobs.apply(&mut b)?;
        self.dhe.install(&mut b)?;
        self.keylog.install(&mut b)?;
        self.ocsp.install(&mut b, self.role)?;
        self.hooks
            .clone()
            .install(&mut b, self.role)
            .map_err(config_err("ALPN protocols"))?;
        let post_handshake_auth = self.post_handshake_auth.unwrap_or(
            self.certificate.is_some() || self.pkcs12.is_some() || self.hooks.client_cert.is_some(),
        );
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
                ocsp_stapling: self.role == Role::Client && self.ocsp.request,
                sessions: (self.role == Role::Client && self.session_cache).then_some(sessions),
                warnings: self.facts().warnings(),
            }),
        })
    }

    /// What [`SslConfig::warnings`] judges: the settings as given.
    fn facts(&self) -> Facts<'_> {
        let mut trust = Vec::new();
        if self.ca.iter().any(|s| matches!(s, Source::File(_))) {
            trust.push("set_ca_file");
        }
        if self.ca.iter().any(|s| !matches!(s, Source::File(_))) {
            trust.push("add_ca_pem");
        }
        if !self.ca_dirs.is_empty() {
            trust.push("set_ca_dir");
        }
        if self.system_ca == Some(true) {
            trust.push("set_use_system_ca(true)");
        }
        let mut verify_hooks = Vec::new();
        if self.hooks.verify.is_some() {
            verify_hooks.push("set_verify_callback");
        }
        if self.hooks.bad_cert.is_some() {
            verify_hooks.push("set_bad_certificate_callback");
        }
        let used = [
            ("set_server_name", self.server_name.is_some()),
            (
                "set_post_handshake_auth",
                self.post_handshake_auth == Some(true),
            ),
            ("set_ocsp_stapling", self.ocsp.request),
            ("set_ocsp_verify_callback", self.ocsp.check.is_some()),
            (
                "set_client_certificate_callback",
                self.hooks.client_cert.is_some(),
            ),
            ("set_ocsp_response", self.ocsp.response.is_some()),
            ("set_ocsp_response_callback", self.ocsp.pick.is_some()),
            ("set_server_name_callback", self.hooks.sni.is_some()),
            ("set_alpn_select_callback", self.hooks.alpn.is_some()),
            ("set_alpn_protocols", !self.hooks.alpn_protocols.is_empty()),
            ("set_dh_auto", self.dhe.auto),
            ("load_dh_params", self.dhe.params.is_some()),
            ("set_num_tickets", self.knobs.num_tickets.is_some()),
            (
                "set_server_cipher_preference",
                self.knobs
                    .set
                    .contains(SslOptions::CIPHER_SERVER_PREFERENCE),
            ),
            ("set_chain_file", self.chain.is_some()),
        ];
        let client_default = (self.role == Role::Client).then_some(DEFAULT_CLIENT_CIPHER_LIST);
        Facts {
            role: self.role,
            mode: self.verify_mode,
            check_hostname: self.get_check_hostname(),
            trust,
            system_ca_refused: self.system_ca == Some(false),
            verify_hooks,
            used: used.iter().filter(|(_, on)| *on).map(|(s, _)| *s).collect(),
            has_certificate: self.certificate.is_some() || self.pkcs12.is_some(),
            min_version: self.min_version,
            max_version: self.max_version,
            cipher_list: match self.cipher_list.as_deref() {
                Some(list) => Some((list, false)),
                None => client_default.map(|list| (list, true)),
            },
        }
    }

    fn method(&self) -> SslMethod {
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

    fn load_identity(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
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
#[doc(alias("SSLContext", "SSL_CTX"))]
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
    pub(crate) ocsp_stapling: bool,
    pub(crate) sessions: Option<Arc<SessionCache>>,
    pub(crate) warnings: Vec<ConfigWarning>,
}

impl SslConfig {
    /// A builder for a client: verifies the server's chain and host name
    /// (`PEER`) against the system CA store unless given CAs of its own,
    /// and offers only the TLS 1.2 suites of [`DEFAULT_CLIENT_CIPHER_LIST`].
    #[doc(alias("TLS_client_method", "create_default_context", "PROTOCOL_TLS_CLIENT"))]
    pub fn client() -> SslConfigBuilder {
        SslConfigBuilder::new(Role::Client)
    }

    /// A builder for a server: asks for no client certificate (`NONE`)
    /// until told otherwise, accepts OpenSSL's default cipher list; needs a
    /// certificate and key.
    #[doc(alias("TLS_server_method", "PROTOCOL_TLS_SERVER", "create_default_context"))]
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

    /// The verification flags, read back from OpenSSL (the context's
    /// `X509_VERIFY_PARAM_get_flags`).
    #[doc(alias("X509_VERIFY_PARAM_get_flags", "verify_flags"))]
    pub fn get_verify_flags(&self) -> VerifyFlags {
        VerifyFlags::from_openssl(crate::ffi::ctx_verify_flags(&self.inner.ctx))
    }

    /// The context's `SSL_OP_*` options, read back from OpenSSL
    /// (`SSL_CTX_get_options`).
    #[doc(alias = "SSL_CTX_get_options")]
    pub fn options(&self) -> SslOptions {
        crate::ffi::ctx_options(&self.inner.ctx)
    }

    /// The trusted CA certificates loaded into the context's store (from
    /// CA files and PEM; a CA directory's only once a handshake looked
    /// them up), Python's `get_ca_certs`: certificates with the CA flag.
    #[doc(alias("get_ca_certs", "X509_STORE_get0_objects"))]
    pub fn ca_certificates(&self) -> Vec<openssl::x509::X509> {
        crate::inspection::ca_certificates(&self.inner.ctx)
    }

    /// What the context's trust store holds (Python's `cert_store_stats`).
    #[doc(alias = "X509_STORE_get0_objects")]
    pub fn cert_store_stats(&self) -> crate::CertStoreStats {
        crate::inspection::cert_store_stats(&self.inner.ctx)
    }

    /// The likely mistakes in the settings this configuration was built
    /// from, each a [`ConfigWarning`] whose `Display` is one sentence that
    /// names the fix: settings OpenSSL accepts without a word and then
    /// ignores (on a server, `FAIL_IF_NO_PEER_CERT`, `CLIENT_ONCE` or
    /// `POST_HANDSHAKE` without `PEER`: mode 2, Python's `CERT_REQUIRED`,
    /// asks for no certificate; CAs on a server whose mode asks for none; a
    /// setting of the other role), or that cannot do what they look like
    /// (`NONE` on a client given CAs and a host check). Empty for a
    /// configuration with none, such as the defaults of either role, or a
    /// server in mode 3 with its CA.
    ///
    /// The configuration works exactly as set either way: OpenSSL is given
    /// the settings unchanged, and nothing is printed unless the program
    /// prints these (the `s_server`, `s_client` and `verify_matrix`
    /// examples do).
    pub fn warnings(&self) -> Vec<ConfigWarning> {
        self.inner.warnings.clone()
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
        if inner.ocsp_stapling {
            ssl.set_status_type(StatusType::OCSP).map_err(setup)?;
        }
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
                Ok(ip) if inner.check_hostname => {
                    ssl.param_mut().set_ip(ip).map_err(setup)?;
                }
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

// What a configuration's context enables and has counted.
impl SslConfig {
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
            Ok(mut ssl) => crate::ffi::supported_ciphers(&mut ssl)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The context's session counters (`SSL_CTX_sess_*`; Python's
    /// `SSLContext.session_stats()`): handshakes accepted and connected,
    /// renegotiations, sessions resumed and missed. Every socket made
    /// from this configuration counts in them.
    #[doc(alias(
        "SSL_CTX_sess_accept",
        "SSL_CTX_sess_accept_good",
        "SSL_CTX_sess_connect",
        "SSL_CTX_sess_hits",
        "SSL_CTX_sess_misses",
        "SSL_CTX_sess_number"
    ))]
    pub fn session_stats(&self) -> crate::SessionStats {
        crate::session_stats::session_stats(&self.inner.ctx)
    }
}

/// Refuses a value OpenSSL takes as a C string when it holds a NUL byte
/// (the `openssl` crate would panic on it).
pub(crate) fn no_nul(setting: &'static str, value: &str) -> Result<(), Error> {
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
