//! TLS alerts by their RFC names.

use std::fmt;

/// A TLS alert description (RFC 8446 §6), received from the peer or sent to it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert(u8);

/// Declares the alerts OpenSSL names: a constant from openssl-sys's
/// `SSL_AD_*` for each, and the RFC name that goes with it.
macro_rules! alerts {
    ($($(#[$doc:meta])* $konst:ident = $sys:ident, $name:literal;)*) => {
        impl Alert {
            $($(#[$doc])* pub const $konst: Alert = Alert(openssl_sys::$sys as u8);)*

            /// The RFC name, e.g. `certificate_required`; `unknown_alert`
            /// for a code OpenSSL does not define.
            pub fn name(self) -> &'static str {
                match self {
                    $(Alert::$konst => $name,)*
                    _ => "unknown_alert",
                }
            }
        }
    };
}

alerts! {
    /// `close_notify` (0).
    CLOSE_NOTIFY = SSL_AD_CLOSE_NOTIFY, "close_notify";
    /// `unexpected_message` (10).
    UNEXPECTED_MESSAGE = SSL_AD_UNEXPECTED_MESSAGE, "unexpected_message";
    /// `bad_record_mac` (20).
    BAD_RECORD_MAC = SSL_AD_BAD_RECORD_MAC, "bad_record_mac";
    /// `decryption_failed` (21).
    DECRYPTION_FAILED = SSL_AD_DECRYPTION_FAILED, "decryption_failed";
    /// `record_overflow` (22).
    RECORD_OVERFLOW = SSL_AD_RECORD_OVERFLOW, "record_overflow";
    /// `decompression_failure` (30).
    DECOMPRESSION_FAILURE = SSL_AD_DECOMPRESSION_FAILURE, "decompression_failure";
    /// `handshake_failure` (40).
    HANDSHAKE_FAILURE = SSL_AD_HANDSHAKE_FAILURE, "handshake_failure";
    /// `no_certificate` (41, SSL 3.0 only).
    NO_CERTIFICATE = SSL_AD_NO_CERTIFICATE, "no_certificate";
    /// `bad_certificate` (42).
    BAD_CERTIFICATE = SSL_AD_BAD_CERTIFICATE, "bad_certificate";
    /// `unsupported_certificate` (43).
    UNSUPPORTED_CERTIFICATE = SSL_AD_UNSUPPORTED_CERTIFICATE, "unsupported_certificate";
    /// `certificate_revoked` (44).
    CERTIFICATE_REVOKED = SSL_AD_CERTIFICATE_REVOKED, "certificate_revoked";
    /// `certificate_expired` (45).
    CERTIFICATE_EXPIRED = SSL_AD_CERTIFICATE_EXPIRED, "certificate_expired";
    /// `certificate_unknown` (46).
    CERTIFICATE_UNKNOWN = SSL_AD_CERTIFICATE_UNKNOWN, "certificate_unknown";
    /// `illegal_parameter` (47).
    ILLEGAL_PARAMETER = SSL_AD_ILLEGAL_PARAMETER, "illegal_parameter";
    /// `unknown_ca` (48).
    UNKNOWN_CA = SSL_AD_UNKNOWN_CA, "unknown_ca";
    /// `access_denied` (49).
    ACCESS_DENIED = SSL_AD_ACCESS_DENIED, "access_denied";
    /// `decode_error` (50).
    DECODE_ERROR = SSL_AD_DECODE_ERROR, "decode_error";
    /// `decrypt_error` (51).
    DECRYPT_ERROR = SSL_AD_DECRYPT_ERROR, "decrypt_error";
    /// `export_restriction` (60).
    EXPORT_RESTRICTION = SSL_AD_EXPORT_RESTRICTION, "export_restriction";
    /// `protocol_version` (70).
    PROTOCOL_VERSION = SSL_AD_PROTOCOL_VERSION, "protocol_version";
    /// `insufficient_security` (71).
    INSUFFICIENT_SECURITY = SSL_AD_INSUFFICIENT_SECURITY, "insufficient_security";
    /// `internal_error` (80).
    INTERNAL_ERROR = SSL_AD_INTERNAL_ERROR, "internal_error";
    /// `inappropriate_fallback` (86).
    INAPPROPRIATE_FALLBACK = SSL_AD_INAPPROPRIATE_FALLBACK, "inappropriate_fallback";
    /// `user_canceled` (90).
    USER_CANCELED = SSL_AD_USER_CANCELLED, "user_canceled";
    /// `no_renegotiation` (100).
    NO_RENEGOTIATION = SSL_AD_NO_RENEGOTIATION, "no_renegotiation";
    /// `missing_extension` (109).
    MISSING_EXTENSION = SSL_AD_MISSING_EXTENSION, "missing_extension";
    /// `unsupported_extension` (110).
    UNSUPPORTED_EXTENSION = SSL_AD_UNSUPPORTED_EXTENSION, "unsupported_extension";
    /// `certificate_unobtainable` (111).
    CERTIFICATE_UNOBTAINABLE = SSL_AD_CERTIFICATE_UNOBTAINABLE, "certificate_unobtainable";
    /// `unrecognized_name` (112).
    UNRECOGNIZED_NAME = SSL_AD_UNRECOGNIZED_NAME, "unrecognized_name";
    /// `bad_certificate_status_response` (113).
    BAD_CERTIFICATE_STATUS_RESPONSE = SSL_AD_BAD_CERTIFICATE_STATUS_RESPONSE,
        "bad_certificate_status_response";
    /// `bad_certificate_hash_value` (114).
    BAD_CERTIFICATE_HASH_VALUE = SSL_AD_BAD_CERTIFICATE_HASH_VALUE, "bad_certificate_hash_value";
    /// `unknown_psk_identity` (115).
    UNKNOWN_PSK_IDENTITY = SSL_AD_UNKNOWN_PSK_IDENTITY, "unknown_psk_identity";
    /// `certificate_required` (116).
    CERTIFICATE_REQUIRED = SSL_AD_CERTIFICATE_REQUIRED, "certificate_required";
    /// `no_application_protocol` (120).
    NO_APPLICATION_PROTOCOL = SSL_AD_NO_APPLICATION_PROTOCOL, "no_application_protocol";
}

impl Alert {
    /// Wraps an alert description code.
    pub const fn from_code(code: u8) -> Alert {
        Alert(code)
    }

    /// The alert description code, e.g. 116.
    pub const fn code(self) -> u8 {
        self.0
    }

    /// What the alert usually means for the side that received it.
    pub(crate) fn hint(self) -> &'static str {
        match self {
            Alert::CERTIFICATE_REQUIRED => {
                "the peer requires a client certificate: configure one (certificate and key)"
            }
            Alert::UNKNOWN_CA => "the peer does not trust the issuer of this side's certificate",
            Alert::BAD_CERTIFICATE
            | Alert::UNSUPPORTED_CERTIFICATE
            | Alert::CERTIFICATE_UNKNOWN => "the peer rejected this side's certificate",
            Alert::CERTIFICATE_EXPIRED => "the peer says this side's certificate has expired",
            Alert::CERTIFICATE_REVOKED => "the peer says this side's certificate was revoked",
            Alert::PROTOCOL_VERSION => {
                "no protocol version in common: check the minimum and maximum versions on both ends"
            }
            Alert::HANDSHAKE_FAILURE => {
                "the peer could not agree on the handshake (no shared cipher, or a required \
                 certificate missing)"
            }
            Alert::UNRECOGNIZED_NAME => {
                "the peer does not serve the server name that was sent (SNI)"
            }
            Alert::NO_APPLICATION_PROTOCOL => {
                "the peer chose no application protocol (ALPN): none in common, or its \
                 selection failed"
            }
            Alert::NO_RENEGOTIATION => "the peer refuses renegotiation",
            _ => "the peer aborted the connection",
        }
    }
}

impl fmt::Debug for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Alert;

    #[test]
    fn every_named_alert_has_its_rfc_code() {
        let cases = [
            (0, "close_notify"),
            (40, "handshake_failure"),
            (42, "bad_certificate"),
            (48, "unknown_ca"),
            (90, "user_canceled"),
            (112, "unrecognized_name"),
            (116, "certificate_required"),
            (120, "no_application_protocol"),
            (7, "unknown_alert"),
        ];
        for (code, name) in cases {
            assert_eq!(Alert::from_code(code).name(), name, "{code}");
        }
        assert_eq!(Alert::CERTIFICATE_REQUIRED.code(), 116);
    }
}
