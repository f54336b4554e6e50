//! What porters from Python `ssl`, Qore and C OpenSSL look for: encrypted
//! keys, PKCS#12, CRLs and verify flags, key logs, exporters and channel
//! binding, sessions to keep, OCSP stapling, options. Real handshakes, our
//! own peers and the `openssl` programs.

mod common;
mod openssl_cli;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{
    build, cert, cert_bytes, client_builder, client_exchange, exchange_server, expect_exchanged,
    with_timeouts,
};
use openssl_cli::{SClient, SServer};
use sslsocket::{ConfigError, Error, Identity, SslConfig, SslConfigBuilder, SslSocket};

/// The password of every encrypted key and protected PKCS#12 file in `certs/`.
const PASSWORD: &str = "sslsocket-test";

fn path(name: &str) -> String {
    cert(name).display().to_string()
}

/// A server builder with `certs/<chain>` and the key `certs/<key>`, no password.
fn server_with_key(chain: &str, key: &str) -> SslConfigBuilder {
    let mut b = SslConfig::server();
    b.set_certificate_file(cert(chain))
        .set_private_key_file(cert(key))
        .set_ca_file(cert("ca.pem"));
    with_timeouts(&mut b);
    b
}

/// Our client against a server built from `b`: the standard exchange, and
/// how many certificates the server sent.
fn serves_our_client(b: &SslConfigBuilder) -> usize {
    let server = exchange_server(&build(b));
    let mut s = SslSocket::connect(&build(&client_builder()), &server.localhost())
        .unwrap_or_else(|e| panic!("connect: {e:?}"));
    client_exchange(&mut s).unwrap();
    expect_exchanged(server.join());
    s.peer_cert_chain().len()
}

/// `openssl s_client` against a server built from `b`, verifying it
/// against `ca.pem`: its output.
fn s_client_against(b: &SslConfigBuilder, extra: &[&str]) -> openssl_cli::Output {
    let server = common::Server::start(&build(b), |s| {
        let _ = s.send_all(b"hello\n");
        let _ = s.shutdown();
    });
    let ca = path("ca.pem");
    let mut args = vec!["-CAfile", &ca, "-verify_return_error"];
    args.extend_from_slice(extra);
    let out = SClient::start(server.port(), &args, b"").finish();
    let _ = server.join();
    out
}

fn config_error(e: Error) -> ConfigError {
    match e {
        Error::InvalidConfig(c) => c,
        other => panic!("expected Error::InvalidConfig, got {other:?}"),
    }
}

// 1. Private keys with a password.

/// An AES-256 PEM key (`openssl pkey -aes256`) with its password serves
/// our client and `openssl s_client`.
#[test]
fn encrypted_key_with_its_password() {
    let mut b = server_with_key("server-chain.pem", "server-encrypted.key");
    b.set_private_key_password(PASSWORD);
    assert_eq!(serves_our_client(&b), 2);
    let out = s_client_against(&b, &[]);
    assert_eq!(out.verify_return_code(), Some(0), "{}", out.dump());
    assert!(out.mentions("hello"), "{}", out.dump());
}

/// The callback is asked once per build for an encrypted key, and never
/// for a plain one.
#[test]
fn password_callback_is_asked_only_for_an_encrypted_key() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let mut b = server_with_key("server-chain.pem", "server-encrypted.key");
    b.set_private_key_password_callback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        PASSWORD
    });
    assert_eq!(serves_our_client(&b), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let mut b = server_with_key("server-chain.pem", "server.key");
    b.set_private_key_password_callback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        Some(PASSWORD.to_string())
    });
    build(&b);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

/// Encrypted PKCS#8 DER (`openssl pkcs8 -topk8 -v2 aes256 -outform DER`).
#[test]
fn encrypted_der_key_with_its_password() {
    let mut b = server_with_key("server-chain.pem", "server-encrypted.der");
    b.set_private_key_password(PASSWORD);
    assert_eq!(serves_our_client(&b), 2);
    b.set_private_key_password("wrong");
    let e = config_error(b.build().unwrap_err());
    assert!(
        matches!(
            e,
            ConfigError::WrongKeyPassword {
                what: "private key",
                ..
            }
        ),
        "{e:?}"
    );
}

