//! TLS alerts by their RFC names.

use std::fmt;

/// A TLS alert description (RFC 8446 §6), received from the peer or sent to it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert(u8);

impl Alert {
    /// `handshake_failure` (40).
    pub const HANDSHAKE_FAILURE: Alert = Alert(40);
    /// `bad_certificate` (42).
    pub const BAD_CERTIFICATE: Alert = Alert(42);
    /// `certificate_expired` (45).
    pub const CERTIFICATE_EXPIRED: Alert = Alert(45);
    /// `unknown_ca` (48).
    pub const UNKNOWN_CA: Alert = Alert(48);
    /// `protocol_version` (70).
    pub const PROTOCOL_VERSION: Alert = Alert(70);
    /// `certificate_required` (116).
    pub const CERTIFICATE_REQUIRED: Alert = Alert(116);

    /// Wraps an alert description code.
    pub const fn from_code(code: u8) -> Alert {
        Alert(code)
    }

    /// The alert description code, e.g. 116.
    pub const fn code(self) -> u8 {
        self.0
    }

    /// The RFC name, e.g. `certificate_required`.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "close_notify",
            10 => "unexpected_message",
            20 => "bad_record_mac",
            21 => "decryption_failed",
            22 => "record_overflow",
            30 => "decompression_failure",
            40 => "handshake_failure",
            41 => "no_certificate",
            42 => "bad_certificate",
            43 => "unsupported_certificate",
            44 => "certificate_revoked",
            45 => "certificate_expired",
            46 => "certificate_unknown",
            47 => "illegal_parameter",
            48 => "unknown_ca",
            49 => "access_denied",
            50 => "decode_error",
            51 => "decrypt_error",
            60 => "export_restriction",
            70 => "protocol_version",
            71 => "insufficient_security",
            80 => "internal_error",
            86 => "inappropriate_fallback",
            90 => "user_canceled",
            100 => "no_renegotiation",
            109 => "missing_extension",
            110 => "unsupported_extension",
            111 => "certificate_unobtainable",
            112 => "unrecognized_name",
            113 => "bad_certificate_status_response",
            114 => "bad_certificate_hash_value",
            115 => "unknown_psk_identity",
            116 => "certificate_required",
            120 => "no_application_protocol",
            _ => "unknown_alert",
        }
    }

    /// What the alert usually means for the side that received it.
    pub(crate) fn hint(self) -> &'static str {
        match self.0 {
            116 => "the peer requires a client certificate: configure one (certificate and key)",
            48 => "the peer does not trust the issuer of this side's certificate",
            42 | 43 | 46 => "the peer rejected this side's certificate",
            45 => "the peer says this side's certificate has expired",
            44 => "the peer says this side's certificate was revoked",
            70 => "no protocol version in common: check the minimum and maximum versions on both ends",
            40 => "the peer could not agree on the handshake (no shared cipher, or a required certificate missing)",
            112 => "the peer does not serve the server name that was sent (SNI)",
            120 => "the peer chose no application protocol (ALPN): none in common, or its selection failed",
            100 => "the peer refuses renegotiation",
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
