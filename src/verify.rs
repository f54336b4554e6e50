//! Verify modes as OpenSSL's integers, Python's `CERT_*` names, and verification results.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};
use std::str::FromStr;

use libc::c_int;
use openssl::ssl::SslVerifyMode;

use crate::alert::Alert;
use crate::error::Error;

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

const ALL_BITS: c_int = SSL_VERIFY_PEER
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
/// here with [`Error::InvalidVerifyMode`].
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

    /// Builds a mode from an integer, refusing any bit other than the five
    /// `SSL_VERIFY_*` flags.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVerifyMode`] naming the bits that are not allowed.
    pub fn from_bits(bits: c_int) -> Result<VerifyMode, Error> {
        let invalid = bits & !ALL_BITS;
        if invalid != 0 {
            return Err(Error::InvalidVerifyMode {
                mode: bits,
                invalid_bits: invalid,
            });
        }
        Ok(VerifyMode(bits))
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

    /// The mode Python's `SSLContext.verify_mode = reqs` means for `role`
    /// (see [`CertReqs`]).
    pub const fn from_cert_reqs(reqs: CertReqs, role: Role) -> VerifyMode {
        reqs.verify_mode(role)
    }

    pub(crate) fn to_openssl(self) -> SslVerifyMode {
        SslVerifyMode::from_bits_retain(self.0)
    }
}

impl TryFrom<c_int> for VerifyMode {
    type Error = Error;

    fn try_from(bits: c_int) -> Result<VerifyMode, Error> {
        VerifyMode::from_bits(bits)
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

impl FromStr for VerifyMode {
    type Err = Error;

    /// Parses a decimal or `0x` hex integer (`"3"`, `"0x9"`), or names joined
    /// by `|` with or without the `SSL_VERIFY_` prefix
    /// (`"SSL_VERIFY_PEER|SSL_VERIFY_FAIL_IF_NO_PEER_CERT"`, `"PEER | CLIENT_ONCE"`).
    fn from_str(s: &str) -> Result<VerifyMode, Error> {
        let s = s.trim();
        let parsed = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            c_int::from_str_radix(hex, 16).ok()
        } else {
            s.parse::<c_int>().ok()
        };
        if let Some(bits) = parsed {
            return VerifyMode::from_bits(bits);
        }
        let mut mode = VerifyMode::NONE;
        for part in s.split('|') {
            let part = part.trim();
            let short = part.strip_prefix("SSL_VERIFY_").unwrap_or(part);
            mode |= match short {
                "NONE" => VerifyMode::NONE,
                "PEER" => VerifyMode::PEER,
                "FAIL_IF_NO_PEER_CERT" => VerifyMode::FAIL_IF_NO_PEER_CERT,
                "CLIENT_ONCE" => VerifyMode::CLIENT_ONCE,
                "POST_HANDSHAKE" => VerifyMode::POST_HANDSHAKE,
                _ => {
                    return Err(Error::InvalidConfig(format!(
                        "cannot parse verify mode {s:?}: {part:?} is neither an integer nor one of \
                         NONE, PEER, FAIL_IF_NO_PEER_CERT, CLIENT_ONCE, POST_HANDSHAKE"
                    )))
                }
            };
        }
        Ok(mode)
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

impl TryFrom<c_int> for CertReqs {
    type Error = Error;

    /// Python's integer values: 0, 1, 2.
    fn try_from(v: c_int) -> Result<CertReqs, Error> {
        match v {
            0 => Ok(CertReqs::None),
            1 => Ok(CertReqs::Optional),
            2 => Ok(CertReqs::Required),
            _ => Err(Error::InvalidConfig(format!(
                "{v} is not a Python cert_reqs value: use 0 (CERT_NONE), 1 (CERT_OPTIONAL) or 2 (CERT_REQUIRED)"
            ))),
        }
    }
}

/// The result of certificate verification: OpenSSL's `X509_V_*` code
/// (`SSL_get_verify_result`), its symbolic name and OpenSSL's reason text.
///
/// `X509_V_OK` is also what OpenSSL reports when the peer sent no
/// certificate at all; [`SslSocket::peer_verification`](crate::SslSocket::peer_verification)
/// tells those two apart.
///
/// ```
/// use sslsocket::VerifyResult;
/// let r = VerifyResult::from_code(18);
/// assert_eq!(r.name(), "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT");
/// assert_eq!(r.reason(), "self-signed certificate");
/// assert!(!r.is_ok());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyResult(c_int);

impl VerifyResult {
    /// `X509_V_OK` (0).
    pub const OK: VerifyResult = VerifyResult(0);

    /// Wraps a raw `X509_V_*` code.
    pub const fn from_code(code: c_int) -> VerifyResult {
        VerifyResult(code)
    }

    /// The raw code, e.g. `18`.
    pub const fn code(self) -> c_int {
        self.0
    }

    /// True for `X509_V_OK`.
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// The symbolic name, e.g. `X509_V_ERR_CERT_HAS_EXPIRED`, as Qore's
    /// `Socket::verifyPeerCertificate()` returns it; `X509_V_ERR_UNKNOWN` for
    /// a code this OpenSSL 3.0 list does not know (the code and OpenSSL's text
    /// are still in [`code`](Self::code), [`reason`](Self::reason) and `Display`).
    pub fn name(self) -> &'static str {
        x509_v_name(self.0).unwrap_or("X509_V_ERR_UNKNOWN")
    }

    /// Whether the code is one of the `X509_V_*` codes OpenSSL 3.0 defines.
    pub fn is_known(self) -> bool {
        x509_v_name(self.0).is_some()
    }

    /// OpenSSL's reason text (`X509_verify_cert_error_string`), e.g.
    /// `certificate has expired`.
    pub fn reason(self) -> &'static str {
        if cfg!(ossl300) || self.is_known() {
            crate::ffi::verify_error_string(self.0)
        } else {
            "unknown certificate verification error"
        }
    }
}

impl fmt::Debug for VerifyResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

impl fmt::Display for VerifyResult {
    /// `X509_V_ERR_CERT_HAS_EXPIRED (10): certificate has expired`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.name(), self.0, self.reason())
    }
}