/// No password, a callback that has none, a wrong one, an empty one: each
/// a clear error at build(), never a prompt.
#[test]
fn encrypted_key_without_or_with_a_wrong_password() {
    let origin = path("server-encrypted.key");
    let b = server_with_key("server-chain.pem", "server-encrypted.key");
    match config_error(b.build().unwrap_err()) {
        ConfigError::KeyPasswordRequired { what, origin: o } => {
            assert_eq!((what, o.as_str()), ("private key", origin.as_str()))
        }
        e => panic!("{e:?}"),
    }
    let mut b = server_with_key("server-chain.pem", "server-encrypted.key");
    b.set_private_key_password_callback(|| None::<String>);
    let e = config_error(b.build().unwrap_err());
    assert!(
        matches!(e, ConfigError::KeyPasswordRequired { .. }),
        "{e:?}"
    );

    b.set_private_key_password("not-the-password");
    let e = b.build().unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("the password does not decrypt the private key"),
        "{text}"
    );
    assert!(std::error::Error::source(&e).is_some());
    match config_error(e) {
        ConfigError::WrongKeyPassword {
            origin: o, source, ..
        } => {
            assert_eq!(o, origin);
            assert!(!source.errors().is_empty(), "OpenSSL's reason is kept");
        }
        e => panic!("{e:?}"),
    }

    b.set_private_key_password(&"x".repeat(2000));
    let e = config_error(b.build().unwrap_err());
    assert!(
        matches!(e, ConfigError::KeyPasswordUnusable { .. }),
        "{e:?}"
    );
}

/// A panic in the password callback fails build() and goes no further.
#[test]
fn a_panicking_password_callback_fails_build() {
    let mut b = server_with_key("server-chain.pem", "server-encrypted.key");
    b.set_private_key_password_callback(|| -> String { panic!("no password today") });
    match b.build().unwrap_err() {
        Error::CallbackPanicked { callback, message } => {
            assert_eq!(callback, "private key password");
            assert_eq!(message, "no password today");
        }
        e => panic!("{e:?}"),
    }
}

/// A client with an encrypted key, against `openssl s_server -Verify`.
#[test]
fn client_with_an_encrypted_key_against_s_server() {
    let ca = path("ca.pem");
    let server = SServer::localhost(&["-naccept", "1", "-Verify", "2", "-CAfile", &ca, "-rev"]);
    let mut c = client_builder();
    c.set_certificate_file(cert("client.pem"))
        .set_private_key_file(cert("client-encrypted.key"))
        .set_private_key_password(PASSWORD);
    let mut s = SslSocket::connect(&build(&c), &server.addr()).unwrap();
    s.send_all(b"olleh\n").unwrap();
    let got = common::recv_exact(&mut s, 6).unwrap();
    assert_eq!(got, b"hello\n");
    drop(s);
    let out = server.finish();
    assert!(
        out.mentions("Peer certificate: CN = sslsocket test client")
            && out.mentions("Verification: OK"),
        "{}",
        out.dump()
    );
}

/// `Identity` with a password: a client certificate chosen by the callback.
#[test]
fn identity_with_a_password() {
    let id = Identity::from_files_with_password(
        cert("client.pem"),
        cert("client-encrypted.key"),
        PASSWORD,
    )
    .unwrap();
    assert!(Identity::from_files(cert("client.pem"), cert("client-encrypted.key")).is_err());
    let wrong = Identity::from_pem_with_password(
        &cert_bytes("client.pem"),
        &cert_bytes("client-encrypted.key"),
        "wrong",
    )
    .unwrap_err();
    assert!(
        matches!(
            wrong,
            Error::InvalidConfig(ConfigError::WrongKeyPassword { .. })
        ),
        "{wrong:?}"
    );
    let mut b = common::default_server();
    b.set_verify_mode(3).unwrap();
    let server = exchange_server(&build(&b));
    let mut c = client_builder();
    c.set_client_certificate_callback(move |_| Some(id.clone()));
    let mut s = SslSocket::connect(&build(&c), &server.localhost()).unwrap();
    client_exchange(&mut s).unwrap();
    let seen = expect_exchanged(server.join());
    assert_eq!(
        seen.peer_subject.as_deref(),
        Some("CN=sslsocket test client")
    );
}

