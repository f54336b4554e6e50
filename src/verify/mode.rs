//! Verify modes as OpenSSL's integers, Python's `CERT_*` names, and verification results.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

use libc::c_int;
use openssl::ssl::SslVerifyMode;

/// `SSL_VERIFY_NONE` (0), for code ported from C or Qore. See [`VerifyMode::NONE`].
pub const SSL_VERIFY_NONE: c_int = openssl_sys::SSL_VERIFY_NONE;
/// `SSL_VERIFY_PEER` (1), for code ported from C or Qore. See [`VerifyMode::PEER`].
pub const SSL_VERIFY_PEER: c_int = openssl_sys::SSL_VERIFY_PEER;
/// `SSL_VERIFY_FAIL_IF_NO_PEER_CERT` (2). See [`VerifyMode::FAIL_IF_NO_PEER_CERT`].
pub const SSL_VERIFY_FAIL_IF_NO_PEER_CERT: c_int = openssl_sys::SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
/// `SSL_VERIFY_CLIENT_ONCE` (4). See [`VerifyMode::CLIENT_ONCE`].
pub const SSL_VERIFY_CLIENT_ONCE: c_int = openssl_sys::SSL_VERIFY_CLIENT_ONCE;
/// `SSL_VERIFY_POST_HANDSHAKE` (8). See [`VerifyMode::POST_HANDSHAKE`].
pub const SSL_VERIFY_POST_HANDSHAKE: c_int = openssl_sys::SSL_VERIFY_POST_HANDSHAKE;

pub(crate) const ALL_BITS: c_int = SSL_VERIFY_PEER
    | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
    | SSL_VERIFY_CLIENT_ONCE
    | SSL_VERIFY_POST_HANDSHAKE;

const NAMES: [(c_int, &str); 4] = [
    (SSL_VERIFY_PEER, "SSL_VERIFY_PEER"),
    (
        SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
        "SSL_VERIFY_FAIL_IF_NO_PEER_CERT",
    ),
    (SSL_VERIFY_CLIENT_ONCE, "SSL_VERIFY_CLIENT_ONCE"),
    (SSL_VERIFY_POST_HANDSHAKE, "SSL_VERIFY_POST_HANDSHAKE"),
];

/// An OpenSSL certificate-verification mode: the `int` that
/// [`SSL_CTX_set_verify`](https://www.openssl.org/docs/man3.0/man3/SSL_CTX_set_verify.html)
/// takes, passed to OpenSSL unchanged.
///
/// Combine the constants with `|`, or build one from an integer stored by
/// C, Qore or Python code with [`VerifyMode::try_from`]. Only the five
/// documented bits are accepted: OpenSSL itself stores any integer it is
/// given (a mode of `0x40` reads back as `0x40`), so stray bits are refused
/// here with [`Error::InvalidVerifyMode`](crate::Error::InvalidVerifyMode).
///
/// What each bit does depends on the role, exactly as in OpenSSL:
///
/// | mode | server | client |
/// |---|---|---|
/// | `NONE` (0) | asks for no certificate | verifies, records the result, carries on whatever it is |
/// | `PEER` (1) | asks; a certificate that is sent must verify | server chain (and host name) must verify |
/// | `PEER \| FAIL_IF_NO_PEER_CERT` (3) | a certificate is required | as `PEER` |
/// | `PEER \| CLIENT_ONCE` (5) | asks only once per connection | as `PEER` |
/// | `PEER \| POST_HANDSHAKE` (9) | TLS 1.3: asks only after the handshake | as `PEER` |
/// | 2, 4 or 8 without `PEER` | as `NONE` | as `PEER` (any non-zero mode aborts on failure) |
///
/// # Examples
///
/// ```
/// use sslsocket::{VerifyMode, SSL_VERIFY_PEER, SSL_VERIFY_FAIL_IF_NO_PEER_CERT};
///
/// let required = VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT;
/// assert_eq!(required.bits(), 3);
/// assert_eq!(VerifyMode::try_from(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT)?, required);
/// assert_eq!(format!("{required:?}"), "SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT");
/// assert!(VerifyMode::try_from(0x40).is_err());
/// # Ok::<(), sslsocket::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VerifyMode(c_int);

