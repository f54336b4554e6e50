//! TLS protocol versions by OpenSSL's names.

use std::fmt;

/// A TLS protocol version, for [`SslConfigBuilder::set_min_version`](crate::SslConfigBuilder::set_min_version) and
/// [`SslConfigBuilder::set_max_version`](crate::SslConfigBuilder::set_max_version).
///
/// `Ssl2` and `Ssl3` exist so that a configuration ported from elsewhere that
/// names them gets a clear error instead of a silent downgrade: OpenSSL no
/// longer speaks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    /// SSL 2.0: unsupported, always an error.
    Ssl2,
    /// SSL 3.0: unsupported, always an error.
    Ssl3,
    /// TLS 1.0.
    Tls1,
    /// TLS 1.1.
    Tls1_1,
    /// TLS 1.2.
    Tls1_2,
    /// TLS 1.3.
    Tls1_3,
}

impl TlsVersion {
    /// The name OpenSSL uses, e.g. `TLSv1.3`.
    pub fn name(self) -> &'static str {
        match self {
            TlsVersion::Ssl2 => "SSLv2",
            TlsVersion::Ssl3 => "SSLv3",
            TlsVersion::Tls1 => "TLSv1",
            TlsVersion::Tls1_1 => "TLSv1.1",
            TlsVersion::Tls1_2 => "TLSv1.2",
            TlsVersion::Tls1_3 => "TLSv1.3",
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
