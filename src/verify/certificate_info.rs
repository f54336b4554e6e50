//! Certificates as data: what a program reads, logs or checks of a
//! certificate, as plain Rust values with no OpenSSL type inside.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime};

use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::x509::{GeneralNameRef, X509Ref};

use crate::sys::names::{name_entries, name_to_string};

/// What a certificate says, as data: Python's `getpeercert()` dictionary,
/// Qore's `SSLCertificate::getInfo()` hash, python-nss's `Certificate`
/// properties. Made from any certificate with
/// [`from_x509`](Self::from_x509), or from a connection's with
/// [`SslSocket::peer_certificate_info`](crate::SslSocket::peer_certificate_info)
/// and [`SslSocket::certificate_info`](crate::SslSocket::certificate_info).
///
/// Every text is OpenSSL's, as `openssl x509 -noout -text` prints it, so
/// that the two can be compared line by line.
///
/// ```
/// use sslsocket::{CertificateInfo, SubjectAltName};
/// use sslsocket::openssl::x509::X509;
///
/// let cert = X509::from_pem(&std::fs::read("certs/server.pem")?)?;
/// let info = CertificateInfo::from_x509(&cert);
/// assert_eq!(info.subject, [("CN".to_string(), "localhost".to_string())]);
/// assert_eq!(info.subject_line, "CN=localhost");
/// assert_eq!(info.version, 3);
/// assert_eq!(info.not_after_text, "Dec 31 23:59:59 2037 GMT");
/// assert!(info.subject_alt_names.contains(&SubjectAltName::Dns("localhost".into())));
/// assert!(info.subject_alt_names.contains(&SubjectAltName::Ip("127.0.0.1".parse()?)));
/// assert!(!info.is_ca);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct CertificateInfo {
    /// The subject's entries in the certificate's order, each as OpenSSL's
    /// short name (`CN`, `O`, `emailAddress`; the dotted OID of an
    /// attribute OpenSSL does not know) and the value in UTF-8.
    pub subject: Vec<(String, String)>,
    /// The subject in one line, `O=Example, CN=localhost` (as
    /// [`name_to_string`](crate::name_to_string) writes it).
    pub subject_line: String,
    /// The issuer's entries, as [`subject`](Self::subject)'s.
    pub issuer: Vec<(String, String)>,
    /// The issuer in one line.
    pub issuer_line: String,
    /// The serial number as uppercase hex of its bytes, no separators, as
    /// Python's `getpeercert()` and `openssl x509 -serial` print it
    /// (`0A1B…`; `-` in front of a negative one).
    pub serial_number: String,
    /// The X.509 version: 3 for a v3 certificate (the field's value plus one).
    pub version: u32,
    /// The start of the validity period.
    #[cfg_attr(feature = "serde", serde(serialize_with = "unix_seconds"))]
    pub not_before: SystemTime,
    /// The end of the validity period.
    #[cfg_attr(feature = "serde", serde(serialize_with = "unix_seconds"))]
    pub not_after: SystemTime,
    /// [`not_before`](Self::not_before) as OpenSSL prints it,
    /// `Jan  1 00:00:00 2025 GMT` (Python's `getpeercert()` `notBefore`).
    pub not_before_text: String,
    /// [`not_after`](Self::not_after) as OpenSSL prints it,
    /// `Dec 31 23:59:59 2037 GMT` (Python's `notAfter`).
    pub not_after_text: String,
    /// The subject alternative names, in the certificate's order.
    pub subject_alt_names: Vec<SubjectAltName>,
    /// The public key's algorithm as OpenSSL names it: `rsaEncryption`,
    /// `id-ecPublicKey`, `ED25519`.
    pub public_key_algorithm: String,
    /// The public key's size in bits: 2048 for RSA-2048, 256 for P-256
    /// (0 when this OpenSSL cannot load the key).
    pub public_key_bits: u32,
    /// An EC key's named curve by OpenSSL's short name, `prime256v1`.
    pub public_key_curve: Option<String>,
    /// The signature algorithm: `sha256WithRSAEncryption`, `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    /// Whether the basic constraints extension says `CA:TRUE`.
    pub is_ca: bool,
    /// The basic constraints' path length limit (`pathlen:0`), if any.
    pub path_length: Option<u32>,
    /// The key usage extension's names as `openssl x509 -text` prints them
    /// (`Digital Signature`, `Key Encipherment`, `Certificate Sign`,
    /// `CRL Sign`); empty when the certificate has none.
    pub key_usage: Vec<String>,
    /// The extended key usage purposes as `openssl x509 -text` prints them
    /// (`TLS Web Server Authentication`, `TLS Web Client Authentication`;
    /// the dotted OID of one OpenSSL does not know); empty when there are none.
    pub extended_key_usage: Vec<String>,
    /// The OCSP responders of the Authority Information Access extension
    /// (Python's `OCSP`).
    pub ocsp_uris: Vec<String>,
    /// The CA issuer URIs of the Authority Information Access extension
    /// (Python's `caIssuers`).
    pub ca_issuer_uris: Vec<String>,
    /// The URIs of the CRL distribution points (Python's
    /// `crlDistributionPoints`).
    pub crl_distribution_uris: Vec<String>,
    /// The SHA-256 digest of the certificate's DER, what
    /// `openssl x509 -fingerprint -sha256` prints (all zero if OpenSSL
    /// refused the digest).
    #[cfg_attr(feature = "serde", serde(serialize_with = "hex_colons"))]
    pub sha256_fingerprint: [u8; 32],
    /// The SHA-1 digest of the certificate's DER (all zero where OpenSSL
    /// refuses SHA-1).
    #[cfg_attr(feature = "serde", serde(serialize_with = "hex_colons"))]
    pub sha1_fingerprint: [u8; 20],
}

