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