impl VerifyMode {
    /// [`SSL_VERIFY_NONE`] (0).
    ///
    /// Server: sends no CertificateRequest, so the client sends no certificate.
    /// Client: the server's chain is still verified and the result recorded
    /// (see [`SslSocket::verify_result`](crate::SslSocket::verify_result)), but the handshake
    /// continues whatever it is.
    pub const NONE: VerifyMode = VerifyMode(SSL_VERIFY_NONE);
    /// [`SSL_VERIFY_PEER`] (1).
    ///
    /// Server: sends a CertificateRequest; a certificate the client sends must
    /// verify or the handshake aborts with an alert; a client that sends none
    /// is accepted. Client: the server's chain (and host name, when one is
    /// set) must verify or the handshake aborts.
    pub const PEER: VerifyMode = VerifyMode(SSL_VERIFY_PEER);
    /// [`SSL_VERIFY_FAIL_IF_NO_PEER_CERT`] (2).
    ///
    /// Server, with `PEER`: a client that sends no certificate fails the
    /// handshake (TLS 1.3 `certificate_required`, TLS 1.2 `handshake_failure`).
    /// Without `PEER` the server ignores it. Client: any non-zero mode makes
    /// OpenSSL's client abort on a failed verification, so this acts like `PEER`.
    pub const FAIL_IF_NO_PEER_CERT: VerifyMode = VerifyMode(SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    /// [`SSL_VERIFY_CLIENT_ONCE`] (4).
    ///
    /// Server, with `PEER`: a certificate is requested only once per
    /// connection: not again on renegotiation or post-handshake auth if one
    /// was requested in the initial handshake. Client: acts like `PEER`.
    pub const CLIENT_ONCE: VerifyMode = VerifyMode(SSL_VERIFY_CLIENT_ONCE);
    /// [`SSL_VERIFY_POST_HANDSHAKE`] (8).
    ///
    /// Server, with `PEER`, TLS 1.3: no certificate is requested in the
    /// handshake; it is requested later by post-handshake authentication.
    /// Under TLS 1.2 the bit has no effect. Client: acts like `PEER`.
    pub const POST_HANDSHAKE: VerifyMode = VerifyMode(SSL_VERIFY_POST_HANDSHAKE);

    /// The integer OpenSSL receives, e.g. `3` for `PEER | FAIL_IF_NO_PEER_CERT`.
    pub const fn bits(self) -> c_int {
        self.0
    }

    /// Wraps whatever OpenSSL reports, unknown bits included.
    pub(crate) const fn from_openssl(bits: c_int) -> VerifyMode {
        VerifyMode(bits)
    }

    /// True for `NONE`, the mode with no bit set.
    pub const fn is_none(self) -> bool {
        self.0 == 0
    }

    /// True when every bit of `flags` is set in `self` and `flags` is not
    /// `NONE`. `NONE` has no bits, so `mode.contains(VerifyMode::NONE)` is
    /// false for every mode: use [`is_none`](Self::is_none) to test for it.
    pub const fn contains(self, flags: VerifyMode) -> bool {
        flags.0 != 0 && self.0 & flags.0 == flags.0
    }

    pub(crate) fn to_openssl(self) -> SslVerifyMode {
        SslVerifyMode::from_bits_retain(self.0)
    }
}

impl From<VerifyMode> for c_int {
    fn from(mode: VerifyMode) -> c_int {
        mode.0
    }
}

impl PartialEq<c_int> for VerifyMode {
    fn eq(&self, other: &c_int) -> bool {
        self.0 == *other
    }
}

impl PartialEq<VerifyMode> for c_int {
    fn eq(&self, other: &VerifyMode) -> bool {
        *self == other.0
    }
}

impl BitOr for VerifyMode {
    type Output = VerifyMode;

    fn bitor(self, rhs: VerifyMode) -> VerifyMode {
        VerifyMode(self.0 | rhs.0)
    }
}

impl BitOrAssign for VerifyMode {
    fn bitor_assign(&mut self, rhs: VerifyMode) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for VerifyMode {
    /// Prints the C names joined by ` | `, e.g.
    /// `SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE`; bits OpenSSL does not define
    /// are printed in hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("SSL_VERIFY_NONE");
        }
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            let r = if first { Ok(()) } else { f.write_str(" | ") };
            first = false;
            r
        };
        for (bit, name) in NAMES {
            if self.0 & bit != 0 {
                sep(f)?;
                f.write_str(name)?;
            }
        }
        let rest = self.0 & !ALL_BITS;
        if rest != 0 {
            sep(f)?;
            write!(f, "{rest:#x}")?;
        }
        Ok(())
    }
}