/// A subject alternative name, typed.
///
/// `Display` writes it as `openssl x509 -ext subjectAltName` does
/// (`DNS:localhost`, `IP Address:127.0.0.1`, `email:…`, `URI:…`), except
/// that an IPv6 address is in its short form (`::1`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum SubjectAltName {
    /// A `dNSName`, e.g. `localhost` or `*.example.com`.
    Dns(String),
    /// An `iPAddress` (4 or 16 bytes in the certificate).
    Ip(IpAddr),
    /// An `rfc822Name`, an e-mail address.
    Email(String),
    /// A `uniformResourceIdentifier`.
    Uri(String),
    /// Any other name, as `openssl x509 -text` prints it:
    /// `DirName:/CN=x`, `Registered ID:1.2.3.4`, `othername: 1.2.3.4.5::text`,
    /// or `IP Address:<invalid length=8>` for an address of another length.
    Other(String),
}

impl CertificateInfo {
    /// Reads everything this type holds out of `cert`.
    ///
    /// Never fails: a part OpenSSL cannot decode is left empty (a time
    /// OpenSSL cannot read is the Unix epoch).
    #[doc(alias = "getInfo")]
    pub fn from_x509(cert: &X509Ref) -> CertificateInfo {
        let key = cert.public_key().ok();
        let mut info = CertificateInfo {
            subject: name_entries(cert.subject_name()),
            subject_line: name_to_string(cert.subject_name()),
            issuer: name_entries(cert.issuer_name()),
            issuer_line: name_to_string(cert.issuer_name()),
            serial_number: serial_hex(cert),
            version: u32::try_from(cert.version()).map_or(0, |v| v.saturating_add(1)),
            not_before: system_time(cert.not_before()),
            not_after: system_time(cert.not_after()),
            not_before_text: cert.not_before().to_string(),
            not_after_text: cert.not_after().to_string(),
            subject_alt_names: cert
                .subject_alt_names()
                .map(|names| names.iter().map(subject_alt_name).collect())
                .unwrap_or_default(),
            public_key_algorithm: crate::sys::ffi::x509::public_key_algorithm(cert)
                .unwrap_or_default(),
            public_key_bits: key.as_ref().map_or(0, |k| k.bits()),
            public_key_curve: key
                .as_ref()
                .and_then(|k| k.ec_key().ok())
                .and_then(|k| k.group().curve_name())
                .and_then(|n| n.short_name().ok())
                .map(str::to_owned),
            signature_algorithm: cert.signature_algorithm().object().to_string(),
            is_ca: crate::sys::ffi::x509::is_ca(cert),
            path_length: cert.pathlen(),
            key_usage: crate::sys::ffi::x509::key_usage(cert)
                .map(key_usage_names)
                .unwrap_or_default(),
            extended_key_usage: crate::sys::ffi::x509::extended_key_usage(cert),
            ocsp_uris: Vec::new(),
            ca_issuer_uris: Vec::new(),
            crl_distribution_uris: Vec::new(),
            sha256_fingerprint: digest(cert, MessageDigest::sha256()),
            sha1_fingerprint: digest(cert, MessageDigest::sha1()),
        };
        for access in cert.authority_info().iter().flatten() {
            let Some(uri) = access.location().uri() else {
                continue;
            };
            match access.method().nid() {
                Nid::AD_OCSP => info.ocsp_uris.push(uri.to_owned()),
                Nid::AD_CA_ISSUERS => info.ca_issuer_uris.push(uri.to_owned()),
                _ => {}
            }
        }
        for point in cert.crl_distribution_points().iter().flatten() {
            let names = point.distpoint().and_then(|d| d.fullname());
            info.crl_distribution_uris.extend(
                names
                    .into_iter()
                    .flatten()
                    .filter_map(|n| n.uri().map(str::to_owned)),
            );
        }
        info
    }

    /// The value of the first subject entry named `short_name` (`"CN"`).
    pub fn subject_value(&self, short_name: &str) -> Option<&str> {
        entry(&self.subject, short_name)
    }

    /// The value of the first issuer entry named `short_name` (`"CN"`).
    pub fn issuer_value(&self, short_name: &str) -> Option<&str> {
        entry(&self.issuer, short_name)
    }

    /// Whether `at` falls within the validity period (both ends included).
    pub fn is_valid_at(&self, at: SystemTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }
}

