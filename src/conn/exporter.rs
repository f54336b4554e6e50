//! Keying material exported from a connection (RFC 5705, RFC 8446 §7.5)
//! and the channel bindings built on it or on the handshake (RFC 9266,
//! RFC 5929): values both ends compute alike, for binding an
//! authentication to this TLS connection.

use std::fmt;

use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::ssl::{SslRef, SslVersion};

use crate::error::Error;

/// A TLS channel binding type (RFC 5056), for
/// [`SslSocket::channel_binding`](crate::SslSocket::channel_binding)
/// (Python's `get_channel_binding`, which knows `tls-unique` only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelBinding {
    /// `tls-exporter` (RFC 9266): 32 bytes of exported keying material,
    /// label `EXPORTER-Channel-Binding`, empty context. The one for TLS 1.3;
    /// on TLS 1.2 only with Extended Master Secret (RFC 7627).
    TlsExporter,
    /// `tls-unique` (RFC 5929 §3): the first Finished message of the
    /// latest handshake. TLS 1.2 and older only, and only with Extended
    /// Master Secret: without it the value can be made the same on two
    /// connections (the triple handshake attack, RFC 7627).
    TlsUnique,
    /// `tls-server-end-point` (RFC 5929 §4.1): the hash of the server's
    /// certificate, by the hash of its signature algorithm (SHA-256 for MD5
    /// and SHA-1). Any version.
    TlsServerEndPoint,
}

impl ChannelBinding {
    /// The registered name, e.g. `tls-exporter`.
    pub fn name(self) -> &'static str {
        match self {
            ChannelBinding::TlsExporter => "tls-exporter",
            ChannelBinding::TlsUnique => "tls-unique",
            ChannelBinding::TlsServerEndPoint => "tls-server-end-point",
        }
    }
}

impl fmt::Display for ChannelBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest exported value: TLS 1.3's HKDF-Expand-Label encodes the
/// length in 16 bits.
const MAX_EXPORT: usize = u16::MAX as usize;

fn unavailable(what: &'static str, reason: &'static str) -> Error {
    Error::Unavailable {
        what,
        reason,
        source: None,
    }
}

/// `len` bytes of keying material for `label` and `context`
/// (`SSL_export_keying_material`).
pub(crate) fn export_keying_material(
    ssl: &SslRef,
    label: &str,
    context: Option<&[u8]>,
    len: usize,
) -> Result<Vec<u8>, Error> {
    const WHAT: &str = "exported keying material";
    if !ssl.is_init_finished() {
        return Err(unavailable(WHAT, "the handshake is not complete"));
    }
    if len > MAX_EXPORT {
        return Err(unavailable(WHAT, "at most 65535 bytes can be exported"));
    }
    let mut out = vec![0u8; len];
    ssl.export_keying_material(&mut out, label, context)
        .map_err(|source| Error::Unavailable {
            what: WHAT,
            reason: "OpenSSL refused",
            source: Some(source),
        })?;
    Ok(out)
}

/// Whether the connection used Extended Master Secret (always, in TLS 1.3).
fn extended_master_secret(ssl: &SslRef) -> bool {
    ssl.version2() == Some(SslVersion::TLS1_3) || ssl.extms_support() == Some(true)
}

/// The channel binding data of `binding` for this connection.
pub(crate) fn channel_binding(ssl: &SslRef, binding: ChannelBinding) -> Result<Vec<u8>, Error> {
    const WHAT: &str = "the channel binding";
    if !ssl.is_init_finished() {
        return Err(unavailable(WHAT, "the handshake is not complete"));
    }
    match binding {
        ChannelBinding::TlsExporter => {
            if !extended_master_secret(ssl) {
                return Err(unavailable(
                    WHAT,
                    "tls-exporter on TLS 1.2 needs Extended Master Secret (RFC 9266 §3), \
                     which this connection did not negotiate",
                ));
            }
            export_keying_material(ssl, "EXPORTER-Channel-Binding", Some(&[]), 32)
        }
        ChannelBinding::TlsUnique => tls_unique(ssl),
        ChannelBinding::TlsServerEndPoint => server_end_point(ssl),
    }
}

fn tls_unique(ssl: &SslRef) -> Result<Vec<u8>, Error> {
    const WHAT: &str = "the tls-unique channel binding";
    if ssl.version2() == Some(SslVersion::TLS1_3) {
        return Err(unavailable(
            WHAT,
            "TLS 1.3 has no tls-unique (RFC 8446 §C.5): use tls-exporter (RFC 9266)",
        ));
    }
    if !extended_master_secret(ssl) {
        return Err(unavailable(
            WHAT,
            "the connection did not negotiate Extended Master Secret, without which \
             tls-unique is not unique (RFC 7627, the triple handshake attack): use \
             tls-server-end-point",
        ));
    }
    // The first Finished of the handshake: the client's in a full
    // handshake, the server's in a resumption (as CPython picks it).
    let own_first = ssl.session_reused() == ssl.is_server();
    let mut buf = [0u8; 64];
    let n = if own_first {
        ssl.finished(&mut buf)
    } else {
        ssl.peer_finished(&mut buf)
    };
    Ok(buf[..n.min(buf.len())].to_vec())
}

fn server_end_point(ssl: &SslRef) -> Result<Vec<u8>, Error> {
    const WHAT: &str = "the tls-server-end-point channel binding";
    let cert = if ssl.is_server() {
        ssl.certificate().map(|c| c.to_owned())
    } else {
        ssl.peer_certificate()
    };
    let Some(cert) = cert else {
        return Err(unavailable(WHAT, "the server sent no certificate"));
    };
    let digest = cert
        .signature_algorithm()
        .object()
        .nid()
        .signature_algorithms()
        .map(|algs| match algs.digest {
            Nid::MD5 | Nid::SHA1 => Nid::SHA256,
            d => d,
        })
        .and_then(MessageDigest::from_nid)
        .ok_or_else(|| {
            unavailable(
                WHAT,
                "the certificate's signature algorithm has no hash of its own \
                 (Ed25519, Ed448), which RFC 5929 does not cover",
            )
        })?;
    cert.digest(digest)
        .map(|d| d.to_vec())
        .map_err(|source| Error::Unavailable {
            what: WHAT,
            reason: "OpenSSL could not hash the certificate",
            source: Some(source),
        })
}
