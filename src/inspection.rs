//! What a connection says about itself and its peer, written once over
//! `&SslRef` so that every face of a socket answers the same way.

use openssl::ssl::{NameType, SslRef, SslVersion};
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