impl fmt::Display for VerifyMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({self:?})", self.0)
    }
}

/// Which end of the connection a mode is meant for: the same bits mean
/// different things to a client and a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The end that connects and sends the ClientHello.
    Client,
    /// The end that accepts.
    Server,
}

impl fmt::Display for Role {
    /// `client` or `server`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Client => "client",
            Role::Server => "server",
        })
    }
}

/// Python's `ssl.CERT_NONE`, `CERT_OPTIONAL` and `CERT_REQUIRED`, mapped to
/// OpenSSL modes by role exactly as CPython's `_ssl.c` does:
///
/// | Python | server | client |
/// |---|---|---|
/// | `CERT_NONE` (0) | `NONE` | `NONE` (turn the host-name check off too) |
/// | `CERT_OPTIONAL` (1) | `PEER` | `PEER` (same as `CERT_REQUIRED`) |
/// | `CERT_REQUIRED` (2) | `PEER \| FAIL_IF_NO_PEER_CERT` | `PEER` |
///
/// ```
/// use sslsocket::{CertReqs, Role, VerifyMode};
/// assert_eq!(CertReqs::Required.verify_mode(Role::Server).bits(), 3);
/// assert_eq!(CertReqs::Required.verify_mode(Role::Client), VerifyMode::PEER);
/// assert_eq!(CertReqs::try_from(1)?, CertReqs::Optional);
/// # Ok::<(), sslsocket::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertReqs {
    /// `ssl.CERT_NONE` (0).
    None,
    /// `ssl.CERT_OPTIONAL` (1).
    Optional,
    /// `ssl.CERT_REQUIRED` (2).
    Required,
}

impl CertReqs {
    /// The OpenSSL verify mode this Python setting means for `role`.
    pub const fn verify_mode(self, role: Role) -> VerifyMode {
        match (self, role) {
            (CertReqs::None, _) => VerifyMode::NONE,
            (CertReqs::Optional, _) | (CertReqs::Required, Role::Client) => VerifyMode::PEER,
            (CertReqs::Required, Role::Server) => {
                VerifyMode(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT)
            }
        }
    }
}

/// The verify mode an `SSL` has now (`SSL_get_verify_mode`).
pub(crate) fn verify_mode(ssl: &openssl::ssl::SslRef) -> VerifyMode {
    VerifyMode::from_openssl(ssl.verify_mode().bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_c_names() {
        let cases: [(c_int, &str); 6] = [
            (0, "SSL_VERIFY_NONE"),
            (1, "SSL_VERIFY_PEER"),
            (3, "SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT"),
            (5, "SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE"),
            (9, "SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE"),
            (0x41, "SSL_VERIFY_PEER | 0x40"),
        ];
        for (bits, want) in cases {
            assert_eq!(format!("{:?}", VerifyMode::from_openssl(bits)), want);
        }
    }

    #[test]
    fn contains_is_not_fooled_by_none() {
        let m = VerifyMode::PEER | VerifyMode::CLIENT_ONCE;
        assert!(m.contains(VerifyMode::PEER));
        assert!(!m.contains(VerifyMode::NONE));
        assert!(!m.contains(VerifyMode::FAIL_IF_NO_PEER_CERT));
        assert!(VerifyMode::NONE.is_none());
    }

    #[test]
    fn python_mapping_by_role() {
        use CertReqs::*;
        use Role::*;
        let table = [
            (None, Server, 0),
            (None, Client, 0),
            (Optional, Server, 1),
            (Optional, Client, 1),
            (Required, Server, 3),
            (Required, Client, 1),
        ];
        for (reqs, role, bits) in table {
            assert_eq!(reqs.verify_mode(role).bits(), bits, "{reqs:?} {role:?}");
        }
        assert!(CertReqs::try_from(3).is_err());
    }
}
