//! `serde::Serialize` for the types a program logs (the `serde` feature).
//! The plain data types derive it; here are the types whose fields are
//! private or whose Rust form says less than a log reader needs:
//!
//! | type | serialized as |
//! |---|---|
//! | `VerifyResult` | `{"code": 18, "name": "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT", "reason": "self-signed certificate"}` |
//! | `Alert` | `{"code": 116, "name": "certificate_required"}` |
//! | `VerifyMode` | the integer OpenSSL receives, `3` |
//! | `TlsVersion` | OpenSSL's name, `"TLSv1.3"` |
//! | `CertificateInfo` times | seconds since the Unix epoch (negative before 1970) |
//! | `CertificateInfo` fingerprints | `"AB:CD:…"`, as `openssl x509 -fingerprint` prints them |

use std::time::SystemTime;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::alert::Alert;
use crate::verify::mode::VerifyMode;
use crate::verify::result::VerifyResult;
use crate::version::TlsVersion;

impl Serialize for VerifyResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("VerifyResult", 3)?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("name", self.name())?;
        st.serialize_field("reason", self.reason())?;
        st.end()
    }
}

impl Serialize for Alert {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Alert", 2)?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("name", self.name())?;
        st.end()
    }
}

impl Serialize for VerifyMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.bits())
    }
}

impl Serialize for TlsVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A time as whole seconds since the Unix epoch, negative before it.
pub(crate) fn unix_seconds<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |b| -b),
    };
    s.serialize_i64(secs)
}

/// Bytes as uppercase hex pairs joined by `:`.
pub(crate) fn hex_colons<S: Serializer, const N: usize>(
    bytes: &[u8; N],
    s: S,
) -> Result<S::Ok, S::Error> {
    let text = bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    s.serialize_str(&text)
}