/// What became of the peer's certificate, with "sent none" kept apart from
/// "verified" (OpenSSL reports `X509_V_OK` for both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerVerification {
    /// The peer sent no certificate (a server that asked for none, or a
    /// client that had none to send).
    NoCertificate,
    /// The peer's certificate verified (`X509_V_OK`).
    Verified,
    /// The peer's certificate did not verify; the connection may still be up
    /// when the local verify mode let it continue (`NONE`).
    Failed(VerifyResult),
}

impl PeerVerification {
    /// True only for [`PeerVerification::Verified`].
    pub fn is_verified(self) -> bool {
        self == PeerVerification::Verified
    }
}

/// Where verification failed: the first certificate OpenSSL rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyFailure {
    /// The verification error.
    pub result: VerifyResult,
    /// Depth of the failing certificate in the chain: 0 is the peer's own.
    pub depth: u32,
    /// Subject of the failing certificate, in OpenSSL's one-line form.
    pub subject: String,
    /// The failure is the one of the session this connection resumed:
    /// nothing was verified on this connection.
    pub resumed: bool,
    /// Whether `depth` and `subject` say where verification failed. False
    /// only for a resumed session that did not keep them (a server's
    /// sessions, or a client session saved elsewhere): `depth` is then 0 and
    /// `subject` empty.
    pub location_known: bool,
    /// The fatal alert this side sent to the peer because of the failure
    /// (`unknown_ca`, `certificate_expired`, `bad_certificate`, …); `None`
    /// when the verify mode let the connection go on, or nothing was sent.
    pub alert_sent: Option<Alert>,
}

impl VerifyFailure {
    /// A failure found on this connection, at `depth`, in the certificate
    /// whose subject is `subject`.
    pub fn new(result: VerifyResult, depth: u32, subject: String) -> VerifyFailure {
        VerifyFailure {
            result,
            depth,
            subject,
            resumed: false,
            location_known: true,
            alert_sent: None,
        }
    }
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location_known {
            write!(
                f,
                "{} at depth {} (subject: {})",
                self.result, self.depth, self.subject
            )?;
            if self.resumed {
                f.write_str(", from the resumed session")?;
            }
        } else {
            write!(
                f,
                "{} (from the resumed session, which did not keep the depth and subject \
                 of the certificate that failed)",
                self.result
            )?;
        }
        if let Some(alert) = self.alert_sent {
            write!(f, "; sent alert {alert} to the peer")?;
        }
        Ok(())
    }
}

