//! What a connection says about itself and its peer, written once over
//! `&SslRef` so that every face of a socket answers the same way.

use std::fmt;

use openssl::pkey::{Id, PKey, Public};
use openssl::ssl::{NameType, SslRef, SslVersion};
use openssl::x509::X509;

use crate::config::hooks::record;
use crate::sys::names::name_to_string;
use crate::verify::certificate_info::CertificateInfo;
use crate::verify::mode::{verify_mode, VerifyMode};
use crate::verify::result::{verify_result, PeerVerification, VerifyFailure};
use crate::verify::verify_flags::VerifyFlags;

/// A summary of a connection's security (python-nss's `get_security_status`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
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

pub(crate) fn verify_flags(ssl: &SslRef) -> VerifyFlags {
    VerifyFlags::from_openssl(crate::sys::ffi::connection::ssl_verify_flags(ssl))
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
    if let Some(failure) = record::verify_failure(ssl, false) {
        return Some(failure);
    }
    let result = verify_result(ssl);
    if result.is_ok() || !ssl.session_reused() {
        return None;
    }
    Some(match record::offered_failure(ssl) {
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

pub(crate) fn peer_certificate_info(ssl: &SslRef) -> Option<CertificateInfo> {
    ssl.peer_certificate()
        .map(|c| CertificateInfo::from_x509(&c))
}

pub(crate) fn certificate_info(ssl: &SslRef) -> Option<CertificateInfo> {
    ssl.certificate().map(CertificateInfo::from_x509)
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

/// The inspection calls of a socket, written once for every face that has
/// an `engine()`: what the connection says about itself and its peer.
macro_rules! inspection_methods {
    () => {
        /// This connection's verify mode, read from OpenSSL (`SSL_get_verify_mode`).
        #[doc(alias("SSL_get_verify_mode", "getSslVerifyMode"))]
        pub fn get_verify_mode(&self) -> crate::verify::mode::VerifyMode {
            crate::verify::mode::verify_mode(self.ssl())
        }

        /// The verification result (`SSL_get_verify_result`), on both sides and
        /// in every mode: with `NONE` it says what verification found while the
        /// connection stays up. `X509_V_OK` also when the peer sent no
        /// certificate: see [`peer_verification`](Self::peer_verification).
        #[doc(alias("SSL_get_verify_result", "verifyPeerCertificate"))]
        pub fn verify_result(&self) -> crate::verify::result::VerifyResult {
            crate::verify::result::verify_result(self.ssl())
        }

        /// "No certificate", "verified" and "failed with code N", told apart.
        #[doc(alias = "SSL_get_verify_result")]
        pub fn peer_verification(&self) -> crate::verify::result::PeerVerification {
            crate::conn::inspection::peer_verification(self.ssl())
        }

        /// Where verification failed (result, depth, subject, the alert
        /// sent for it), if it did: the failure that aborted the handshake,
        /// the one `verify_result()` names, never an earlier one a
        /// bad-certificate callback accepted; when a callback accepted every
        /// failure, the first of them.
        ///
        /// A resumed session verifies nothing and carries the result of the
        /// session it resumed: its failure is reported with
        /// [`resumed`](crate::VerifyFailure::resumed) set, with the depth and subject
        /// when the session kept them (a client's sessions do) and
        /// [`location_known`](crate::VerifyFailure::location_known) false otherwise.
        #[doc(alias = "X509_STORE_CTX_get_error_depth")]
        pub fn verify_failure(&self) -> Option<crate::verify::result::VerifyFailure> {
            crate::conn::inspection::verify_failure(self.ssl())
        }

        /// The peer's certificate (`SSL_get1_peer_certificate`), if it sent one.
        /// Python's `getpeercert(binary_form=True)` is its `to_der()`; for
        /// the dictionary of `getpeercert()`, see
        /// [`peer_certificate_info`](Self::peer_certificate_info).
        #[doc(alias(
            "SSL_get1_peer_certificate",
            "SSL_get_peer_certificate",
            "getPeerCertificate",
            "getpeercert",
            "get_peer_certificate"
        ))]
        pub fn peer_certificate(&self) -> Option<::openssl::x509::X509> {
            self.ssl().peer_certificate()
        }

        /// The peer's certificate as data (subject, issuer, serial,
        /// validity, subject alternative names, key, usages, fingerprints),
        /// if it sent one: Python's `getpeercert()`, Qore's
        /// `getPeerCertificate().getInfo()`, python-nss's
        /// `get_peer_certificate()`. As in Python, a server that asked for
        /// no certificate has none, and a client in `NONE` mode has the
        /// server's whether or not it verified (see
        /// [`peer_verification`](Self::peer_verification)).
        #[doc(alias(
            "getpeercert",
            "getPeerCertificate",
            "get_peer_certificate",
            "SSL_get_peer_certificate",
            "SSL_get1_peer_certificate"
        ))]
        pub fn peer_certificate_info(
            &self,
        ) -> Option<crate::verify::certificate_info::CertificateInfo> {
            crate::conn::inspection::peer_certificate_info(self.ssl())
        }

        /// This side's own certificate (`SSL_get_certificate`; python-nss's
        /// `get_certificate`): the one it sent or will send, or the one
        /// the server-name callback chose; `None` when this side has none
        /// (most clients).
        #[doc(alias("SSL_get_certificate", "get_certificate"))]
        pub fn certificate(&self) -> Option<::openssl::x509::X509> {
            self.ssl().certificate().map(|c| c.to_owned())
        }

        /// This side's own certificate as data (see
        /// [`certificate`](Self::certificate) and
        /// [`CertificateInfo`](crate::CertificateInfo)).
        #[doc(alias("SSL_get_certificate", "get_certificate"))]
        pub fn certificate_info(&self) -> Option<crate::verify::certificate_info::CertificateInfo> {
            crate::conn::inspection::certificate_info(self.ssl())
        }

        /// The peer's certificate subject in one line, e.g. `CN=localhost`.
        #[doc(alias = "X509_get_subject_name")]
        pub fn peer_subject(&self) -> Option<String> {
            crate::conn::inspection::peer_subject(self.ssl())
        }

        /// The chain the peer sent (`SSL_get_peer_cert_chain`). As in OpenSSL, a
        /// client's list starts with the server's certificate, while a server's
        /// list leaves the client's own certificate out.
        #[doc(alias("SSL_get_peer_cert_chain", "get_unverified_chain"))]
        pub fn peer_cert_chain(&self) -> Vec<::openssl::x509::X509> {
            crate::conn::inspection::peer_cert_chain(self.ssl())
        }

        /// The verified chain from the peer's certificate to the trust anchor
        /// (`SSL_get0_verified_chain`); empty unless `verify_result()` is
        /// `X509_V_OK`. (OpenSSL also keeps the partial chain it built for a
        /// failed verification; a caller in `NONE` mode must not take that for
        /// a verified one.)
        #[doc(alias("SSL_get0_verified_chain", "get_verified_chain"))]
        pub fn verified_chain(&self) -> Vec<::openssl::x509::X509> {
            crate::conn::inspection::verified_chain(self.ssl())
        }

        /// The negotiated protocol version as OpenSSL names it (`SSL_get_version`),
        /// e.g. `TLSv1.3`. This is not the cipher's version string.
        #[doc(alias = "SSL_get_version")]
        pub fn version(&self) -> &'static str {
            self.ssl().version_str()
        }

        /// The cipher's OpenSSL name, e.g. `TLS_AES_256_GCM_SHA384`.
        /// Qore: `Socket::getSSLCipherName()`; C: `SSL_CIPHER_get_name`.
        #[doc(alias("SSL_CIPHER_get_name", "getSSLCipherName", "cipher"))]
        pub fn cipher_name(&self) -> Option<&'static str> {
            self.ssl().current_cipher().map(|c| c.name())
        }

        /// The cipher's own version string (`SSL_CIPHER_get_version`), e.g.
        /// `TLSv1.2`, or `TLSv1.0` for `ECDHE-ECDSA-AES128-SHA` even on a TLS 1.2
        /// connection (OpenSSL 1.x said `TLSv1/SSLv3`): the protocol that
        /// introduced the cipher, not the negotiated one (see [`version`](Self::version)).
        /// Qore: `Socket::getSSLCipherVersion()`.
        #[doc(alias("SSL_CIPHER_get_version", "getSSLCipherVersion", "cipher"))]
        pub fn cipher_version(&self) -> Option<&'static str> {
            self.ssl().current_cipher().map(|c| c.version())
        }

        /// The cipher's secret (symmetric key) bits, e.g. 256
        /// (`SSL_CIPHER_get_bits`).
        #[doc(alias("SSL_CIPHER_get_bits", "cipher"))]
        pub fn cipher_bits(&self) -> Option<i32> {
            self.ssl().current_cipher().map(|c| c.bits().secret)
        }

        /// Bytes a read takes without touching the socket: those decrypted
        /// and ready (`SSL_pending`, plus data kept during a post-handshake
        /// request), and those received with an earlier record and not yet
        /// processed (`SSL_has_pending`'s part; such bytes may turn out to
        /// carry no data, or only part of a record: a read then says "would
        /// block" and this is 0 again). A poll loop reads until this is 0
        /// before it polls: the socket may never become readable for them.
        #[doc(alias("SSL_pending", "SSL_has_pending", "data_pending"))]
        pub fn pending(&self) -> usize {
            self.engine().pending()
        }

        /// Whether the TLS handshake is complete and no other is in progress
        /// (`SSL_is_init_finished`): false before the handshake of a socket made
        /// with [`new_client`](Self::new_client) / [`new_server`](Self::new_server),
        /// and during a renegotiation. Qore: `Socket::isSecure()`.
        #[doc(alias("SSL_is_init_finished", "isSecure"))]
        pub fn is_secure(&self) -> bool {
            self.engine().handshaken() && self.ssl().is_init_finished()
        }

        /// The host name the client asked for (SNI): on a server, what the
        /// client requested; on a client, what it sent.
        #[doc(alias("SSL_get_servername", "server_hostname", "get_hostname"))]
        pub fn servername(&self) -> Option<&str> {
            crate::conn::inspection::servername(self.ssl())
        }

        /// The application protocol agreed by ALPN, e.g. `h2`.
        #[doc(alias("SSL_get0_alpn_selected", "selected_alpn_protocol"))]
        pub fn alpn_protocol(&self) -> Option<String> {
            crate::conn::inspection::alpn_protocol(self.ssl())
        }

        /// A summary of the connection's security, like python-nss's
        /// `get_security_status`.
        #[doc(alias = "get_security_status")]
        pub fn security_status(&self) -> crate::conn::inspection::SecurityStatus {
            crate::conn::inspection::security_status(self.ssl())
        }

        /// Whether the handshake resumed an earlier session
        /// (`SSL_session_reused`). A resumed session keeps the peer certificate
        /// and verify result of the session it resumed; nothing is verified again.
        #[doc(alias = "SSL_session_reused")]
        pub fn session_reused(&self) -> bool {
            self.ssl().session_reused()
        }

        /// Whether this end is the client or the server.
        #[doc(alias("SSL_is_server", "server_side"))]
        pub fn role(&self) -> crate::verify::mode::Role {
            if self.ssl().is_server() {
                crate::verify::mode::Role::Server
            } else {
                crate::verify::mode::Role::Client
            }
        }

        /// This connection's verification flags, read from OpenSSL
        /// (`SSL_get0_param`, `X509_VERIFY_PARAM_get_flags`).
        #[doc(alias("X509_VERIFY_PARAM_get_flags", "verify_flags"))]
        pub fn get_verify_flags(&self) -> crate::verify::verify_flags::VerifyFlags {
            crate::conn::inspection::verify_flags(self.ssl())
        }

        /// `len` bytes of keying material for `label` and `context`, the same
        /// on both ends of the connection (RFC 5705; RFC 8446 §7.5 on TLS 1.3,
        /// where no context and an empty one are the same).
        /// `openssl s_client -keymatexport LABEL -keymatexportlen N` prints the
        /// value for `context` `None`.
        ///
        /// # Errors
        ///
        /// [`Error::Unavailable`](crate::Error::Unavailable) before the handshake is complete, for more than
        /// 65535 bytes, or when OpenSSL refuses.
        #[doc(alias = "SSL_export_keying_material")]
        pub fn export_keying_material(
            &self,
            label: &str,
            context: Option<&[u8]>,
            len: usize,
        ) -> Result<Vec<u8>, crate::error::Error> {
            crate::conn::exporter::export_keying_material(self.ssl(), label, context, len)
        }

        /// The channel binding data of `binding` for this connection, the same
        /// on both ends (Python's `get_channel_binding`, RFC 5929, RFC 9266).
        ///
        /// # Errors
        ///
        /// [`Error::Unavailable`](crate::Error::Unavailable), saying why: before the handshake is complete;
        /// [`ChannelBinding::TlsUnique`](crate::ChannelBinding::TlsUnique) on TLS 1.3 (use `TlsExporter`) or on
        /// TLS 1.2 without Extended Master Secret; `TlsExporter` on TLS 1.2
        /// without it; `TlsServerEndPoint` for a certificate signed with no
        /// hash of its own (Ed25519).
        #[doc(alias("get_channel_binding", "SSL_get_finished", "SSL_get_peer_finished"))]
        pub fn channel_binding(
            &self,
            binding: crate::conn::exporter::ChannelBinding,
        ) -> Result<Vec<u8>, crate::error::Error> {
            crate::conn::exporter::channel_binding(self.ssl(), binding)
        }

        /// The OCSP response the server stapled (DER), on a client that asked
        /// for one ([`SslConfigBuilder::set_ocsp_stapling`](crate::SslConfigBuilder::set_ocsp_stapling));
        /// on a server, the one it sent. `None` when there was none.
        #[doc(alias = "SSL_get_tlsext_status_ocsp_resp")]
        pub fn ocsp_response(&self) -> Option<&[u8]> {
            crate::conn::inspection::ocsp_response(self.ssl())
        }

        /// This connection's `SSL_OP_*` options, read from OpenSSL (`SSL_get_options`).
        #[doc(alias = "SSL_get_options")]
        pub fn options(&self) -> openssl::ssl::SslOptions {
            crate::sys::ffi::connection::ssl_options(self.ssl())
        }

        /// On a server, the ciphers its client offered that it has too, by
        /// OpenSSL name (`SSL_get_shared_ciphers`; Python's `shared_ciphers`);
        /// empty on a client.
        #[doc(alias = "SSL_get_shared_ciphers")]
        pub fn shared_ciphers(&self) -> Vec<String> {
            crate::conn::inspection::shared_ciphers(self.ssl())
        }

        /// The trusted CA certificates of the connection's configuration
        /// (Python's `get_ca_certs`; see [`SslConfig::ca_certificates`](crate::SslConfig::ca_certificates)).
        #[doc(alias("get_ca_certs", "X509_STORE_get0_objects"))]
        pub fn ca_certificates(&self) -> Vec<::openssl::x509::X509> {
            crate::config::store::ca_certificates(self.ssl().ssl_context())
        }

        /// What the connection's trust store holds (Python's `cert_store_stats`).
        #[doc(alias = "X509_STORE_get0_objects")]
        pub fn cert_store_stats(&self) -> crate::config::store::CertStoreStats {
            crate::config::store::cert_store_stats(self.ssl().ssl_context())
        }

        /// The peer's ephemeral key-exchange key, the group the handshake used
        /// (`SSL_get_peer_tmp_key`; what `openssl s_client` prints as
        /// `Server Temp Key: X25519, 253 bits`). `None` before the handshake
        /// and for a resumption without key exchange.
        #[doc(alias("SSL_get_peer_tmp_key", "SSL_get_server_tmp_key"))]
        pub fn peer_tmp_key(&self) -> Option<crate::conn::inspection::TempKey> {
            crate::conn::inspection::peer_tmp_key(self.ssl())
        }

        /// The connection's session, to resume later
        /// ([`set_session`](Self::set_session), Python's `SSLSocket.session`),
        /// once it can be resumed: after the handshake on TLS 1.2, and on
        /// TLS 1.3 once a session ticket has arrived, which a client reads
        /// with the data after the handshake (`None` until then).
        #[doc(alias("SSL_get1_session", "SSL_get_session"))]
        pub fn session(&self) -> Option<crate::conn::saved_session::Session> {
            crate::conn::saved_session::session(self.ssl())
        }

        /// The OpenSSL connection, for anything this crate does not wrap.
        pub fn ssl(&self) -> &::openssl::ssl::SslRef {
            self.engine().ssl()
        }
    };
}

pub(crate) use inspection_methods;
pub(crate) fn ocsp_response(ssl: &SslRef) -> Option<&[u8]> {
    ssl.ocsp_status()
}

/// The ciphers both ends have, by OpenSSL name, in the client's order: on
/// a server, those its client offered that it also has; empty on a client.
pub(crate) fn shared_ciphers(ssl: &SslRef) -> Vec<String> {
    crate::sys::ffi::connection::shared_ciphers(ssl)
        .map(|list| {
            list.split(':')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
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
