//! Certificates made at test time with the `openssl` crate's builder, for
//! the cases the PKI under `certs/` does not cover: a chain of twenty, a
//! malformed extension, a certificate not yet valid, one for another
//! purpose. ECDSA P-256 keys, so each takes a millisecond or two.

use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509Builder, X509Extension, X509NameBuilder, X509};
use sslsocket::openssl;

/// A fresh P-256 key.
pub(crate) fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// What a certificate is for, and when.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub(crate) cn: String,
    pub(crate) ca: bool,
    /// Days from now: validity starts `not_before` days away (negative:
    /// in the past) and lasts `days`.
    pub(crate) not_before: i64,
    pub(crate) days: i64,
    /// `serverAuth`, `clientAuth`, both (`None`: both, for a CA none).
    pub(crate) server_auth: bool,
    pub(crate) client_auth: bool,
    /// Raw DER contents of an extension added as is: (OID, critical, DER).
    pub(crate) raw_extension: Option<(&'static str, bool, Vec<u8>)>,
    /// Extensions in OpenSSL's configuration language (`man x509v3_config`),
    /// as (name, value): `("authorityInfoAccess", "OCSP;URI:http://…")`.
    /// One named `basicConstraints`, `keyUsage`, `extendedKeyUsage` or
    /// `subjectAltName` replaces the default one.
    pub(crate) extensions: Vec<(&'static str, String)>,
    /// The serial number (`None`: 120 random bits).
    pub(crate) serial: Option<i64>,
}

impl Spec {
    /// A leaf for `localhost` (SAN `DNS:localhost`, `IP:127.0.0.1`), valid
    /// for a year from yesterday, for servers and clients.
    pub(crate) fn leaf(cn: &str) -> Spec {
        Spec {
            cn: cn.to_owned(),
            ca: false,
            not_before: -1,
            days: 365,
            server_auth: true,
            client_auth: true,
            raw_extension: None,
            extensions: Vec::new(),
            serial: None,
        }
    }

    /// A CA without a path length limit.
    pub(crate) fn ca(cn: &str) -> Spec {
        Spec {
            ca: true,
            server_auth: false,
            client_auth: false,
            ..Spec::leaf(cn)
        }
    }
}

/// Issues a certificate for `key` by `issuer` (its certificate and key), or
/// self-signed.
pub(crate) fn issue(
    spec: &Spec,
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, &spec.cn).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let serial = match spec.serial {
        Some(n) => {
            let mut bn = BigNum::from_u32(u32::try_from(n.unsigned_abs()).unwrap()).unwrap();
            bn.set_negative(n < 0);
            bn
        }
        None => {
            let mut bn = BigNum::new().unwrap();
            bn.rand(120, MsbOption::MAYBE_ZERO, false).unwrap();
            bn
        }
    };
    b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&*name, |(c, _)| c.subject_name()))
        .unwrap();
    b.set_pubkey(key).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = 86_400;
    let from = Asn1Time::from_unix(now + spec.not_before * day).unwrap();
    let until = Asn1Time::from_unix(now + (spec.not_before + spec.days) * day).unwrap();
    b.set_not_before(&from).unwrap();
    b.set_not_after(&until).unwrap();
    let ctx_issuer = issuer.map(|(c, _)| &**c);
    let mut defaults: Vec<(&str, X509Extension)> = Vec::new();
    if spec.ca {
        defaults.push((
            "basicConstraints",
            BasicConstraints::new().critical().ca().build().unwrap(),
        ));
        defaults.push((
            "keyUsage",
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        ));
    } else {
        defaults.push((
            "basicConstraints",
            BasicConstraints::new().critical().build().unwrap(),
        ));
        defaults.push((
            "keyUsage",
            KeyUsage::new()
                .critical()
                .digital_signature()
                .build()
                .unwrap(),
        ));
        let mut eku = ExtendedKeyUsage::new();
        if spec.server_auth {
            eku.server_auth();
        }
        if spec.client_auth {
            eku.client_auth();
        }
        if !spec.server_auth && !spec.client_auth {
            eku.email_protection();
        }
        defaults.push(("extendedKeyUsage", eku.build().unwrap()));
        let san = SubjectAlternativeName::new()
            .dns("localhost")
            .ip("127.0.0.1")
            .build(&b.x509v3_context(ctx_issuer, None))
            .unwrap();
        defaults.push(("subjectAltName", san));
    }
    for (name, ext) in defaults {
        if !spec.extensions.iter().any(|(n, _)| *n == name) {
            b.append_extension(ext).unwrap();
        }
    }
    for (name, value) in &spec.extensions {
        // Test values only: the configuration language can read files.
        #[allow(deprecated)]
        let ext = X509Extension::new(None, Some(&b.x509v3_context(ctx_issuer, None)), name, value)
            .unwrap_or_else(|e| panic!("extension {name} = {value}: {e}"));
        b.append_extension(ext).unwrap();
    }
    if let Some((oid, critical, der)) = &spec.raw_extension {
        let oid = Asn1Object::from_str(oid).unwrap();
        let contents = Asn1OctetString::new_from_bytes(der).unwrap();
        b.append_extension(X509Extension::new_from_der(&oid, *critical, &contents).unwrap())
            .unwrap();
    }
    let signer = issuer.map_or(key, |(_, k)| k);
    b.sign(signer, MessageDigest::sha256()).unwrap();
    b.build()
}

