//! What a connection says about itself and its peer, written once over
//! `&SslRef` so that every face of a socket answers the same way.

use std::fmt;

use openssl::pkey::{Id, PKey, Public};
use openssl::ssl::{NameType, SslContextRef, SslRef, SslVersion};
use openssl::x509::X509;

use crate::callbacks;
use crate::names::name_to_string;
use crate::revocation::VerifyFlags;
use crate::verify::VerifyMode;
use crate::verify_result::{PeerVerification, VerifyFailure, VerifyResult};

/// A summary of a connection's security (python-nss's `get_security_status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityStatus {
    /// Whether TLS is established.
    pub on: bool,
    /// The negotiated protocol version, e.g. `TLSv1.3`.
    pub version: &'static str,
    /// The cipher's OpenSSL name.
    pub cipher: Option<&'static str>,
    /// The cipher algorithm's key size in bits.
    pub key_size: i32,
    /// The secret (effective) key size in bits.
    pub secret_key_size: i32,
    /// The peer certificate's issuer, one line.
    pub issuer: Option<String>,
    /// The peer certificate's subject, one line.
    pub subject: Option<String>,
}

pub(crate) fn verify_mode(ssl: &SslRef) -> VerifyMode {
    VerifyMode::from_openssl(ssl.verify_mode().bits())
}

pub(crate) fn verify_flags(ssl: &SslRef) -> VerifyFlags {
    VerifyFlags::from_openssl(crate::ffi::ssl_verify_flags(ssl))
}

pub(crate) fn verify_result(ssl: &SslRef) -> VerifyResult {
    VerifyResult::from_code(ssl.verify_result().as_raw())
}

pub(crate) fn peer_verification(ssl: &SslRef) -> PeerVerification {
    if ssl.peer_certificate().is_none() {
        return PeerVerification::NoCertificate;
    }
    let r = verify_result(ssl);
    if r.is_ok() {
        PeerVerification::Verified
    } else {
        PeerVerification::Failed(r)
    }
}

pub(crate) fn verify_failure(ssl: &SslRef) -> Option<VerifyFailure> {
    if let Some(failure) = callbacks::verify_failure(ssl, false) {
        return Some(failure);
    }
    let result = verify_result(ssl);
    if result.is_ok() || !ssl.session_reused() {
        return None;
    }
    Some(match callbacks::offered_failure(ssl) {
        Some(f) => VerifyFailure { resumed: true, ..f },
        None => VerifyFailure {
            resumed: true,
            location_known: false,
            ..VerifyFailure::new(result, 0, String::new())
        },
    })
}

pub(crate) fn peer_subject(ssl: &SslRef) -> Option<String> {
    ssl.peer_certificate()
        .map(|c| name_to_string(c.subject_name()))
}

pub(crate) fn peer_cert_chain(ssl: &SslRef) -> Vec<X509> {
    ssl.peer_cert_chain()
        .map(|s| s.iter().map(|c| c.to_owned()).collect())
        .unwrap_or_default()
}

pub(crate) fn verified_chain(ssl: &SslRef) -> Vec<X509> {
    if !verify_result(ssl).is_ok() {
        return Vec::new();
    }
    ssl.verified_chain()
        .map(|s| s.iter().map(|c| c.to_owned()).collect())
        .unwrap_or_default()
}

pub(crate) fn is_tls13(ssl: &SslRef) -> bool {
    ssl.version2() == Some(SslVersion::TLS1_3)
}

pub(crate) fn servername(ssl: &SslRef) -> Option<&str> {
    ssl.servername(NameType::HOST_NAME)
}

pub(crate) fn alpn_protocol(ssl: &SslRef) -> Option<String> {
    ssl.selected_alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned())
}