impl fmt::Display for SubjectAltName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubjectAltName::Dns(name) => write!(f, "DNS:{name}"),
            SubjectAltName::Ip(ip) => write!(f, "IP Address:{ip}"),
            SubjectAltName::Email(email) => write!(f, "email:{email}"),
            SubjectAltName::Uri(uri) => write!(f, "URI:{uri}"),
            SubjectAltName::Other(text) => f.write_str(text),
        }
    }
}

fn entry<'a>(entries: &'a [(String, String)], short_name: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|(k, _)| k == short_name)
        .map(|(_, v)| v.as_str())
}

fn subject_alt_name(name: &GeneralNameRef) -> SubjectAltName {
    if let Some(dns) = name.dnsname() {
        return SubjectAltName::Dns(dns.to_owned());
    }
    if let Some(ip) = name.ipaddress() {
        if let Ok(v4) = <[u8; 4]>::try_from(ip) {
            return SubjectAltName::Ip(IpAddr::V4(Ipv4Addr::from(v4)));
        }
        if let Ok(v6) = <[u8; 16]>::try_from(ip) {
            return SubjectAltName::Ip(IpAddr::V6(Ipv6Addr::from(v6)));
        }
    }
    if let Some(email) = name.email() {
        return SubjectAltName::Email(email.to_owned());
    }
    if let Some(uri) = name.uri() {
        return SubjectAltName::Uri(uri.to_owned());
    }
    SubjectAltName::Other(crate::sys::ffi::x509::general_name_text(name))
}

/// The serial as `i2a_ASN1_INTEGER` writes it: two uppercase hex digits a
/// byte, `00` for zero, `-` in front of a negative number.
fn serial_hex(cert: &X509Ref) -> String {
    let Ok(bn) = cert.serial_number().to_bn() else {
        return String::new();
    };
    let bytes = bn.to_vec();
    let mut hex = String::with_capacity(bytes.len() * 2 + 1);
    if bn.is_negative() {
        hex.push('-');
    }
    if bytes.is_empty() {
        hex.push_str("00");
    }
    for b in bytes {
        hex.push_str(&format!("{b:02X}"));
    }
    hex
}

/// An ASN.1 time as a `SystemTime`, before 1970 included; the epoch when
/// OpenSSL cannot read it.
fn system_time(t: &Asn1TimeRef) -> SystemTime {
    let Some(diff) = Asn1Time::from_unix(0)
        .ok()
        .and_then(|epoch| epoch.diff(t).ok())
    else {
        return SystemTime::UNIX_EPOCH;
    };
    let secs = i64::from(diff.days) * 86_400 + i64::from(diff.secs);
    let offset = Duration::from_secs(secs.unsigned_abs());
    let at = if secs >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(offset)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(offset)
    };
    at.unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The names of the key usage bits OpenSSL caches (`X509v3_KU_*`), in the
/// order and words of `openssl x509 -text`.
fn key_usage_names(bits: u32) -> Vec<String> {
    const NAMES: [(u32, &str); 9] = [
        (
            openssl_sys::X509v3_KU_DIGITAL_SIGNATURE,
            "Digital Signature",
        ),
        (openssl_sys::X509v3_KU_NON_REPUDIATION, "Non Repudiation"),
        (openssl_sys::X509v3_KU_KEY_ENCIPHERMENT, "Key Encipherment"),
        (
            openssl_sys::X509v3_KU_DATA_ENCIPHERMENT,
            "Data Encipherment",
        ),
        (openssl_sys::X509v3_KU_KEY_AGREEMENT, "Key Agreement"),
        (openssl_sys::X509v3_KU_KEY_CERT_SIGN, "Certificate Sign"),
        (openssl_sys::X509v3_KU_CRL_SIGN, "CRL Sign"),
        (openssl_sys::X509v3_KU_ENCIPHER_ONLY, "Encipher Only"),
        (openssl_sys::X509v3_KU_DECIPHER_ONLY, "Decipher Only"),
    ];
    NAMES
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| (*name).to_owned())
        .collect()
}

fn digest<const N: usize>(cert: &X509Ref, md: MessageDigest) -> [u8; N] {
    cert.digest(md)
        .ok()
        .and_then(|d| <[u8; N]>::try_from(&d[..]).ok())
        .unwrap_or([0; N])
}

// How `CertificateInfo` serializes its times and fingerprints (the
// `serde` feature).

/// A time as whole seconds since the Unix epoch, negative before it.
#[cfg(feature = "serde")]
fn unix_seconds<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |b| -b),
    };
    s.serialize_i64(secs)
}

/// Bytes as uppercase hex pairs joined by `:`.
#[cfg(feature = "serde")]
fn hex_colons<S: serde::Serializer, const N: usize>(
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

#[cfg(test)]
mod tests {
    use super::key_usage_names;

    #[test]
    fn key_usage_bits_are_named_in_openssl_order() {
        assert_eq!(
            key_usage_names(0x80 | 0x20 | 0x8000),
            ["Digital Signature", "Key Encipherment", "Decipher Only"]
        );
        assert!(key_usage_names(0).is_empty());
    }
}
