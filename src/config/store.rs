//! What a context's trust store holds: its CA certificates (Python's
//! `get_ca_certs`) and its counts (`cert_store_stats`).

use openssl::ssl::SslContextRef;
use openssl::x509::X509;

use crate::config::SslConfig;

/// The CA certificates of a context's trust store (Python's `get_ca_certs`).
pub(crate) fn ca_certificates(ctx: &SslContextRef) -> Vec<X509> {
    let (certs, _) = crate::sys::ffi::context::store_contents(ctx.cert_store());
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
    let (certs, crl) = crate::sys::ffi::context::store_contents(ctx.cert_store());
    CertStoreStats {
        x509: certs.len(),
        x509_ca: certs.iter().filter(|(_, ca)| *ca).count(),
        crl,
    }
}

impl SslConfig {
    /// The trusted CA certificates loaded into the context's store (from
    /// CA files and PEM; a CA directory's only once a handshake looked
    /// them up), Python's `get_ca_certs`: certificates with the CA flag.
    #[doc(alias("get_ca_certs", "X509_STORE_get0_objects"))]
    pub fn ca_certificates(&self) -> Vec<openssl::x509::X509> {
        crate::config::store::ca_certificates(&self.inner.ctx)
    }

    /// What the context's trust store holds (Python's `cert_store_stats`).
    #[doc(alias = "X509_STORE_get0_objects")]
    pub fn cert_store_stats(&self) -> crate::config::store::CertStoreStats {
        crate::config::store::cert_store_stats(&self.inner.ctx)
    }
}
