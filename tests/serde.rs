//! The `serde` feature: the JSON each serializable type gives, with values
//! taken from the test PKI and from real handshakes where they can be.

mod common;

use common::*;
use serde_json::{json, Value};
use sslsocket::{
    Alert, CertificateInfo, Error, HandshakeEvent, PeerVerification, SslSocket, SubjectAltName,
    TlsVersion, VerifyFailure, VerifyMode, VerifyResult,
};

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serializes")
}

#[test]
fn certificate_info_serializes_every_field() {
    let info = cert_info("server.pem");
    let hex = |bytes: &[u8]| {
        bytes
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    let expected = json!({
        "subject": [["CN", "localhost"]],
        "subject_line": "CN=localhost",
        "issuer": [["CN", "sslsocket Test Intermediate CA"]],
        "issuer_line": "CN=sslsocket Test Intermediate CA",
        "serial_number": info.serial_number,
        "version": 3,
        "not_before": 1_735_689_600,
        "not_after": 2_145_916_799,
        "not_before_text": "Jan  1 00:00:00 2025 GMT",
        "not_after_text": "Dec 31 23:59:59 2037 GMT",
        "subject_alt_names": [{"Dns": "localhost"}, {"Ip": "127.0.0.1"}, {"Ip": "::1"}],
        "public_key_algorithm": "id-ecPublicKey",
        "public_key_bits": 256,
        "public_key_curve": "prime256v1",
        "signature_algorithm": "ecdsa-with-SHA256",
        "is_ca": false,
        "path_length": null,
        "key_usage": ["Digital Signature"],
        "extended_key_usage": ["TLS Web Server Authentication"],
        "ocsp_uris": [],
        "ca_issuer_uris": [],
        "crl_distribution_uris": [],
        "sha256_fingerprint": hex(&info.sha256_fingerprint),
        "sha1_fingerprint": hex(&info.sha1_fingerprint),
    });
    assert_eq!(to_json(&info), expected);
    // The fingerprint as `openssl x509 -fingerprint -sha256` prints it.
    let fp = to_json(&info)["sha256_fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fp.len(), 32 * 3 - 1);
    assert!(fp
        .chars()
        .all(|c| c == ':' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));

    let ca = to_json(&cert_info("intermediate.pem"));
    assert_eq!(ca["is_ca"], json!(true));
    assert_eq!(ca["path_length"], json!(0));
    assert_eq!(ca["key_usage"], json!(["Certificate Sign", "CRL Sign"]));
}

#[test]
fn a_time_before_1970_serializes_as_negative_seconds() {
    let spec = forge::Spec {
        // From about 1957.
        not_before: -25_000,
        ..forge::Spec::leaf("long ago")
    };
    let cert = forge::issue(&spec, &forge::key(), None);
    let json = to_json(&CertificateInfo::from_x509(&cert));
    assert!(
        json["not_before"].as_i64().unwrap() < -300_000_000,
        "{json}"
    );
}

#[test]
fn subject_alt_names_serialize_by_kind() {
    let names = [
        SubjectAltName::Dns("a.test".into()),
        SubjectAltName::Ip("10.1.2.3".parse().unwrap()),
        SubjectAltName::Ip("2001:db8::1".parse().unwrap()),
        SubjectAltName::Email("someone@example.test".into()),
        SubjectAltName::Uri("https://example.test/".into()),
        SubjectAltName::Other("Registered ID:1.2.3.4".into()),
    ];
    assert_eq!(
        to_json(&names),
        json!([
            {"Dns": "a.test"},
            {"Ip": "10.1.2.3"},
            {"Ip": "2001:db8::1"},
            {"Email": "someone@example.test"},
            {"Uri": "https://example.test/"},
            {"Other": "Registered ID:1.2.3.4"},
        ])
    );
}

#[test]
fn codes_serialize_with_their_names() {
    assert_eq!(
        to_json(&VerifyResult::from_code(18)),
        json!({
            "code": 18,
            "name": "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
            "reason": "self-signed certificate",
        })
    );
    assert_eq!(
        to_json(&VerifyResult::OK),
        json!({"code": 0, "name": "X509_V_OK", "reason": "ok"})
    );
    assert_eq!(
        to_json(&Alert::CERTIFICATE_REQUIRED),
        json!({"code": 116, "name": "certificate_required"})
    );
    assert_eq!(
        to_json(&Alert::from_code(7)),
        json!({"code": 7, "name": "unknown_alert"})
    );
    // The integer OpenSSL receives, as C, Qore and Python store it.
    assert_eq!(
        to_json(&(VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT)),
        json!(3)
    );
    assert_eq!(to_json(&VerifyMode::NONE), json!(0));
    assert_eq!(
        to_json(&[TlsVersion::Tls1_2, TlsVersion::Tls1_3]),
        json!(["TLSv1.2", "TLSv1.3"])
    );
}

#[test]
fn what_a_handshake_reports_serializes() {
    // A client in NONE mode against a self-signed server: the failure is
    // recorded, the connection goes on.
    let events = Log::new();
    let seen = events.clone();
    let mut cb = client_builder();
    cb.set_verify_mode(VerifyMode::NONE)
        .unwrap()
        .set_version(TlsVersion::Tls1_3)
        .set_handshake_callback(move |e, _| seen.push(*e));
    let srv = Server::start(
        &build(&server_builder("self-signed.pem", "self-signed.key")),
        serve_exchange,
    );
    let mut sock = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    assert_eq!(
        to_json(&sock.peer_verification()),
        json!({"Failed": {
            "code": 18,
            "name": "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
            "reason": "self-signed certificate",
        }})
    );
    assert_eq!(
        to_json(&sock.verify_failure()),
        json!({
            "result": {
                "code": 18,
                "name": "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
                "reason": "self-signed certificate",
            },
            "depth": 0,
            "subject": "O=sslsocket self-signed, CN=localhost",
            "resumed": false,
            "location_known": true,
            "alert_sent": null,
        })
    );
    let status = to_json(&sock.security_status());
    assert_eq!(status["on"], json!(true));
    assert_eq!(status["version"], json!("TLSv1.3"));
    assert_eq!(
        status["subject"],
        json!("O=sslsocket self-signed, CN=localhost")
    );
    assert!(status["cipher"].as_str().unwrap().starts_with("TLS_"));
    assert!(status["key_size"].as_i64().unwrap() >= 128);
    client_exchange(&mut sock).unwrap();
    drop(srv.join());
    assert_eq!(
        to_json(&events.items()),
        json!([
            {"Started": {"renegotiation": false}},
            {"Completed": {"renegotiation": false, "resumed": false}},
        ])
    );
    assert_eq!(
        to_json(&HandshakeEvent::RenegotiationRefused),
        json!("RenegotiationRefused")
    );
    assert_eq!(
        to_json(&[PeerVerification::NoCertificate, PeerVerification::Verified]),
        json!(["NoCertificate", "Verified"])
    );
}

#[test]
fn a_refused_certificate_serializes_with_the_alert_sent() {
    // A server requiring a certificate from a client of an untrusted CA.
    let mut sb = default_server();
    sb.set_verify_mode(3)
        .unwrap()
        .set_version(TlsVersion::Tls1_2);
    let srv = Server::start(&build(&sb), |_| ());
    let client = build(&client_with_cert(
        "untrusted-client.pem",
        "untrusted-client.key",
    ));
    let _ = SslSocket::connect(&client, &srv.localhost());
    let failure: VerifyFailure = match srv.join() {
        Err(Error::VerifyFailed { failure }) => failure,
        other => panic!("{other:?}"),
    };
    let json = to_json(&failure);
    assert_eq!(json["result"]["code"], json!(20), "{json}");
    assert_eq!(json["depth"], json!(0));
    assert_eq!(json["subject"], json!("CN=sslsocket untrusted client"));
    assert_eq!(
        json["alert_sent"],
        json!({"code": 48, "name": "unknown_ca"})
    );
}
