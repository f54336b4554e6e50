//! Certificates as data: `CertificateInfo` read from the test PKI and from
//! certificates forged with every kind of extension, field by field against
//! what `openssl x509` prints; and over real handshakes, each end's own
//! certificate and its peer's, with our own peers and the `openssl`
//! programs.

mod common;

use common::openssl_cli;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::forge::{self, Spec};
use common::*;
use openssl_cli::{openssl_program, scratch_dir, SClient, SServer};
use sslsocket::openssl::pkey::PKey;
use sslsocket::openssl::x509::X509;
use sslsocket::{CertificateInfo, Identity, SniDecision, SslSocket, SubjectAltName, VerifyMode};

/// `openssl x509 -in PATH -noout ARGS`'s standard output.
fn x509(path: &Path, args: &[&str]) -> String {
    let out = Command::new(openssl_program())
        .arg("x509")
        .arg("-in")
        .arg(path)
        .arg("-noout")
        .args(args)
        .output()
        .expect("running openssl x509");
    assert!(
        out.status.success(),
        "openssl x509 {args:?} {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("openssl prints UTF-8 here")
}

fn info_of(path: &Path) -> CertificateInfo {
    let pem = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    CertificateInfo::from_x509(&X509::from_pem(&pem).unwrap())
}

/// The text after `label` on the first line of `text` that starts with it
/// (leading blanks ignored).
fn after<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .map(str::trim)
}

/// The line that follows the first line starting with `header`.
fn line_below<'a>(text: &'a str, header: &str) -> Option<&'a str> {
    let mut lines = text.lines();
    lines.find(|l| l.trim_start().starts_with(header))?;
    lines.next().map(str::trim)
}

