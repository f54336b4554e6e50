//! What a context's trust store holds: its CA certificates (Python's
//! `get_ca_certs`) and its counts (`cert_store_stats`).

use openssl::ssl::SslContextRef;
use openssl::x509::X509;

/// The CA certificates of a context's trust store (Python's `get_ca_certs`).
pub(crate) fn ca_certificates(ctx: &SslContextRef) -> Vec<X509> {
    let (certs, _) = crate::sys::ffi::store_contents(ctx.cert_store());
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
    let (certs, crl) = crate::sys::ffi::store_contents(ctx.cert_store());
    CertStoreStats {
        x509: certs.len(),
        x509_ca: certs.iter().filter(|(_, ca)| *ca).count(),
        crl,
    }
}
