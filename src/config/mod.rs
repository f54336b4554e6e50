//! What a TLS context is built from, built once and shared by every socket.
//!
//! The configuration layer: `SslConfig` and its builder, with the hooks,
//! identities, protocol options, session caching, OCSP and key logging it
//! installs on the context. Uses `verify`, `error`, `alert`, `version` and
//! `sys`; connections (`conn`) and the faces stand on it.
//!
//! This file holds the two types, their shared parts and `build()`; the
//! setters, `build()`'s steps and the reads of the built configuration are
//! in the file of their topic, each an `impl SslConfigBuilder` (and
//! `impl SslConfig`) block of its own; a new setting goes beside those of
//! its topic, its field here:
//!
//! | file | topic |
//! |---|---|
//! | `trust.rs` | verify mode, host-name check, CAs, CRLs, verify flags and depth |
//! | `store.rs` | what the built trust store holds |
//! | `identity.rs` | certificate, chain, private key and its password, PKCS#12 |
//! | `protocol.rs` | versions, ciphers, options, groups, sigalgs, DHE, EOF, renegotiation |
//! | `options.rs` | the `SSL_OP_*` bits and the knobs that are not bits |
//! | `timeouts.rs` | the time limits |
//! | `post_handshake.rs` | post-handshake authentication and its buffer |
//! | `session.rs` | session caching and tickets (`session_stats.rs`: the counters) |
//! | `hook_setters.rs` | the application's callbacks (`hooks.rs`: how they run) |
//! | `ocsp.rs`, `keylog.rs` | OCSP stapling, key logging |
//! | `warnings.rs` | the likely mistakes in the settings |
//! | `connection.rs` | each connection's `SSL`, made from the context |

pub(crate) mod connection;
pub(crate) mod hook_setters;
pub(crate) mod hooks;
pub(crate) mod identity;
pub(crate) mod keylog;
pub(crate) mod ocsp;
pub(crate) mod options;
pub(crate) mod password;
pub(crate) mod post_handshake;
pub(crate) mod protocol;
pub(crate) mod session;
pub(crate) mod session_stats;
pub(crate) mod store;
pub(crate) mod timeouts;
pub(crate) mod trust;
pub(crate) mod warnings;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use openssl::error::ErrorStack;
use openssl::ssl::{SslContext, SslContextBuilder, SslMode};

use crate::config::hooks::Hooks;
use crate::config::identity::Source;
use crate::config::keylog::KeyLog;
use crate::config::ocsp::Ocsp;
use crate::config::options::Knobs;
use crate::config::password::{KeyPassword, Password};
use crate::config::post_handshake::DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT;
use crate::config::protocol::Dhe;
use crate::config::session::SessionCache;
use crate::config::timeouts::{Timeouts, DEFAULT_HANDSHAKE_TIMEOUT};
use crate::config::trust::VerifyParams;
use crate::config::warnings::ConfigWarning;
use crate::error::config_error::ConfigError;
use crate::error::Error;
use crate::verify::mode::{Role, VerifyMode};
use crate::version::TlsVersion;

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
        let mut b =
            SslContextBuilder::new(self.method()).map_err(config_err("creating the context"))?;
        // A write that would block is retried with the same bytes, which
        // may have moved (a Vec that grew, a buffer of another thread).
        b.set_mode(SslMode::RELEASE_BUFFERS | SslMode::ACCEPT_MOVING_WRITE_BUFFER);
        // Each step is in its topic's file; their order decides which error
        // a configuration with several reports.
        self.set_verify(&mut b);
        self.set_password_callback(&mut b);
        self.set_versions(&mut b)?;
        self.check_server_name()?;
        self.set_ciphers(&mut b)?;
        self.load_trust(&mut b)?;
        self.load_identity(&mut b)?;
        let sessions = self.set_up_sessions(&mut b)?;
        self.apply_protocol(&mut b)?;
        self.keylog.install(&mut b)?;
        self.ocsp.install(&mut b, self.role)?;
        self.install_hooks(&mut b)?;
        self.offer_post_handshake_auth(&mut b);
        Ok(SslConfig {
            inner: Arc::new(Inner {
                ctx: b.build(),
                role: self.role,
                check_hostname: self.get_check_hostname(),
                server_name: self.server_name.clone(),
                timeouts: self.timeouts,
                post_handshake_buffer_limit: self.post_handshake_buffer_limit,
                ocsp_stapling: self.role == Role::Client && self.ocsp.request,
                sessions,
                warnings: self.facts().warnings(),
            }),
        })
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
    /// and offers only the TLS 1.2 suites of
    /// [`DEFAULT_CLIENT_CIPHER_LIST`](crate::config::protocol::DEFAULT_CLIENT_CIPHER_LIST).
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

    /// The OpenSSL context, for settings this crate does not wrap.
    #[doc(alias = "SSL_CTX")]
    pub fn context(&self) -> &SslContext {
        &self.inner.ctx
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }
}

/// A build step's error for an OpenSSL call that failed: what was being
/// set, and OpenSSL's errors.
pub(crate) fn config_err(step: &'static str) -> impl Fn(ErrorStack) -> Error {
    move |source| Error::from(ConfigError::OpenSsl { step, source })
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
