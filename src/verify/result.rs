//! Verification results: OpenSSL's `X509_V_*` codes and names, where a
//! verification failed, and "no certificate" told apart from "verified".

use std::fmt;

use libc::c_int;

use crate::alert::Alert;

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
    #[doc(alias = "verify_code")]
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
    #[doc(alias = "verifyPeerCertificate")]
    pub fn name(self) -> &'static str {
        x509_v_name(self.0).unwrap_or("X509_V_ERR_UNKNOWN")
    }

    /// The result named `name` (`"X509_V_ERR_CERT_HAS_EXPIRED"`), as Qore
    /// and C code store it; `None` for a name this list does not know.
    pub fn from_name(name: &str) -> Option<VerifyResult> {
        x509_v_code(name).map(VerifyResult)
    }

    /// Whether the code is one of the `X509_V_*` codes OpenSSL 3.0 defines.
    pub fn is_known(self) -> bool {
        x509_v_name(self.0).is_some()
    }

    /// OpenSSL's reason text (`X509_verify_cert_error_string`), e.g.
    /// `certificate has expired`.
    #[doc(alias("X509_verify_cert_error_string", "verify_message"))]
    pub fn reason(self) -> &'static str {
        if cfg!(ossl300) || self.is_known() {
            crate::sys::ffi::x509::verify_error_string(self.0)
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
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
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

/// The `X509_V_*` codes OpenSSL 3.0 defines that openssl-sys does not
/// declare (`x509_vfy.h`).
mod own {
    use libc::c_int;
    pub(super) const X509_V_ERR_PATH_LOOP: c_int = 55;
    pub(super) const X509_V_ERR_PROXY_SUBJECT_NAME_VIOLATION: c_int = 72;
    pub(super) const X509_V_ERR_OCSP_VERIFY_NEEDED: c_int = 73;
    pub(super) const X509_V_ERR_OCSP_VERIFY_FAILED: c_int = 74;
    pub(super) const X509_V_ERR_OCSP_CERT_UNKNOWN: c_int = 75;
    pub(super) const X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM: c_int = 76;
    pub(super) const X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH: c_int = 77;
    pub(super) const X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY: c_int = 78;
    pub(super) const X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA: c_int = 80;
    pub(super) const X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN: c_int = 81;
    pub(super) const X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA: c_int = 82;
    pub(super) const X509_V_ERR_ISSUER_NAME_EMPTY: c_int = 83;
    pub(super) const X509_V_ERR_SUBJECT_NAME_EMPTY: c_int = 84;
    pub(super) const X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER: c_int = 85;
    pub(super) const X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER: c_int = 86;
    pub(super) const X509_V_ERR_EMPTY_SUBJECT_ALT_NAME: c_int = 87;
    pub(super) const X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL: c_int = 88;
    pub(super) const X509_V_ERR_CA_BCONS_NOT_CRITICAL: c_int = 89;
    pub(super) const X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL: c_int = 90;
    pub(super) const X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL: c_int = 91;
    pub(super) const X509_V_ERR_CA_CERT_MISSING_KEY_USAGE: c_int = 92;
    pub(super) const X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3: c_int = 93;
    pub(super) const X509_V_ERR_EC_KEY_EXPLICIT_PARAMS: c_int = 94;
}

/// Builds the two lookups between an `X509_V_*` code and its name from the
/// constants themselves, so that each name is checked against its value
/// by the compiler (a value listed twice is an unreachable pattern).
macro_rules! x509_v_codes {
    ($($(#[$cfg:meta])* $from:ident :: $name:ident,)*) => {
        /// The symbolic name of an `X509_V_*` code.
        fn x509_v_name(code: c_int) -> Option<&'static str> {
            match code {
                $($(#[$cfg])* $from::$name => Some(stringify!($name)),)*
                _ => None,
            }
        }

        /// The code of an `X509_V_*` name.
        fn x509_v_code(name: &str) -> Option<c_int> {
            match name {
                $($(#[$cfg])* stringify!($name) => Some($from::$name),)*
                _ => None,
            }
        }
    };
}

x509_v_codes! {
    openssl_sys::X509_V_OK,
    openssl_sys::X509_V_ERR_UNSPECIFIED,
    openssl_sys::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
    openssl_sys::X509_V_ERR_UNABLE_TO_GET_CRL,
    openssl_sys::X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE,
    openssl_sys::X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE,
    openssl_sys::X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY,
    openssl_sys::X509_V_ERR_CERT_SIGNATURE_FAILURE,
    openssl_sys::X509_V_ERR_CRL_SIGNATURE_FAILURE,
    openssl_sys::X509_V_ERR_CERT_NOT_YET_VALID,
    openssl_sys::X509_V_ERR_CERT_HAS_EXPIRED,
    openssl_sys::X509_V_ERR_CRL_NOT_YET_VALID,
    openssl_sys::X509_V_ERR_CRL_HAS_EXPIRED,
    openssl_sys::X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD,
    openssl_sys::X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD,
    openssl_sys::X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD,
    openssl_sys::X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD,
    openssl_sys::X509_V_ERR_OUT_OF_MEM,
    openssl_sys::X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
    openssl_sys::X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
    openssl_sys::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
    openssl_sys::X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
    openssl_sys::X509_V_ERR_CERT_CHAIN_TOO_LONG,
    openssl_sys::X509_V_ERR_CERT_REVOKED,
    #[cfg(ossl300)]
    openssl_sys::X509_V_ERR_NO_ISSUER_PUBLIC_KEY,
    openssl_sys::X509_V_ERR_PATH_LENGTH_EXCEEDED,
    openssl_sys::X509_V_ERR_INVALID_PURPOSE,
    openssl_sys::X509_V_ERR_CERT_UNTRUSTED,
    openssl_sys::X509_V_ERR_CERT_REJECTED,
    openssl_sys::X509_V_ERR_SUBJECT_ISSUER_MISMATCH,
    openssl_sys::X509_V_ERR_AKID_SKID_MISMATCH,
    openssl_sys::X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH,
    openssl_sys::X509_V_ERR_KEYUSAGE_NO_CERTSIGN,
    openssl_sys::X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER,
    openssl_sys::X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION,
    openssl_sys::X509_V_ERR_KEYUSAGE_NO_CRL_SIGN,
    openssl_sys::X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION,
    openssl_sys::X509_V_ERR_INVALID_NON_CA,
    openssl_sys::X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED,
    openssl_sys::X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE,
    openssl_sys::X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED,
    openssl_sys::X509_V_ERR_INVALID_EXTENSION,
    openssl_sys::X509_V_ERR_INVALID_POLICY_EXTENSION,
    openssl_sys::X509_V_ERR_NO_EXPLICIT_POLICY,
    openssl_sys::X509_V_ERR_DIFFERENT_CRL_SCOPE,
    openssl_sys::X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE,
    openssl_sys::X509_V_ERR_UNNESTED_RESOURCE,
    openssl_sys::X509_V_ERR_PERMITTED_VIOLATION,
    openssl_sys::X509_V_ERR_EXCLUDED_VIOLATION,
    openssl_sys::X509_V_ERR_SUBTREE_MINMAX,
    openssl_sys::X509_V_ERR_APPLICATION_VERIFICATION,
    openssl_sys::X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE,
    openssl_sys::X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX,
    openssl_sys::X509_V_ERR_UNSUPPORTED_NAME_SYNTAX,
    openssl_sys::X509_V_ERR_CRL_PATH_VALIDATION_ERROR,
    own::X509_V_ERR_PATH_LOOP,
    openssl_sys::X509_V_ERR_SUITE_B_INVALID_VERSION,
    openssl_sys::X509_V_ERR_SUITE_B_INVALID_ALGORITHM,
    openssl_sys::X509_V_ERR_SUITE_B_INVALID_CURVE,
    openssl_sys::X509_V_ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM,
    openssl_sys::X509_V_ERR_SUITE_B_LOS_NOT_ALLOWED,
    openssl_sys::X509_V_ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256,
    openssl_sys::X509_V_ERR_HOSTNAME_MISMATCH,
    openssl_sys::X509_V_ERR_EMAIL_MISMATCH,
    openssl_sys::X509_V_ERR_IP_ADDRESS_MISMATCH,
    openssl_sys::X509_V_ERR_DANE_NO_MATCH,
    openssl_sys::X509_V_ERR_EE_KEY_TOO_SMALL,
    openssl_sys::X509_V_ERR_CA_KEY_TOO_SMALL,
    openssl_sys::X509_V_ERR_CA_MD_TOO_WEAK,
    openssl_sys::X509_V_ERR_INVALID_CALL,
    openssl_sys::X509_V_ERR_STORE_LOOKUP,
    openssl_sys::X509_V_ERR_NO_VALID_SCTS,
    own::X509_V_ERR_PROXY_SUBJECT_NAME_VIOLATION,
    own::X509_V_ERR_OCSP_VERIFY_NEEDED,
    own::X509_V_ERR_OCSP_VERIFY_FAILED,
    own::X509_V_ERR_OCSP_CERT_UNKNOWN,
    own::X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM,
    own::X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH,
    own::X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY,
    openssl_sys::X509_V_ERR_INVALID_CA,
    own::X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA,
    own::X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN,
    own::X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA,
    own::X509_V_ERR_ISSUER_NAME_EMPTY,
    own::X509_V_ERR_SUBJECT_NAME_EMPTY,
    own::X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER,
    own::X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER,
    own::X509_V_ERR_EMPTY_SUBJECT_ALT_NAME,
    own::X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL,
    own::X509_V_ERR_CA_BCONS_NOT_CRITICAL,
    own::X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL,
    own::X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL,
    own::X509_V_ERR_CA_CERT_MISSING_KEY_USAGE,
    own::X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3,
    own::X509_V_ERR_EC_KEY_EXPLICIT_PARAMS,
}

/// The result of the last verification of an `SSL`'s peer
/// (`SSL_get_verify_result`).
pub(crate) fn verify_result(ssl: &openssl::ssl::SslRef) -> VerifyResult {
    VerifyResult::from_code(ssl.verify_result().as_raw())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_openssl_3_code_has_a_name() {
        for code in 0..=94 {
            let r = VerifyResult::from_code(code);
            assert!(r.is_known(), "{code}");
            assert!(r.name().starts_with("X509_V_"), "{code}");
            assert_eq!(VerifyResult::from_name(r.name()), Some(r), "{code}");
        }
        assert!(!VerifyResult::from_code(95).is_known());
        assert_eq!(VerifyResult::from_name("X509_V_ERR_BOGUS"), None);
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
