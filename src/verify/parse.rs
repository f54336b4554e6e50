//! Verify modes, Python's `cert_reqs` and protocol versions from the
//! integers and strings that ported code stores: the conversions that can fail.

use std::str::FromStr;

use libc::c_int;

use crate::error::config_error::ConfigError;
use crate::error::Error;
use crate::verify::mode::{CertReqs, VerifyMode, ALL_BITS};
use crate::version::TlsVersion;

/// What a verify mode is given as: a [`VerifyMode`], or the integer that
/// C, Qore and Python code store (`3`,
/// `SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT`), which is checked
/// for bits other than the five `SSL_VERIFY_*` flags.
///
/// ```
/// use sslsocket::{IntoVerifyMode, SslConfig, VerifyMode};
/// assert_eq!(3_i32.into_verify_mode()?, VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT);
/// assert_eq!(VerifyMode::PEER.into_verify_mode()?, VerifyMode::PEER);
/// assert!(0x40_i32.into_verify_mode().is_err());
///
/// // Wherever a mode is taken, both forms work; a plain `3` is a `c_int`.
/// let mut server = SslConfig::server();
/// server.set_verify_mode(3)?;
/// assert_eq!(server.get_verify_mode(), VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT);
/// server.set_verify_mode(VerifyMode::PEER)?;
/// # Ok::<(), sslsocket::Error>(())
/// ```
pub trait IntoVerifyMode {
    /// The mode.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVerifyMode`] for an integer with other bits; a
    /// [`VerifyMode`] is always accepted.
    fn into_verify_mode(self) -> Result<VerifyMode, Error>;
}

impl IntoVerifyMode for VerifyMode {
    fn into_verify_mode(self) -> Result<VerifyMode, Error> {
        Ok(self)
    }
}

impl IntoVerifyMode for c_int {
    fn into_verify_mode(self) -> Result<VerifyMode, Error> {
        VerifyMode::try_from(self)
    }
}

impl TryFrom<c_int> for VerifyMode {
    type Error = Error;

    /// Builds a mode from an integer, refusing any bit other than the five
    /// `SSL_VERIFY_*` flags with [`Error::InvalidVerifyMode`], which names them.
    fn try_from(bits: c_int) -> Result<VerifyMode, Error> {
        let invalid = bits & !ALL_BITS;
        if invalid != 0 {
            return Err(Error::InvalidVerifyMode {
                mode: bits,
                invalid_bits: invalid,
            });
        }
        Ok(VerifyMode::from_openssl(bits))
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
            return VerifyMode::try_from(bits);
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
                    return Err(ConfigError::VerifyModeSyntax {
                        given: s.to_owned(),
                        part: part.to_owned(),
                    }
                    .into())
                }
            };
        }
        Ok(mode)
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
            _ => Err(ConfigError::CertReqs(v).into()),
        }
    }
}

impl FromStr for TlsVersion {
    type Err = Error;

    /// Accepts OpenSSL's names (`TLSv1.2`) and the short forms `1.2`, `tls1_2`.
    fn from_str(s: &str) -> Result<TlsVersion, Error> {
        let norm = s.trim().to_ascii_lowercase().replace(['_', '-'], ".");
        Ok(match norm.as_str() {
            "sslv2" | "ssl2" | "ssl.2" => TlsVersion::Ssl2,
            "sslv3" | "ssl3" | "ssl.3" => TlsVersion::Ssl3,
            "tlsv1" | "tls1" | "tlsv1.0" | "tls1.0" | "1.0" => TlsVersion::Tls1,
            "tlsv1.1" | "tls1.1" | "1.1" => TlsVersion::Tls1_1,
            "tlsv1.2" | "tls1.2" | "1.2" => TlsVersion::Tls1_2,
            "tlsv1.3" | "tls1.3" | "1.3" => TlsVersion::Tls1_3,
            _ => return Err(ConfigError::UnknownVersion(s.to_owned()).into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
