//! The test PKI under `certs/`: where its files are and what they hold.
//! Self-contained (the benchmarks include it too).

// Each includer uses a different part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sslsocket::openssl::x509::store::{X509Store, X509StoreBuilder};
use sslsocket::openssl::x509::X509;

/// `certs/`, from the crate root.
pub(crate) fn certs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("certs")
}

/// `certs/<name>` (e.g. `"server-chain.pem"`, `"rsa/ca.pem"`), from the crate root.
pub(crate) fn cert(name: &str) -> PathBuf {
    certs_dir().join(name)
}

/// [`cert`] as a string, for a program's arguments.
pub(crate) fn cert_arg(name: &str) -> String {
    cert(name).display().to_string()
}

/// The bytes of `certs/<name>`.
pub(crate) fn cert_bytes(name: &str) -> Vec<u8> {
    std::fs::read(cert(name)).unwrap_or_else(|e| panic!("reading certs/{name}: {e:?}"))
}

/// What `certs/<name>` says, as data.
pub(crate) fn cert_info(name: &str) -> sslsocket::CertificateInfo {
    sslsocket::CertificateInfo::from_x509(&x509_of(name))
}

/// The DER of the certificate `certs/<name>`.
pub(crate) fn cert_der(name: &str) -> Vec<u8> {
    x509_of(name).to_der().unwrap()
}

fn x509_of(name: &str) -> X509 {
    X509::from_pem(&cert_bytes(name)).unwrap_or_else(|e| panic!("certs/{name}: {e}"))
}

/// A store that holds the CA certificate in the PEM file `path` and
/// nothing else (no system paths), for a plain `openssl` crate peer.
pub(crate) fn ca_store(path: &Path) -> X509Store {
    let pem = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut store = X509StoreBuilder::new().expect("store");
    store
        .add_cert(X509::from_pem(&pem).expect("CA certificate"))
        .expect("add CA");
    store.build()
}
