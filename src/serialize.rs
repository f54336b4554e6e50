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