/// `CN = localhost, O = x` (OpenSSL's one-line form) as pairs.
fn name_pairs(line: &str) -> Vec<(String, String)> {
    line.split(", ")
        .map(|kv| {
            let (k, v) = kv.split_once(" = ").unwrap_or_else(|| panic!("{line:?}"));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// `AB:CD:…` as bytes.
fn hex_bytes(text: &str) -> Vec<u8> {
    text.split(':')
        .map(|b| u8::from_str_radix(b, 16).unwrap_or_else(|_| panic!("{text:?}")))
        .collect()
}

/// Seconds since 1970 of OpenSSL's `Jun  1 00:00:00 2030 GMT`.
fn openssl_time(text: &str) -> i64 {
    let parts: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(parts.len(), 5, "{text:?}");
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| *m == parts[0]).unwrap() as i64 + 1;
    let day: i64 = parts[1].parse().unwrap();
    let year: i64 = parts[3].parse().unwrap();
    let hms: Vec<i64> = parts[2].split(':').map(|p| p.parse().unwrap()).collect();
    // Days from the civil date (H. Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
}

fn unix(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// One name of `openssl x509 -ext subjectAltName`'s list, typed.
fn openssl_san(text: &str) -> SubjectAltName {
    if let Some(dns) = text.strip_prefix("DNS:") {
        SubjectAltName::Dns(dns.into())
    } else if let Some(ip) = text
        .strip_prefix("IP Address:")
        .and_then(|ip| ip.parse::<IpAddr>().ok())
    {
        SubjectAltName::Ip(ip)
    } else if let Some(email) = text.strip_prefix("email:") {
        SubjectAltName::Email(email.into())
    } else if let Some(uri) = text.strip_prefix("URI:") {
        SubjectAltName::Uri(uri.into())
    } else {
        SubjectAltName::Other(text.into())
    }
}

/// Checks every field of `CertificateInfo::from_x509` for the certificate
/// at `path` against `openssl x509`'s output.
#[track_caller]
fn assert_reads_as_openssl_prints(path: &Path) {
    let info = info_of(path);
    let what = path.display().to_string();
    // Two runs (each takes tens of milliseconds): one digest each.
    let text = x509(
        path,
        &["-text", "-serial", "-dates", "-fingerprint", "-sha256"],
    );
    let sha1_and_sans = x509(path, &["-fingerprint", "-sha1", "-ext", "subjectAltName"]);

    // Names.
    let subject = after(&text, "Subject: ").unwrap();
    assert_eq!(info.subject, name_pairs(subject), "{what}");
    let issuer = after(&text, "Issuer: ").unwrap();
    assert_eq!(info.issuer, name_pairs(issuer), "{what}");
    assert_eq!(info.subject_line, subject.replace(" = ", "="), "{what}");
    assert_eq!(info.issuer_line, issuer.replace(" = ", "="), "{what}");

    // Serial, version, dates.
    assert_eq!(
        Some(info.serial_number.as_str()),
        after(&text, "serial="),
        "{what}"
    );
    let version = after(&text, "Version: ").unwrap();
    assert_eq!(
        version.split_whitespace().next(),
        Some(info.version.to_string().as_str()),
        "{what}"
    );
    let not_before = after(&text, "notBefore=").unwrap();
    let not_after = after(&text, "notAfter=").unwrap();
    assert_eq!(info.not_before_text, not_before, "{what}");
    assert_eq!(info.not_after_text, not_after, "{what}");
    assert_eq!(unix(info.not_before), openssl_time(not_before), "{what}");
    assert_eq!(unix(info.not_after), openssl_time(not_after), "{what}");

    // Fingerprints.
    let sha256 = after(&text, "sha256 Fingerprint=").unwrap();
    assert_eq!(
        info.sha256_fingerprint.to_vec(),
        hex_bytes(sha256),
        "{what}"
    );
    let sha1 = after(&sha1_and_sans, "sha1 Fingerprint=").unwrap();
    assert_eq!(info.sha1_fingerprint.to_vec(), hex_bytes(sha1), "{what}");

    // Subject alternative names.
    let expected: Vec<SubjectAltName> =
        line_below(&sha1_and_sans, "X509v3 Subject Alternative Name")
            .map(|list| list.split(", ").map(openssl_san).collect())
            .unwrap_or_default();
    assert_eq!(info.subject_alt_names, expected, "{what}");

    // Key and signature.
    assert_eq!(
        Some(info.signature_algorithm.as_str()),
        after(&text, "Signature Algorithm: "),
        "{what}"
    );
    assert_eq!(
        Some(info.public_key_algorithm.as_str()),
        after(&text, "Public Key Algorithm: "),
        "{what}"
    );
    if let Some(bits) = after(&text, "Public-Key: (") {
        assert_eq!(format!("{} bit)", info.public_key_bits), bits, "{what}");
    }
    assert_eq!(
        info.public_key_curve.as_deref(),
        after(&text, "ASN1 OID: "),
        "{what}"
    );

    // Basic constraints and usages.
    let constraints = line_below(&text, "X509v3 Basic Constraints").unwrap_or("");
    assert_eq!(info.is_ca, constraints.starts_with("CA:TRUE"), "{what}");
    let pathlen = constraints
        .split(", ")
        .find_map(|p| p.strip_prefix("pathlen:"))
        .map(|n| n.parse::<u32>().unwrap());
    assert_eq!(info.path_length, pathlen, "{what}");
    let list = |header: &str| -> Vec<String> {
        line_below(&text, header)
            .map(|l| l.split(", ").map(str::to_owned).collect())
            .unwrap_or_default()
    };
    assert_eq!(info.key_usage, list("X509v3 Key Usage"), "{what}");
    assert_eq!(
        info.extended_key_usage,
        list("X509v3 Extended Key Usage"),
        "{what}"
    );

    // Authority information access and CRL distribution points.
    let uris = |prefix: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix(prefix))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(info.ocsp_uris, uris("OCSP - URI:"), "{what}");
    assert_eq!(info.ca_issuer_uris, uris("CA Issuers - URI:"), "{what}");
    let crl_section = text
        .split_once("X509v3 CRL Distribution Points:")
        .map(|(_, rest)| {
            rest.lines()
                .skip(1)
                .take_while(|l| l.starts_with("                "))
                .filter_map(|l| l.trim().strip_prefix("URI:"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    assert_eq!(info.crl_distribution_uris, crl_section, "{what}");
}

#[test]
fn every_certificate_of_the_test_pki_reads_as_openssl_x509_prints_it() {
    let names = [
        "ca.pem",
        "intermediate.pem",
        "server.pem",
        "client.pem",
        "expired.pem",
        "expired-client.pem",
        "self-signed.pem",
        "wrong-host.pem",
        "wildcard.pem",
        "cn-only.pem",
        "revoked-server.pem",
        "untrusted-ca.pem",
        "untrusted-server.pem",
        "rsa/ca.pem",
        "rsa/intermediate.pem",
        "rsa/server.pem",
        "rsa/client.pem",
        "rsa/expired.pem",
        "rsa/self-signed.pem",
    ];
    for name in names {
        assert_reads_as_openssl_prints(&cert(name));
    }

    // What the comparison alone would not pin down.
    let server = cert_info("server.pem");
    assert_eq!(
        server.subject_alt_names,
        [
            SubjectAltName::Dns("localhost".into()),
            SubjectAltName::Ip("127.0.0.1".parse().unwrap()),
            SubjectAltName::Ip("::1".parse().unwrap()),
        ]
    );
    assert_eq!(server.subject_value("CN"), Some("localhost"));
    assert_eq!(
        server.issuer_value("CN"),
        Some("sslsocket Test Intermediate CA")
    );
    assert_eq!(server.version, 3);
    assert_eq!(server.public_key_algorithm, "id-ecPublicKey");
    assert_eq!(server.public_key_bits, 256);
    assert_eq!(server.public_key_curve.as_deref(), Some("prime256v1"));
    assert_eq!(server.signature_algorithm, "ecdsa-with-SHA256");
    assert_eq!(server.key_usage, ["Digital Signature"]);
    assert_eq!(server.extended_key_usage, ["TLS Web Server Authentication"]);
    // 2025-01-01 00:00:00 and 2037-12-31 23:59:59 UTC (certs/README.md).
    assert_eq!(unix(server.not_before), 1_735_689_600);
    assert_eq!(unix(server.not_after), 2_145_916_799);
    assert_eq!(server.not_before_text, "Jan  1 00:00:00 2025 GMT");
    assert!(server.is_valid_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)));
    assert!(!cert_info("expired.pem").is_valid_at(SystemTime::now()));

    let ca = cert_info("ca.pem");
    assert!(ca.is_ca);
    assert_eq!(ca.path_length, None);
    assert_eq!(ca.key_usage, ["Certificate Sign", "CRL Sign"]);
    assert!(ca.subject_alt_names.is_empty());
    assert_eq!(ca.subject, ca.issuer);
    let intermediate = cert_info("intermediate.pem");
    assert!(intermediate.is_ca);
    assert_eq!(intermediate.path_length, Some(0));

    let rsa = cert_info("rsa/server.pem");
    assert_eq!(rsa.public_key_algorithm, "rsaEncryption");
    assert_eq!(rsa.public_key_bits, 2048);
    assert_eq!(rsa.public_key_curve, None);
    assert_eq!(rsa.signature_algorithm, "sha256WithRSAEncryption");
    assert_eq!(rsa.key_usage, ["Digital Signature", "Key Encipherment"]);
    assert_eq!(
        cert_info("client.pem").extended_key_usage,
        ["TLS Web Client Authentication"]
    );
}

/// Writes `certs` to `dir/name` as PEM and returns the path.
fn write_pem(dir: &Path, name: &str, cert: &X509) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, cert.to_pem().unwrap()).unwrap();
    path
}

fn spec_with(cn: &str, extensions: &[(&'static str, &str)]) -> Spec {
    Spec {
        extensions: extensions
            .iter()
            .map(|(n, v)| (*n, (*v).to_owned()))
            .collect(),
        ..Spec::leaf(cn)
    }
}

#[test]
fn forged_certificates_with_every_kind_of_field_read_as_openssl_x509_prints_them() {
    let dir = scratch_dir("certificate_info_forged");
    let root_key = forge::key();
    let root = forge::issue(&Spec::ca("info root"), &root_key, None);
    let everything = spec_with(
        "every extension",
        &[
            (
                "subjectAltName",
                "DNS:a.test, DNS:*.b.test, IP:10.1.2.3, IP:2001:db8::1, \
                 email:someone@example.test, URI:https://example.test/path, \
                 RID:1.2.3.4, otherName:1.2.3.4.5;UTF8:other",
            ),
            (
                "keyUsage",
                "critical, digitalSignature, nonRepudiation, keyEncipherment, \
                 dataEncipherment, keyAgreement, keyCertSign, cRLSign, encipherOnly, \
                 decipherOnly",
            ),
            (
                "extendedKeyUsage",
                "serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, \
                 OCSPSigning, 1.3.6.1.4.1.99999.1",
            ),
            ("basicConstraints", "critical, CA:TRUE, pathlen:3"),
            (
                "authorityInfoAccess",
                "OCSP;URI:http://ocsp.example.test/, OCSP;URI:http://ocsp2.example.test/, \
                 caIssuers;URI:http://ca.example.test/ca.der",
            ),
            (
                "crlDistributionPoints",
                "URI:http://crl.example.test/a.crl, URI:http://crl.example.test/b.crl",
            ),
        ],
    );
    let none = spec_with("no extension of interest", &[]);
    let serial_zero = Spec {
        serial: Some(0),
        ..Spec::leaf("serial zero")
    };
    let serial_negative = Spec {
        serial: Some(-0x1234),
        ..Spec::leaf("negative serial")
    };
    let long_ago = Spec {
        // From about 1957 to about 2121 (GeneralizedTime after 2049).
        not_before: -25_000,
        days: 60_000,
        ..Spec::leaf("long ago and far ahead")
    };
    let cases = [
        ("everything", everything, forge::key()),
        ("none", none, forge::key()),
        ("serial-zero", serial_zero, forge::key()),
        ("serial-negative", serial_negative, forge::key()),
        ("long-ago", long_ago, forge::key()),
        (
            "ed25519",
            Spec::leaf("ed25519 key"),
            PKey::generate_ed25519().unwrap(),
        ),
    ];
    for (name, spec, key) in &cases {
        let cert = forge::issue(spec, key, Some((&root, &root_key)));
        assert_reads_as_openssl_prints(&write_pem(&dir, &format!("{name}.pem"), &cert));
    }
    assert_reads_as_openssl_prints(&write_pem(&dir, "root.pem", &root));

    let everything = CertificateInfo::from_x509(&forge::issue(
        &cases[0].1,
        &cases[0].2,
        Some((&root, &root_key)),
    ));
    assert_eq!(
        everything.subject_alt_names,
        [
            SubjectAltName::Dns("a.test".into()),
            SubjectAltName::Dns("*.b.test".into()),
            SubjectAltName::Ip("10.1.2.3".parse().unwrap()),
            SubjectAltName::Ip("2001:db8::1".parse().unwrap()),
            SubjectAltName::Email("someone@example.test".into()),
            SubjectAltName::Uri("https://example.test/path".into()),
            SubjectAltName::Other("Registered ID:1.2.3.4".into()),
            SubjectAltName::Other("othername: 1.2.3.4.5::other".into()),
        ]
    );
    assert_eq!(everything.key_usage.len(), 9, "{:?}", everything.key_usage);
    assert_eq!(
        everything.extended_key_usage.last().map(String::as_str),
        Some("1.3.6.1.4.1.99999.1")
    );
    assert!(everything.is_ca);
    assert_eq!(everything.path_length, Some(3));
    assert_eq!(
        everything.ocsp_uris,
        ["http://ocsp.example.test/", "http://ocsp2.example.test/"]
    );
    assert_eq!(everything.ca_issuer_uris, ["http://ca.example.test/ca.der"]);
    assert_eq!(
        everything.crl_distribution_uris,
        [
            "http://crl.example.test/a.crl",
            "http://crl.example.test/b.crl"
        ]
    );
    let shown: Vec<String> = everything
        .subject_alt_names
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(shown[3], "IP Address:2001:db8::1");
    assert_eq!(shown[4], "email:someone@example.test");

    let info = |i: usize| {
        let (_, spec, key) = &cases[i];
        CertificateInfo::from_x509(&forge::issue(spec, key, Some((&root, &root_key))))
    };
    assert_eq!(info(2).serial_number, "00");
    assert_eq!(info(3).serial_number, "-1234");
    assert!(unix(info(4).not_before) < -300_000_000);
    // After 2049: a GeneralizedTime.
    assert!(unix(info(4).not_after) > 2_524_608_000);
    let ed = info(5);
    assert_eq!(ed.public_key_algorithm, "ED25519");
    assert_eq!(ed.public_key_curve, None);
    let none = info(1);
    assert!(none.ocsp_uris.is_empty() && none.crl_distribution_uris.is_empty());
}

#[test]
fn subject_alt_names_of_other_forms_keep_openssls_text() {
    // A `directoryName`, and an `iPAddress` of 8 bytes (the name-constraints
    // form, not an address), which must not be taken for an address:
    // SEQUENCE { [4] { CN=dir }, [7] 0a000000 ffffff00 }
    let der = [
        0x30, 0x1c, 0xa4, 0x10, 0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03,
        0x0c, 0x03, b'd', b'i', b'r', 0x87, 0x08, 10, 0, 0, 0, 255, 255, 255, 0,
    ];
    let spec = Spec {
        raw_extension: Some(("2.5.29.17", false, der.to_vec())),
        ..Spec::ca("other forms")
    };
    let cert = forge::issue(&spec, &forge::key(), None);
    let info = CertificateInfo::from_x509(&cert);
    assert_eq!(
        info.subject_alt_names,
        [
            SubjectAltName::Other("DirName:/CN=dir".into()),
            SubjectAltName::Other("IP Address:<invalid length=8>".into()),
        ]
    );
    let dir = scratch_dir("certificate_info_other_forms");
    assert_reads_as_openssl_prints(&write_pem(&dir, "other.pem", &cert));
}

/// What one end reports of its own certificate and its peer's.
#[derive(Debug)]
struct Ends {
    own: Option<CertificateInfo>,
    own_der: Option<Vec<u8>>,
    peer: Option<CertificateInfo>,
}

impl Ends {
    fn of(sock: &SslSocket) -> Ends {
        Ends {
            own: sock.certificate_info(),
            own_der: sock.certificate().map(|c| c.to_der().unwrap()),
            peer: sock.peer_certificate_info(),
        }
    }
}

#[test]
fn each_end_reads_its_own_certificate_and_its_peers() {
    for dir in ["", "rsa/"] {
        for v in VERSIONS {
            let f = |name: &str| format!("{dir}{name}");
            let mut sb = server_builder(&f("server-chain.pem"), &f("server.key"));
            sb.set_ca_file(cert(&f("ca.pem")))
                .set_verify_mode(VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT)
                .unwrap()
                .set_version(v);
            let mut cb = client_with_cert(&f("client.pem"), &f("client.key"));
            cb.set_ca_file(cert(&f("ca.pem")));
            let srv = Server::start(&build(&sb), |sock| {
                let ends = Ends::of(sock);
                serve_exchange(sock).map(|_| ends)
            });
            let mut sock = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
            let client = Ends::of(&sock);
            client_exchange(&mut sock).unwrap();
            let (_, server) = srv.join().unwrap();
            let server = server.unwrap();

            let server_cert = cert_info(&f("server.pem"));
            let client_cert = cert_info(&f("client.pem"));
            let case = format!("{dir} {v}");
            assert_eq!(client.peer.as_ref(), Some(&server_cert), "{case}");
            assert_eq!(client.own.as_ref(), Some(&client_cert), "{case}");
            assert_eq!(client.own_der, Some(cert_der(&f("client.pem"))), "{case}");
            assert_eq!(server.peer.as_ref(), Some(&client_cert), "{case}");
            assert_eq!(server.own.as_ref(), Some(&server_cert), "{case}");
            assert_eq!(server.own_der, Some(cert_der(&f("server.pem"))), "{case}");
        }
    }
}

#[test]
fn without_certificates_there_is_nothing_to_read() {
    // A server that asks for none, a client that has none.
    let srv = Server::start(&build(&default_server()), |sock| {
        let ends = Ends::of(sock);
        serve_exchange(sock).map(|_| ends)
    });
    let mut sock = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
    let client = Ends::of(&sock);
    client_exchange(&mut sock).unwrap();
    let server = srv.join().unwrap().1.unwrap();
    assert!(
        client.own.is_none() && client.own_der.is_none(),
        "{client:?}"
    );
    assert_eq!(
        client.peer.map(|p| p.subject_line).as_deref(),
        Some("CN=localhost")
    );
    assert!(server.peer.is_none(), "{server:?}");
    assert!(server.own.is_some());
}

#[test]
fn a_client_in_none_mode_reads_a_certificate_that_did_not_verify() {
    let srv = Server::start(
        &build(&server_builder("self-signed.pem", "self-signed.key")),
        serve_exchange,
    );
    let mut cb = client_builder();
    cb.set_verify_mode(VerifyMode::NONE).unwrap();
    let mut sock = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    let peer = sock
        .peer_certificate_info()
        .expect("the server's certificate");
    assert!(!sock.peer_verification().is_verified());
    assert_eq!(peer, cert_info("self-signed.pem"));
    assert_eq!(peer.subject, peer.issuer);
    client_exchange(&mut sock).unwrap();
    drop(srv.join());
}

#[test]
fn against_openssl_s_server_and_s_client() {
    // Our client reads s_server's certificate.
    let mut server = SServer::localhost_of("rsa/", &["-naccept", "1"]);
    let mut cb = client_builder();
    cb.set_ca_file(cert("rsa/ca.pem"));
    let sock = SslSocket::connect(&build(&cb), &format!("localhost:{}", server.port()))
        .unwrap_or_else(|e| panic!("connecting to s_server: {e:?}"));
    assert_eq!(
        sock.peer_certificate_info(),
        Some(cert_info("rsa/server.pem"))
    );
    assert_eq!(sock.certificate_info(), None);
    drop(sock);
    server.type_line("");
    drop(server.finish());

    // Our server reads s_client's certificate.
    let mut sb = default_server();
    sb.set_verify_mode(VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT)
        .unwrap();
    let srv = Server::start(&build(&sb), |sock| {
        (sock.peer_certificate_info(), sock.certificate_info())
    });
    let (c, k, ca) = (
        openssl_cli::cert("client.pem"),
        openssl_cli::cert("client.key"),
        openssl_cli::cert("ca.pem"),
    );
    let client = SClient::start(srv.port(), &["-cert", &c, "-key", &k, "-CAfile", &ca], b"");
    let (_, (peer, own)) = srv.join().unwrap();
    drop(client.finish());
    assert_eq!(peer, Some(cert_info("client.pem")));
    assert_eq!(own, Some(cert_info("server.pem")));
    let peer = peer.unwrap();
    assert_eq!(peer.subject_value("CN"), Some("sslsocket test client"));
    assert_eq!(
        peer.subject_alt_names,
        [SubjectAltName::Dns("client.test".into())]
    );
}

#[test]
fn a_server_reports_the_certificate_its_name_callback_chose() {
    let other = Identity::from_files(cert("wrong-host-chain.pem"), cert("wrong-host.key")).unwrap();
    let mut sb = default_server();
    sb.set_server_name_callback(move |name| match name {
        "other.example" => SniDecision::Use(other.clone()),
        _ => SniDecision::Default,
    });
    let srv = Server::start(&build(&sb), |sock| {
        let own = sock.certificate_info();
        echo(sock);
        own
    });
    let mut cb = client_builder();
    cb.set_server_name(Some("other.example"));
    let sock = SslSocket::connect(&build(&cb), &srv.ip()).unwrap();
    let seen = sock.peer_certificate_info();
    drop(sock);
    let (_, own) = srv.join().unwrap();
    let wrong_host = cert_info("wrong-host.pem");
    assert_eq!(own, Some(wrong_host.clone()));
    assert_eq!(seen, Some(wrong_host));
}
