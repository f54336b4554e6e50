//! The configurations of both implementations (the test PKI's ECDSA P-256
//! chain, TLS 1.3, TLS_AES_256_GCM_SHA384 alone, clients verifying the chain
//! and the name "localhost").

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sslsocket::{SslConfig, TlsVersion};

/// The one TLS 1.3 suite every implementation is limited to.
pub(crate) const SUITE: &str = "TLS_AES_256_GCM_SHA384";

pub(crate) fn cert(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../certs")
        .join(name)
}

pub(crate) fn ours_server() -> SslConfig {
    let mut b = SslConfig::server();
    b.set_certificate_file(cert("server-chain.pem"))
        .set_private_key_file(cert("server.key"))
        .set_version(TlsVersion::Tls1_3)
        .set_ciphersuites(SUITE);
    b.build().expect("sslsocket server configuration")
}

pub(crate) fn ours_client() -> SslConfig {
    let mut b = SslConfig::client();
    b.set_ca_file(cert("ca.pem"))
        .set_version(TlsVersion::Tls1_3)
        .set_ciphersuites(SUITE);
    b.build().expect("sslsocket client configuration")
}

/// rustls's default provider (aws-lc-rs) with AES-256-GCM alone.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    p.cipher_suites
        .retain(|s| s.suite() == rustls::CipherSuite::TLS13_AES_256_GCM_SHA384);
    Arc::new(p)
}

pub(crate) fn rustls_server() -> Arc<rustls::ServerConfig> {
    let chain = CertificateDer::pem_file_iter(cert("server-chain.pem"))
        .expect("server-chain.pem")
        .collect::<Result<Vec<_>, _>>()
        .expect("the chain");
    let key = PrivateKeyDer::from_pem_file(cert("server.key")).expect("server.key");
    let c = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("rustls server configuration");
    Arc::new(c)
}

pub(crate) fn rustls_client() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(cert("ca.pem")).expect("ca.pem") {
        roots.add(ca.expect("the CA")).expect("add the CA");
    }
    let c = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(c)
}

pub(crate) fn server_name() -> rustls::pki_types::ServerName<'static> {
    "localhost".try_into().expect("a server name")
}