/// Certificates as one PEM text, in order.
pub(crate) fn pem(certs: &[X509]) -> Vec<u8> {
    certs.iter().flat_map(|c| c.to_pem().unwrap()).collect()
}

/// A key's PKCS#8 PEM.
pub(crate) fn key_pem(key: &PKey<Private>) -> Vec<u8> {
    key.private_key_to_pem_pkcs8().unwrap()
}

/// A leaf, its key and the intermediates and root above it: `len`
/// certificates from the leaf up to (not including) a fresh root, each CA
/// signed by the one above.
pub(crate) struct Chain {
    pub(crate) root: X509,
    /// Leaf first, then the intermediates, `len` in all.
    pub(crate) certs: Vec<X509>,
    pub(crate) key: PKey<Private>,
}

impl Chain {
    pub(crate) fn new(len: usize, leaf: &Spec) -> Chain {
        assert!(len >= 1);
        let root_key = key();
        let root = issue(&Spec::ca("forged root"), &root_key, None);
        let (mut above, mut above_key) = (root.clone(), root_key);
        let mut intermediates = Vec::new();
        for i in 1..len {
            let k = key();
            let c = issue(
                &Spec::ca(&format!("forged intermediate {i}")),
                &k,
                Some((&above, &above_key)),
            );
            intermediates.push(c.clone());
            (above, above_key) = (c, k);
        }
        let key = key();
        let leaf = issue(leaf, &key, Some((&above, &above_key)));
        let mut certs = vec![leaf];
        certs.extend(intermediates.into_iter().rev());
        Chain { root, certs, key }
    }

    /// A leaf issued by the test PKI's intermediate CA (`certs/intermediate.pem`),
    /// so that `certs/ca.pem` is its trust anchor.
    pub(crate) fn under_test_ca(leaf: &Spec) -> Chain {
        let load = |name: &str| super::cert_bytes(name);
        let inter = X509::from_pem(&load("intermediate.pem")).unwrap();
        let inter_key = PKey::private_key_from_pem(&load("intermediate.key")).unwrap();
        let root = X509::from_pem(&load("ca.pem")).unwrap();
        let key = key();
        let cert = issue(leaf, &key, Some((&inter, &inter_key)));
        Chain {
            root,
            certs: vec![cert, inter],
            key,
        }
    }

    /// The chain as PEM, leaf first.
    pub(crate) fn chain_pem(&self) -> Vec<u8> {
        pem(&self.certs)
    }

    pub(crate) fn key_pem(&self) -> Vec<u8> {
        key_pem(&self.key)
    }

    pub(crate) fn root_pem(&self) -> Vec<u8> {
        pem(std::slice::from_ref(&self.root))
    }
}
