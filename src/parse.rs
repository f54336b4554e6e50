//! Verify modes and Python's `cert_reqs` from the integers and strings
//! that ported code stores: the conversions that can fail.

use std::str::FromStr;

use libc::c_int;

use crate::error::Error;
use crate::verify::{CertReqs, VerifyMode, ALL_BITS};

impl VerifyMode {
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
        Ok(VerifyMode::from_openssl(bits))
    }
}

impl TryFrom<c_int> for VerifyMode {
    type Error = Error;

    fn try_from(bits: c_int) -> Result<VerifyMode, Error> {
        VerifyMode::from_bits(bits)
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