/// The symbolic name of every `X509_V_*` code OpenSSL 3.0 defines.
fn x509_v_name(code: c_int) -> Option<&'static str> {
    match code {
        0 => Some("X509_V_OK"),
        1 => Some("X509_V_ERR_UNSPECIFIED"),
        2 => Some("X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT"),
        3 => Some("X509_V_ERR_UNABLE_TO_GET_CRL"),
        4 => Some("X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE"),
        5 => Some("X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE"),
        6 => Some("X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY"),
        7 => Some("X509_V_ERR_CERT_SIGNATURE_FAILURE"),
        8 => Some("X509_V_ERR_CRL_SIGNATURE_FAILURE"),
        9 => Some("X509_V_ERR_CERT_NOT_YET_VALID"),
        10 => Some("X509_V_ERR_CERT_HAS_EXPIRED"),
        11 => Some("X509_V_ERR_CRL_NOT_YET_VALID"),
        12 => Some("X509_V_ERR_CRL_HAS_EXPIRED"),
        13 => Some("X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD"),
        14 => Some("X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD"),
        15 => Some("X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD"),
        16 => Some("X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD"),
        17 => Some("X509_V_ERR_OUT_OF_MEM"),
        18 => Some("X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT"),
        19 => Some("X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN"),
        20 => Some("X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY"),
        21 => Some("X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
        22 => Some("X509_V_ERR_CERT_CHAIN_TOO_LONG"),
        23 => Some("X509_V_ERR_CERT_REVOKED"),
        24 => Some("X509_V_ERR_NO_ISSUER_PUBLIC_KEY"),
        25 => Some("X509_V_ERR_PATH_LENGTH_EXCEEDED"),
        26 => Some("X509_V_ERR_INVALID_PURPOSE"),
        27 => Some("X509_V_ERR_CERT_UNTRUSTED"),
        28 => Some("X509_V_ERR_CERT_REJECTED"),
        29 => Some("X509_V_ERR_SUBJECT_ISSUER_MISMATCH"),
        30 => Some("X509_V_ERR_AKID_SKID_MISMATCH"),
        31 => Some("X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH"),
        32 => Some("X509_V_ERR_KEYUSAGE_NO_CERTSIGN"),
        33 => Some("X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER"),
        34 => Some("X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION"),
        35 => Some("X509_V_ERR_KEYUSAGE_NO_CRL_SIGN"),
        36 => Some("X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION"),
        37 => Some("X509_V_ERR_INVALID_NON_CA"),
        38 => Some("X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"),
        39 => Some("X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE"),
        40 => Some("X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED"),
        41 => Some("X509_V_ERR_INVALID_EXTENSION"),
        42 => Some("X509_V_ERR_INVALID_POLICY_EXTENSION"),
        43 => Some("X509_V_ERR_NO_EXPLICIT_POLICY"),
        44 => Some("X509_V_ERR_DIFFERENT_CRL_SCOPE"),
        45 => Some("X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE"),
        46 => Some("X509_V_ERR_UNNESTED_RESOURCE"),
        47 => Some("X509_V_ERR_PERMITTED_VIOLATION"),
        48 => Some("X509_V_ERR_EXCLUDED_VIOLATION"),
        49 => Some("X509_V_ERR_SUBTREE_MINMAX"),
        50 => Some("X509_V_ERR_APPLICATION_VERIFICATION"),
        51 => Some("X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE"),
        52 => Some("X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX"),
        53 => Some("X509_V_ERR_UNSUPPORTED_NAME_SYNTAX"),
        54 => Some("X509_V_ERR_CRL_PATH_VALIDATION_ERROR"),
        55 => Some("X509_V_ERR_PATH_LOOP"),
        56 => Some("X509_V_ERR_SUITE_B_INVALID_VERSION"),
        57 => Some("X509_V_ERR_SUITE_B_INVALID_ALGORITHM"),
        58 => Some("X509_V_ERR_SUITE_B_INVALID_CURVE"),
        59 => Some("X509_V_ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM"),
        60 => Some("X509_V_ERR_SUITE_B_LOS_NOT_ALLOWED"),
        61 => Some("X509_V_ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256"),
        62 => Some("X509_V_ERR_HOSTNAME_MISMATCH"),
        63 => Some("X509_V_ERR_EMAIL_MISMATCH"),
        64 => Some("X509_V_ERR_IP_ADDRESS_MISMATCH"),
        65 => Some("X509_V_ERR_DANE_NO_MATCH"),
        66 => Some("X509_V_ERR_EE_KEY_TOO_SMALL"),
        67 => Some("X509_V_ERR_CA_KEY_TOO_SMALL"),
        68 => Some("X509_V_ERR_CA_MD_TOO_WEAK"),
        69 => Some("X509_V_ERR_INVALID_CALL"),
        70 => Some("X509_V_ERR_STORE_LOOKUP"),
        71 => Some("X509_V_ERR_NO_VALID_SCTS"),
        72 => Some("X509_V_ERR_PROXY_SUBJECT_NAME_VIOLATION"),
        73 => Some("X509_V_ERR_OCSP_VERIFY_NEEDED"),
        74 => Some("X509_V_ERR_OCSP_VERIFY_FAILED"),
        75 => Some("X509_V_ERR_OCSP_CERT_UNKNOWN"),
        76 => Some("X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM"),
        77 => Some("X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH"),
        78 => Some("X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY"),
        79 => Some("X509_V_ERR_INVALID_CA"),
        80 => Some("X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA"),
        81 => Some("X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN"),
        82 => Some("X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA"),
        83 => Some("X509_V_ERR_ISSUER_NAME_EMPTY"),
        84 => Some("X509_V_ERR_SUBJECT_NAME_EMPTY"),
        85 => Some("X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER"),
        86 => Some("X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER"),
        87 => Some("X509_V_ERR_EMPTY_SUBJECT_ALT_NAME"),
        88 => Some("X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL"),
        89 => Some("X509_V_ERR_CA_BCONS_NOT_CRITICAL"),
        90 => Some("X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL"),
        91 => Some("X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL"),
        92 => Some("X509_V_ERR_CA_CERT_MISSING_KEY_USAGE"),
        93 => Some("X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3"),
        94 => Some("X509_V_ERR_EC_KEY_EXPLICIT_PARAMS"),
        _ => None,
    }
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
    fn invalid_bits_are_named() {
        for (bits, invalid) in [(16, 16), (0x40, 0x40), (-1, !15), (0x13, 0x10)] {
            match VerifyMode::try_from(bits) {
                Err(Error::InvalidVerifyMode { mode, invalid_bits }) => {
                    assert_eq!((mode, invalid_bits), (bits, invalid));
                }
                other => panic!("{bits}: {other:?}"),
            }
        }
        let msg = VerifyMode::try_from(0x40).unwrap_err().to_string();
        assert!(msg.contains("0x40"), "{msg}");
    }

    #[test]
    fn parse_forms() {
        assert_eq!("3".parse::<VerifyMode>().unwrap().bits(), 3);
        assert_eq!("0x9".parse::<VerifyMode>().unwrap().bits(), 9);
        assert_eq!(
            "SSL_VERIFY_PEER|SSL_VERIFY_CLIENT_ONCE"
                .parse::<VerifyMode>()
                .unwrap()
                .bits(),
            5
        );
        assert_eq!(
            "PEER | POST_HANDSHAKE"
                .parse::<VerifyMode>()
                .unwrap()
                .bits(),
            9
        );
        assert!("PEER|BOGUS".parse::<VerifyMode>().is_err());
        assert!("32".parse::<VerifyMode>().is_err());
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

    #[test]
    fn every_openssl_3_code_has_a_name() {
        let mut named = 0;
        for code in 0..=94 {
            let r = VerifyResult::from_code(code);
            assert!(r.is_known(), "{code}");
            assert!(r.name().starts_with("X509_V_"));
            named += 1;
        }
        assert_eq!(named, 95);
        assert_eq!(
            VerifyResult::from_code(62).name(),
            "X509_V_ERR_HOSTNAME_MISMATCH"
        );
        let unknown = VerifyResult::from_code(4242);
        assert_eq!(unknown.name(), "X509_V_ERR_UNKNOWN");
        let shown = unknown.to_string();
        assert!(shown.contains("4242"), "{shown}");
        assert!(!unknown.reason().is_empty());
    }
}