pub(crate) fn security_status(ssl: &SslRef) -> SecurityStatus {
    let cipher = ssl.current_cipher();
    let peer = ssl.peer_certificate();
    SecurityStatus {
        on: ssl.is_init_finished(),
        version: ssl.version_str(),
        cipher: cipher.map(|c| c.name()),
        key_size: cipher.map_or(0, |c| c.bits().algorithm),
        secret_key_size: cipher.map_or(0, |c| c.bits().secret),
        issuer: peer.as_ref().map(|c| name_to_string(c.issuer_name())),
        subject: peer.as_ref().map(|c| name_to_string(c.subject_name())),
    }
}

/// Whether a server's handshake included a CertificateRequest, by OpenSSL's
/// rule (`send_certificate_request`): the mode has `PEER`, the handshake was
/// not a resumption, and in TLS 1.3 `POST_HANDSHAKE` defers the request.
pub(crate) fn certificate_requested(ssl: &SslRef) -> bool {
    let mode = verify_mode(ssl);
    mode.contains(VerifyMode::PEER)
        && !ssl.session_reused()
        && !(is_tls13(ssl) && mode.contains(VerifyMode::POST_HANDSHAKE))
}

pub(crate) fn ocsp_response(ssl: &SslRef) -> Option<&[u8]> {
    ssl.ocsp_status()
}

/// The ciphers both ends have, by OpenSSL name, in the client's order: on
/// a server, those its client offered that it also has; empty on a client.
pub(crate) fn shared_ciphers(ssl: &SslRef) -> Vec<String> {
    crate::ffi::shared_ciphers(ssl)
        .map(|list| {
            list.split(':')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The CA certificates of a context's trust store (Python's `get_ca_certs`).
pub(crate) fn ca_certificates(ctx: &SslContextRef) -> Vec<X509> {
    let (certs, _) = crate::ffi::store_contents(ctx.cert_store());
    certs
        .into_iter()
        .filter_map(|(c, ca)| ca.then_some(c))
        .collect()
}

/// What a context's trust store holds, counted as Python's
/// `SSLContext.cert_store_stats()` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CertStoreStats {
    /// Certificates, CA or not (`x509`).
    pub x509: usize,
    /// Of those, the CA certificates (`x509_ca`).
    pub x509_ca: usize,
    /// Certificate revocation lists (`crl`).
    pub crl: usize,
}

pub(crate) fn cert_store_stats(ctx: &SslContextRef) -> CertStoreStats {
    let (certs, crl) = crate::ffi::store_contents(ctx.cert_store());
    CertStoreStats {
        x509: certs.len(),
        x509_ca: certs.iter().filter(|(_, ca)| *ca).count(),
        crl,
    }
}

/// The peer's ephemeral key-exchange key: the group the handshake used, as
/// `openssl s_client` prints it (`Server Temp Key: X25519, 253 bits`).
#[derive(Clone)]
pub struct TempKey {
    key: PKey<Public>,
}

impl TempKey {
    /// The key type and group as `s_client` names them: `X25519`, `X448`,
    /// `ECDH, prime256v1`, `DH`.
    pub fn name(&self) -> String {
        match self.key.id() {
            Id::X25519 => "X25519".into(),
            Id::X448 => "X448".into(),
            Id::EC => {
                let curve = self
                    .key
                    .ec_key()
                    .ok()
                    .and_then(|k| k.group().curve_name())
                    .and_then(|n| n.short_name().ok())
                    .unwrap_or("unknown curve");
                format!("ECDH, {curve}")
            }
            Id::DH => "DH".into(),
            other => format!("key type {}", other.as_raw()),
        }
    }

    /// The key's size in bits (253 for X25519, 256 for P-256).
    pub fn bits(&self) -> u32 {
        self.key.bits()
    }

    /// The key itself.
    pub fn public_key(&self) -> &PKey<Public> {
        &self.key
    }
}

impl fmt::Display for TempKey {
    /// `X25519, 253 bits`, as after `s_client`'s `Server Temp Key:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {} bits", self.name(), self.bits())
    }
}

impl fmt::Debug for TempKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TempKey({self})")
    }
}

pub(crate) fn peer_tmp_key(ssl: &SslRef) -> Option<TempKey> {
    ssl.peer_tmp_key().ok().map(|key| TempKey { key })
}
