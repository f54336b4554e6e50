//! The names kept for programs written before there was one way to do
//! each thing: each says what replaces it, and does just that.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::AsFd;

use openssl::ssl::SslVersion;

use crate::config::{SslConfig, SslConfigBuilder};
use crate::error::Error;
use crate::socket::SslSocket;
use crate::verify::mode::{CertReqs, Role, VerifyMode};
use crate::version::TlsVersion;

impl<S: Read + Write + AsFd> SslSocket<S> {
    /// Same as [`upgrade_server`](Self::upgrade_server).
    ///
    /// # Errors
    ///
    /// As [`upgrade_server`](Self::upgrade_server).
    #[deprecated(since = "0.2.0", note = "use SslSocket::upgrade_server")]
    #[doc(hidden)]
    pub fn accept(config: &SslConfig, stream: S) -> Result<SslSocket<S>, Error> {
        SslSocket::upgrade_server(config, stream)
    }

    /// [`upgrade_client`](Self::upgrade_client) or
    /// [`upgrade_server`](Self::upgrade_server), by `role`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] when `role` is not the configuration's, and the
    /// handshake errors.
    #[deprecated(
        since = "0.2.0",
        note = "use SslSocket::upgrade_client or SslSocket::upgrade_server"
    )]
    #[doc(hidden)]
    pub fn upgrade(
        config: &SslConfig,
        role: Role,
        stream: S,
        server_name: Option<&str>,
    ) -> Result<SslSocket<S>, Error> {
        match role {
            Role::Client => SslSocket::upgrade_client(config, stream, server_name),
            Role::Server => SslSocket::upgrade_server(config, stream),
        }
    }
}

impl SslSocket<TcpStream> {
    /// Same as [`shutdown_into_inner`](Self::shutdown_into_inner).
    ///
    /// # Errors
    ///
    /// As [`shutdown_into_inner`](Self::shutdown_into_inner).
    #[deprecated(since = "0.2.0", note = "use SslSocket::shutdown_into_inner")]
    #[doc(hidden)]
    pub fn unwrap(self) -> Result<TcpStream, Error> {
        self.shutdown_into_inner()
    }
}

impl<S> SslSocket<S> {
    /// Same as `verify_result().name()`.
    #[deprecated(since = "0.2.0", note = "use verify_result().name()")]
    #[doc(hidden)]
    pub fn verify_result_name(&self) -> &'static str {
        self.verify_result().name()
    }

    /// The negotiated protocol version (`SSL_version`).
    #[deprecated(since = "0.2.0", note = "use version(), or ssl().version2()")]
    #[doc(hidden)]
    pub fn tls_version(&self) -> Option<TlsVersion> {
        Some(match self.ssl().version2()? {
            v if v == SslVersion::TLS1_3 => TlsVersion::Tls1_3,
            v if v == SslVersion::TLS1_2 => TlsVersion::Tls1_2,
            v if v == SslVersion::TLS1_1 => TlsVersion::Tls1_1,
            v if v == SslVersion::TLS1 => TlsVersion::Tls1,
            v if v == SslVersion::SSL3 => TlsVersion::Ssl3,
            _ => return None,
        })
    }
}

impl SslConfig {
    /// A builder for `role`.
    #[deprecated(
        since = "0.2.0",
        note = "use SslConfig::client() or SslConfig::server()"
    )]
    #[doc(hidden)]
    pub fn builder(role: Role) -> SslConfigBuilder {
        match role {
            Role::Client => SslConfig::client(),
            Role::Server => SslConfig::server(),
        }
    }
}

impl VerifyMode {
    /// Same as [`VerifyMode::try_from`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVerifyMode`] naming the bits that are not allowed.
    #[deprecated(since = "0.2.0", note = "use VerifyMode::try_from")]
    #[doc(hidden)]
    pub fn from_bits(bits: libc::c_int) -> Result<VerifyMode, Error> {
        VerifyMode::try_from(bits)
    }

    /// Same as [`CertReqs::verify_mode`].
    #[deprecated(since = "0.2.0", note = "use CertReqs::verify_mode")]
    #[doc(hidden)]
    pub const fn from_cert_reqs(reqs: CertReqs, role: Role) -> VerifyMode {
        reqs.verify_mode(role)
    }
}