// 2. PKCS#12.

/// `openssl pkcs12 -export` files: with a password, with the empty one,
/// and unprotected; the intermediate inside is sent.
#[test]
fn pkcs12_files_serve_our_client_and_s_client() {
    let cases = [
        ("server.p12", PASSWORD),
        ("server-empty-password.p12", ""),
        ("server-unprotected.p12", ""),
    ];
    for (file, password) in cases {
        let mut b = SslConfig::server();
        b.set_pkcs12_file(cert(file), password);
        with_timeouts(&mut b);
        assert_eq!(serves_our_client(&b), 2, "{file}");
        let out = s_client_against(&b, &[]);
        assert_eq!(out.verify_return_code(), Some(0), "{file}: {}", out.dump());
    }
    let mut b = SslConfig::server();
    b.set_pkcs12_der(&cert_bytes("server.p12"), PASSWORD);
    with_timeouts(&mut b);
    assert_eq!(serves_our_client(&b), 2);
}

#[test]
fn pkcs12_errors() {
    let origin = path("server.p12");
    let mut b = SslConfig::server();
    b.set_pkcs12_file(cert("server.p12"), "wrong");
    match config_error(b.build().unwrap_err()) {
        ConfigError::WrongKeyPassword {
            what, origin: o, ..
        } => {
            assert_eq!((what, o.as_str()), ("PKCS#12 file", origin.as_str()))
        }
        e => panic!("{e:?}"),
    }
    b.set_pkcs12_file(cert("server.p12"), "");
    let e = config_error(b.build().unwrap_err());
    assert!(
        matches!(e, ConfigError::KeyPasswordRequired { .. }),
        "{e:?}"
    );
    b.set_pkcs12_file(cert("server.p12"), "nul\0byte");
    let e = config_error(b.build().unwrap_err());
    assert!(
        matches!(e, ConfigError::KeyPasswordUnusable { .. }),
        "{e:?}"
    );

    b.set_pkcs12_file(cert("server.pem"), PASSWORD);
    let e = b.build().unwrap_err();
    assert!(
        matches!(
            e,
            Error::Load {
                what: "PKCS#12 file",
                ..
            }
        ),
        "{e:?}"
    );
    b.set_pkcs12_file(cert("no-such.p12"), PASSWORD);
    assert!(matches!(b.build().unwrap_err(), Error::File { .. }));

    let mut b = common::default_server();
    b.set_pkcs12_file(cert("server.p12"), PASSWORD);
    let e = config_error(b.build().unwrap_err());
    assert!(matches!(e, ConfigError::Pkcs12AndCertificate), "{e:?}");
}

/// `Identity::from_pkcs12_file`: a client certificate for a server that
/// requires one, and a virtual host's identity.
#[test]
fn identity_from_pkcs12() {
    let client_id = Identity::from_pkcs12_file(cert("client.p12"), PASSWORD).unwrap();
    assert!(Identity::from_pkcs12_file(cert("client.p12"), "wrong").is_err());
    let mut b = common::default_server();
    b.set_verify_mode(3).unwrap();
    let server = exchange_server(&build(&b));
    let mut c = client_builder();
    c.set_client_certificate_callback(move |_| Some(client_id.clone()));
    let mut s = SslSocket::connect(&build(&c), &server.localhost()).unwrap();
    client_exchange(&mut s).unwrap();
    let seen = expect_exchanged(server.join());
    assert_eq!(
        seen.peer_subject.as_deref(),
        Some("CN=sslsocket test client")
    );

    let host = Identity::from_pkcs12_der(&cert_bytes("server.p12"), PASSWORD).unwrap();
    let mut b = server_with_key("wrong-host-chain.pem", "wrong-host.key");
    b.set_server_name_callback(move |_| sslsocket::SniDecision::Use(host.clone()));
    assert_eq!(serves_our_client(&b), 2);
}
