//! What porters from Python `ssl`, Qore and C OpenSSL look for: encrypted
//! keys, PKCS#12, CRLs and verify flags, key logs, exporters and channel
//! binding, sessions to keep, OCSP stapling, options. Real handshakes, our
//! own peers and the `openssl` programs.

mod common;

use common::openssl_cli;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{
    build, cert, cert_arg as path, cert_bytes, client_builder, client_exchange, example,
    exchange_server, expect_exchanged, server_builder as server_with_key, with_timeouts,
};
use openssl_cli::{SClient, SServer};
use sslsocket::{ConfigError, Error, Identity, SslConfig, SslConfigBuilder, SslSocket};

/// The password of every encrypted key and protected PKCS#12 file in `certs/`.
const PASSWORD: &str = "sslsocket-test";

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
    assert!(
        !format!("{b:?}").contains(PASSWORD),
        "Debug shows no password"
    );
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

/// What our server requiring a client certificate sees of our client
/// presenting `id` from its client-certificate callback.
fn client_identity_seen(id: Identity) -> Option<String> {
    let mut b = common::default_server();
    b.set_verify_mode(3).unwrap();
    let server = exchange_server(&build(&b));
    let mut c = client_builder();
    c.set_client_certificate_callback(move |_| Some(id.clone()));
    let mut s = SslSocket::connect(&build(&c), &server.localhost()).unwrap();
    client_exchange(&mut s).unwrap();
    expect_exchanged(server.join()).peer_subject
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
    assert_eq!(
        client_identity_seen(id).as_deref(),
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
    assert!(
        !format!("{b:?}").contains(PASSWORD),
        "Debug shows no password"
    );
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
    assert_eq!(
        client_identity_seen(client_id).as_deref(),
        Some("CN=sslsocket test client")
    );

    let host = Identity::from_pkcs12_der(&cert_bytes("server.p12"), PASSWORD).unwrap();
    let mut b = server_with_key("wrong-host-chain.pem", "wrong-host.key");
    b.set_server_name_callback(move |_| sslsocket::SniDecision::Use(host.clone()));
    assert_eq!(serves_our_client(&b), 2);
}

// 3. Revocation and verification flags.

/// The verify error code of a failed handshake, and at which depth.
fn verify_error(e: &Error) -> (i32, u32) {
    match e {
        Error::VerifyFailed { failure } => (failure.result.code(), failure.depth),
        other => panic!("expected Error::VerifyFailed, got {other:?}"),
    }
}

/// Our client with `client_cert` against our server requiring a client
/// certificate (mode 3) with `setup`: the server's handshake result and
/// the client's exchange result.
fn client_cert_against_our_server(
    client_cert: &str,
    setup: impl FnOnce(&mut SslConfigBuilder),
) -> (Result<(), Error>, Result<(), Error>) {
    let mut b = common::default_server();
    b.set_verify_mode(3).unwrap();
    setup(&mut b);
    let server = exchange_server(&build(&b));
    let c = common::client_with_cert(&format!("{client_cert}.pem"), &format!("{client_cert}.key"));
    let client = SslSocket::connect(&build(&c), &server.localhost())
        .and_then(|mut s| client_exchange(&mut s));
    let served = match server.join() {
        Ok((_, r)) => r.map(|_| ()),
        Err(e) => Err(e),
    };
    (served, client)
}

/// `CRL_CHECK` and `CRL_CHECK | CRL_CHECK_ALL` with the root's CRL: the
/// revoked client is refused with `X509_V_ERR_CERT_REVOKED` (23) and told
/// `certificate_revoked`; the good one passes. CRLs alone check nothing.
#[test]
fn revoked_client_certificate_is_refused() {
    use sslsocket::VerifyFlags;
    for flags in [
        VerifyFlags::CRL_CHECK,
        VerifyFlags::CRL_CHECK | VerifyFlags::CRL_CHECK_ALL,
    ] {
        let crl = |b: &mut SslConfigBuilder| {
            b.set_crl_file(cert("ca.crl")).set_verify_flags(flags);
        };
        let (served, client) = client_cert_against_our_server("revoked-client", crl);
        let e = served.unwrap_err();
        assert_eq!(verify_error(&e), (23, 0), "{flags:?}: {e}");
        assert_eq!(
            e.alert_sent().map(|a| a.name()),
            Some("certificate_revoked")
        );
        let e = client.unwrap_err();
        assert_eq!(
            e.alert().map(|a| a.name()),
            Some("certificate_revoked"),
            "{e:?}"
        );

        let (served, client) = client_cert_against_our_server("client", crl);
        served.unwrap();
        client.unwrap();
    }
    let (served, client) = client_cert_against_our_server("revoked-client", |b| {
        b.set_crl_file(cert("ca.crl"));
    });
    served.unwrap();
    client.unwrap();
}

/// `CRL_CHECK` without the issuer's CRL: `X509_V_ERR_UNABLE_TO_GET_CRL` (3).
#[test]
fn missing_crl_under_crl_check() {
    let (served, _) = client_cert_against_our_server("client", |b| {
        b.set_verify_flags(sslsocket::VerifyFlags::CRL_CHECK);
    });
    assert_eq!(verify_error(&served.unwrap_err()), (3, 0));
}

/// `openssl s_client` with the revoked certificate against our server.
#[test]
fn s_client_with_a_revoked_certificate_is_refused() {
    let mut b = common::default_server();
    b.set_verify_mode(3)
        .unwrap()
        .set_crl_file(cert("ca.crl"))
        .set_verify_flags(sslsocket::VerifyFlags::CRL_CHECK);
    let server = common::Server::start(&build(&b), |s| s.send_all(b"hello\n"));
    let (c, k, ca) = (
        path("revoked-client.pem"),
        path("revoked-client.key"),
        path("ca.pem"),
    );
    let out = SClient::start(
        server.port(),
        &["-cert", &c, "-key", &k, "-CAfile", &ca],
        b"",
    )
    .finish();
    let e = server.join().unwrap_err();
    assert_eq!(verify_error(&e), (23, 0));
    assert!(out.mentions("certificate revoked"), "{}", out.dump());
}

/// Our client against `openssl s_server`: the revoked server under
/// `CRL_CHECK`, and `CRL_CHECK_ALL` needing the root's CRL too.
#[test]
fn our_client_checks_the_servers_crls() {
    use sslsocket::VerifyFlags;
    let connect = |server: &SServer, crls: &[&str], flags: VerifyFlags| {
        let mut c = client_builder();
        for crl in crls {
            c.set_crl_file(cert(crl));
        }
        c.set_verify_flags(flags);
        let config = build(&c);
        assert_eq!(config.get_verify_flags(), flags);
        let tcp = std::net::TcpStream::connect(server.addr()).unwrap();
        let r = SslSocket::upgrade_client(&config, tcp, Some("localhost"));
        if let Ok(s) = &r {
            assert_eq!(s.get_verify_flags(), flags);
        }
        r
    };
    let (revoked, inter, key) = (
        path("revoked-server.pem"),
        path("intermediate.pem"),
        path("revoked-server.key"),
    );
    let server = SServer::start(&[
        "-cert",
        &revoked,
        "-cert_chain",
        &inter,
        "-key",
        &key,
        "-naccept",
        "1",
    ]);
    let e = connect(&server, &["intermediate.crl"], VerifyFlags::CRL_CHECK).unwrap_err();
    assert_eq!(verify_error(&e), (23, 0), "{e}");
    drop(server);

    let chain_check = VerifyFlags::CRL_CHECK | VerifyFlags::CRL_CHECK_ALL;
    let server = SServer::localhost(&["-naccept", "3"]);
    connect(&server, &["intermediate.crl"], VerifyFlags::CRL_CHECK).unwrap();
    let e = connect(&server, &["intermediate.crl"], chain_check).unwrap_err();
    assert_eq!(verify_error(&e), (3, 1), "{e}");
    connect(&server, &["intermediate.crl", "ca.crl"], chain_check).unwrap();
}

/// Both CRLs in one PEM buffer; a file that holds no CRL is a load error.
#[test]
fn crls_from_pem_bytes() {
    use sslsocket::VerifyFlags;
    let mut both = cert_bytes("intermediate.crl");
    both.extend(cert_bytes("ca.crl"));
    let server = exchange_server(&build(&common::default_server()));
    let mut c = client_builder();
    c.add_crl_pem(&both)
        .set_verify_flags(VerifyFlags::CRL_CHECK | VerifyFlags::CRL_CHECK_ALL);
    let mut s = SslSocket::connect(&build(&c), &server.localhost()).unwrap();
    client_exchange(&mut s).unwrap();
    expect_exchanged(server.join());

    let mut c = client_builder();
    c.set_crl_file(cert("server.pem"));
    let e = c.build().unwrap_err();
    assert!(matches!(e, Error::Load { what: "CRL", .. }), "{e:?}");
}

/// `PARTIAL_CHAIN`: the intermediate alone as the trust anchor.
#[test]
fn partial_chain_trusts_an_intermediate() {
    let run = |partial: bool| {
        let server = exchange_server(&build(&common::default_server()));
        let mut c = SslConfig::client();
        c.set_ca_file(cert("intermediate.pem"));
        with_timeouts(&mut c);
        if partial {
            c.set_verify_flags(sslsocket::VerifyFlags::PARTIAL_CHAIN);
        }
        let r = SslSocket::connect(&build(&c), &server.localhost())
            .and_then(|mut s| client_exchange(&mut s).map(|()| s.verified_chain().len()));
        drop(server);
        r
    };
    // OpenSSL finds the intermediate trusted but not its issuer.
    assert_eq!(verify_error(&run(false).unwrap_err()), (2, 1));
    assert_eq!(run(true).unwrap(), 2, "leaf and the intermediate anchor");
}

/// `set_verify_depth(0)`: the intermediate makes the chain too long (22).
#[test]
fn verify_depth_limits_the_chain() {
    for (depth, ok) in [(0, false), (1, true)] {
        let server = exchange_server(&build(&common::default_server()));
        let mut c = client_builder();
        c.set_verify_depth(depth);
        let r = SslSocket::connect(&build(&c), &server.localhost())
            .and_then(|mut s| client_exchange(&mut s));
        match (r, ok) {
            (Ok(()), true) => {}
            (Err(e), false) => assert_eq!(verify_error(&e), (22, 1)),
            (r, _) => panic!("depth {depth}: {r:?}"),
        }
        drop(server);
    }
}

/// The flags newtypes: values, `|`, unknown bits refused, C names.
#[test]
fn verify_and_hostname_flags_values() {
    use sslsocket::{HostnameFlags, VerifyFlags};
    let table: [(VerifyFlags, std::os::raw::c_ulong, &str); 5] = [
        (VerifyFlags::CRL_CHECK, 0x4, "X509_V_FLAG_CRL_CHECK"),
        (VerifyFlags::CRL_CHECK_ALL, 0x8, "X509_V_FLAG_CRL_CHECK_ALL"),
        (VerifyFlags::X509_STRICT, 0x20, "X509_V_FLAG_X509_STRICT"),
        (
            VerifyFlags::PARTIAL_CHAIN,
            0x80000,
            "X509_V_FLAG_PARTIAL_CHAIN",
        ),
        (
            VerifyFlags::TRUSTED_FIRST,
            0x8000,
            "X509_V_FLAG_TRUSTED_FIRST",
        ),
    ];
    for (flag, bits, name) in table {
        assert_eq!(flag.bits(), bits);
        assert_eq!(format!("{flag:?}"), name);
        assert_eq!(VerifyFlags::try_from(flag.bits()).unwrap(), flag);
    }
    let suite_b = VerifyFlags::SUITEB_128_LOS_ONLY | VerifyFlags::SUITEB_192_LOS;
    assert_eq!(format!("{suite_b:?}"), "X509_V_FLAG_SUITEB_128_LOS");
    assert_eq!(format!("{:?}", VerifyFlags::default()), "0");
    match VerifyFlags::try_from(0x40004).unwrap_err() {
        Error::InvalidConfig(ConfigError::UnknownFlags {
            kind,
            given,
            unknown,
        }) => assert_eq!((kind, given, unknown), ("X509_V_FLAG_*", 0x40004, 0x40000)),
        e => panic!("{e:?}"),
    }
    let host = HostnameFlags::NO_PARTIAL_WILDCARDS | HostnameFlags::NEVER_CHECK_SUBJECT;
    assert_eq!(host.bits(), 0x24);
    assert_eq!(
        format!("{host:?}"),
        "X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT"
    );
    assert!(HostnameFlags::try_from(0x40).is_err());

    let mut b = client_builder();
    assert!(b.get_hostname_checks_common_name());
    b.set_hostname_checks_common_name(false);
    assert!(!b.get_hostname_checks_common_name());
    b.set_verify_flags(VerifyFlags::X509_STRICT | VerifyFlags::TRUSTED_FIRST);
    assert_eq!(b.get_verify_flags().bits(), 0x8020);
    assert_eq!(build(&b).get_verify_flags().bits(), 0x8020);
}

/// Host-name flags on the wire: the CN fallback (a certificate without
/// SANs) and a partial wildcard (`w*.sslsocket.test`).
#[test]
fn hostname_flags_change_what_matches() {
    use sslsocket::HostnameFlags;
    let run = |chain: &str, key: &str, name: &str, setup: &dyn Fn(&mut SslConfigBuilder)| {
        let server = exchange_server(&build(&server_with_key(chain, key)));
        let mut c = client_builder();
        c.set_server_name(Some(name));
        setup(&mut c);
        let r =
            SslSocket::connect(&build(&c), &server.ip()).and_then(|mut s| client_exchange(&mut s));
        drop(server);
        r
    };
    let cn = ("cn-only-chain.pem", "cn-only.key", "localhost");
    run(cn.0, cn.1, cn.2, &|_| {}).unwrap();
    let e = run(cn.0, cn.1, cn.2, &|c| {
        c.set_hostname_checks_common_name(false);
    })
    .unwrap_err();
    assert_eq!(verify_error(&e).0, 62, "X509_V_ERR_HOSTNAME_MISMATCH");
    let e = run(cn.0, cn.1, cn.2, &|c| {
        c.set_hostname_flags(HostnameFlags::NEVER_CHECK_SUBJECT);
    })
    .unwrap_err();
    assert_eq!(verify_error(&e).0, 62);

    let w = ("wildcard-chain.pem", "wildcard.key", "www.sslsocket.test");
    run(w.0, w.1, w.2, &|_| {}).unwrap();
    let e = run(w.0, w.1, w.2, &|c| {
        c.set_hostname_flags(HostnameFlags::NO_PARTIAL_WILDCARDS);
    })
    .unwrap_err();
    assert_eq!(verify_error(&e).0, 62);
}

// 4. Key log.

/// A fresh path in the temporary directory, removed first if it exists.
fn temp_path(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("sslsocket-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// Lines in the NSS key log format: `LABEL <client random, 64 hex> <secret hex>`.
fn keylog_labels(lines: &[String]) -> Vec<String> {
    let mut labels: Vec<String> = lines
        .iter()
        .map(|l| {
            assert!(!l.ends_with('\n'), "{l:?}");
            let parts: Vec<&str> = l.split(' ').collect();
            assert_eq!(parts.len(), 3, "{l:?}");
            assert_eq!(parts[1].len(), 64, "client random: {l:?}");
            assert!(
                parts[1..]
                    .iter()
                    .all(|p| p.chars().all(|c| c.is_ascii_hexdigit())),
                "{l:?}"
            );
            parts[0].to_string()
        })
        .collect();
    labels.sort();
    labels
}

fn file_lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The client's callback and the server's file see the same secrets of one
/// connection: the five TLS 1.3 ones, `CLIENT_RANDOM` on TLS 1.2. The file
/// is appended to.
#[test]
fn keylog_callback_and_file_agree() {
    use sslsocket::TlsVersion;
    use std::sync::Mutex;
    let file = temp_path("keylog-agree.txt");
    std::fs::write(&file, "# kept\n").unwrap();
    let cases: [(TlsVersion, &[&str]); 2] = [
        (
            TlsVersion::Tls1_3,
            &[
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0",
                "EXPORTER_SECRET",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "SERVER_TRAFFIC_SECRET_0",
            ],
        ),
        (TlsVersion::Tls1_2, &["CLIENT_RANDOM"]),
    ];
    let mut all = Vec::new();
    for (version, labels) in cases {
        let mut b = common::default_server();
        b.set_version(version).set_keylog_file(&file);
        let server = exchange_server(&build(&b));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let mut c = client_builder();
        c.set_keylog_callback(move |l| sink.lock().unwrap().push(l.to_owned()));
        let mut s = SslSocket::connect(&build(&c), &server.localhost()).unwrap();
        client_exchange(&mut s).unwrap();
        expect_exchanged(server.join());
        let client_lines = lines.lock().unwrap().clone();
        assert_eq!(keylog_labels(&client_lines), labels, "{version:?}");
        all.extend(client_lines);
    }
    let mut written = file_lines(&file);
    let mut all_sorted = all.clone();
    written.sort();
    all_sorted.sort();
    assert_eq!(written, all_sorted, "the server logged what the client did");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .starts_with("# kept\n"));
    let _ = std::fs::remove_file(&file);
}

/// Our server's key log equals `openssl s_client -keylogfile`'s.
#[test]
fn keylog_matches_s_client_keylogfile() {
    let ours = temp_path("keylog-ours.txt");
    let theirs = temp_path("keylog-theirs.txt");
    let mut b = common::default_server();
    b.set_keylog_file(&ours);
    let theirs_arg = theirs.display().to_string();
    let out = s_client_against(&b, &["-keylogfile", &theirs_arg]);
    assert_eq!(out.verify_return_code(), Some(0), "{}", out.dump());
    let (mut a, mut b) = (file_lines(&ours), file_lines(&theirs));
    a.sort();
    b.sort();
    assert_eq!(a.len(), 5);
    assert_eq!(a, b);
    let _ = (std::fs::remove_file(&ours), std::fs::remove_file(&theirs));
}

/// A key log file that cannot be opened fails build(); a panicking key
/// log callback fails the handshake.
#[test]
fn keylog_errors() {
    let mut c = client_builder();
    c.set_keylog_file("/nonexistent-dir/keylog.txt");
    assert!(
        matches!(
            c.build().unwrap_err(),
            Error::File {
                what: "key log",
                ..
            }
        ),
        "unwritable key log"
    );
    let server = exchange_server(&build(&common::default_server()));
    let mut c = client_builder();
    c.set_keylog_callback(|_| panic!("key log full"));
    match SslSocket::connect(&build(&c), &server.localhost()) {
        Err(Error::CallbackPanicked { callback, message }) => {
            assert_eq!((callback, message.as_str()), ("key log", "key log full"))
        }
        other => panic!("{other:?}"),
    }
}

/// The `s_client` and `s_server` examples append to `SSLKEYLOGFILE`.
#[test]
fn examples_honour_sslkeylogfile() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let log = temp_path("keylog-examples.txt");
    let server = SServer::localhost(&["-naccept", "1"]);
    let out = Command::new(example("s_client"))
        .args(["--connect", &server.addr(), "--servername", "localhost"])
        .args(["--ca-file", &path("ca.pem")])
        .env("SSLKEYLOGFILE", &log)
        .stdin(Stdio::null())
        .output()
        .expect("the s_client example");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"ok\":true"),
        "{out:?}"
    );
    drop(server);
    assert_eq!(
        keylog_labels(&file_lines(&log)).len(),
        5,
        "s_client example"
    );

    let mut child = Command::new(example("s_server"))
        .args(["--accept", "127.0.0.1:0", "--once"])
        .args([
            "--cert",
            &path("server-chain.pem"),
            "--key",
            &path("server.key"),
        ])
        .env("SSLKEYLOGFILE", &log)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the s_server example");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let listening = lines.next().unwrap().unwrap();
    let port: u16 = listening
        .rsplit_once(':')
        .and_then(|(_, p)| p.trim_end_matches(['"', '}']).parse().ok())
        .unwrap_or_else(|| panic!("{listening}"));
    let ca = path("ca.pem");
    // `Q` makes s_client close; the example then exits (`--once`).
    let out = SClient::start(port, &["-CAfile", &ca], b"Q\n").finish();
    assert!(out.success(), "{}", out.dump());
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.verify_return_code(), Some(0), "{}", out.dump());
    assert_eq!(keylog_labels(&file_lines(&log)).len(), 10, "and s_server's");
    let _ = std::fs::remove_file(&log);
}

// 5. Exporters and channel binding.

/// What one end computes from its connection.
#[derive(Debug, PartialEq)]
struct Exported {
    no_context: Vec<u8>,
    empty_context: Vec<u8>,
    context: Vec<u8>,
    other_label: Vec<u8>,
    exporter: Vec<u8>,
    unique: Result<Vec<u8>, String>,
    end_point: Vec<u8>,
}

fn exported(s: &SslSocket) -> Exported {
    use sslsocket::ChannelBinding;
    let ekm =
        |label: &str, context: Option<&[u8]>| s.export_keying_material(label, context, 40).unwrap();
    Exported {
        no_context: ekm("EXPERIMENTAL-sslsocket", None),
        empty_context: ekm("EXPERIMENTAL-sslsocket", Some(b"")),
        context: ekm("EXPERIMENTAL-sslsocket", Some(b"context")),
        other_label: ekm("EXPERIMENTAL-other", None),
        exporter: s.channel_binding(ChannelBinding::TlsExporter).unwrap(),
        unique: s
            .channel_binding(ChannelBinding::TlsUnique)
            .map_err(|e| e.to_string()),
        end_point: s
            .channel_binding(ChannelBinding::TlsServerEndPoint)
            .unwrap(),
    }
}

/// Both ends agree on every exported value and binding, on TLS 1.3 and
/// 1.2; `tls-unique` is refused on TLS 1.3, saying why; the end point is
/// the SHA-256 of the server's certificate.
#[test]
fn exporters_and_channel_bindings_agree() {
    use sslsocket::TlsVersion;
    let leaf = sslsocket::openssl::x509::X509::from_pem(&cert_bytes("server.pem")).unwrap();
    let sha256 = leaf
        .digest(sslsocket::openssl::hash::MessageDigest::sha256())
        .unwrap()
        .to_vec();
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let mut b = common::default_server();
        b.set_version(version);
        let server = common::Server::start(&build(&b), |s| exported(s));
        let s = SslSocket::connect(&build(&client_builder()), &server.localhost()).unwrap();
        let ours = exported(&s);
        let (_, theirs) = server.join().unwrap();
        assert_eq!(ours, theirs, "{version:?}");
        assert_eq!(ours.no_context.len(), 40);
        assert_ne!(ours.no_context, ours.context);
        assert_ne!(ours.no_context, ours.other_label);
        assert_eq!(ours.exporter.len(), 32);
        assert_eq!(ours.end_point, sha256);
        match version {
            TlsVersion::Tls1_3 => {
                // RFC 8446 §7.5: no context is the empty context.
                assert_eq!(ours.no_context, ours.empty_context);
                let why = ours.unique.unwrap_err();
                assert!(why.contains("TLS 1.3 has no tls-unique"), "{why}");
            }
            _ => {
                // RFC 5705: they differ.
                assert_ne!(ours.no_context, ours.empty_context);
                assert_eq!(ours.unique.unwrap().len(), 12, "a TLS 1.2 Finished");
            }
        }
    }
}

/// A resumed TLS 1.2 handshake: `tls-unique` is then the server's
/// Finished, and both ends still agree, with a new value.
#[test]
fn tls_unique_after_resumption() {
    use sslsocket::{ChannelBinding, SslListener, TlsVersion};
    let mut b = common::default_server();
    b.set_version(TlsVersion::Tls1_2);
    let listener = SslListener::bind("127.0.0.1:0", &build(&b)).unwrap();
    let addr = format!("localhost:{}", listener.local_addr().unwrap().port());
    let server = std::thread::spawn(move || {
        (0..2)
            .map(|_| {
                let (mut s, _) = listener.accept().unwrap();
                let unique = s.channel_binding(ChannelBinding::TlsUnique).unwrap();
                s.send_all(b"x").unwrap();
                (s.session_reused(), unique)
            })
            .collect::<Vec<_>>()
    });
    let config = build(&client_builder());
    let mut ours = Vec::new();
    for _ in 0..2 {
        let mut s = SslSocket::connect(&config, &addr).unwrap();
        common::recv_exact(&mut s, 1).unwrap();
        ours.push((
            s.session_reused(),
            s.channel_binding(ChannelBinding::TlsUnique).unwrap(),
        ));
    }
    let theirs = server.join().unwrap();
    assert_eq!(ours, theirs);
    assert_eq!((ours[0].0, ours[1].0), (false, true));
    assert_ne!(ours[0].1, ours[1].1);
}

/// The exporter is what `openssl s_client -keymatexport` prints, with our
/// server; and what `openssl s_server -keymatexport` prints, with our client.
#[test]
fn exporter_matches_the_openssl_programs() {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    let label = "EXPERIMENTAL-sslsocket";
    let server = common::Server::start(&build(&common::default_server()), move |s| {
        let _ = s.send_all(b"hello\n");
        s.export_keying_material(label, None, 20).unwrap()
    });
    let ca = path("ca.pem");
    let args = [
        "-CAfile",
        &ca,
        "-keymatexport",
        label,
        "-keymatexportlen",
        "20",
    ];
    let out = SClient::start(server.port(), &args, b"Q\n").finish();
    let (_, ours) = server.join().unwrap();
    let line = format!("Keying material: {}", hex(&ours));
    assert!(out.mentions(&line), "{line}\n{}", out.dump());

    let server = SServer::localhost(&[
        "-naccept",
        "1",
        "-keymatexport",
        label,
        "-keymatexportlen",
        "20",
    ]);
    let s = SslSocket::connect(&build(&client_builder()), &server.addr()).unwrap();
    let ours = s.export_keying_material(label, None, 20).unwrap();
    s.close().unwrap();
    let out = server.finish();
    let line = format!("Keying material: {}", hex(&ours));
    assert!(out.mentions(&line), "{line}\n{}", out.dump());
}

/// Before the handshake, and for more than 65535 bytes: unavailable, why.
#[test]
fn exporter_refusals() {
    use sslsocket::ChannelBinding;
    let server = exchange_server(&build(&common::default_server()));
    let tcp = std::net::TcpStream::connect(server.addr()).unwrap();
    let mut s = SslSocket::new_client(&build(&client_builder()), tcp, Some("localhost")).unwrap();
    let e = s
        .export_keying_material("EXPERIMENTAL-x", None, 16)
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Unavailable {
                reason: "the handshake is not complete",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(s.channel_binding(ChannelBinding::TlsExporter).is_err());
    client_exchange(&mut s).unwrap();
    let e = s
        .export_keying_material("EXPERIMENTAL-x", None, 70_000)
        .unwrap_err();
    assert!(e.to_string().contains("at most 65535 bytes"), "{e}");
    // TLS 1.3's HKDF-Expand gives at most 255 hash lengths (SHA-384 here):
    // OpenSSL refuses beyond, and its error is kept.
    assert_eq!(s.cipher_name(), Some("TLS_AES_256_GCM_SHA384"));
    assert_eq!(
        s.export_keying_material("EXPERIMENTAL-x", None, 255 * 48)
            .unwrap()
            .len(),
        12_240
    );
    match s
        .export_keying_material("EXPERIMENTAL-x", None, 255 * 48 + 1)
        .unwrap_err()
    {
        Error::Unavailable {
            source: Some(stack),
            ..
        } => assert!(!stack.errors().is_empty()),
        e => panic!("{e:?}"),
    }
    expect_exchanged(server.join());
}

// 6. Sessions to keep.

/// Our server for `n` connections: each sends `hello`, then closes; gives
/// back whether each resumed a session.
fn session_server(
    n: usize,
    version: sslsocket::TlsVersion,
) -> (u16, std::thread::JoinHandle<Vec<bool>>) {
    let mut b = common::default_server();
    b.set_version(version);
    let listener = sslsocket::SslListener::bind("127.0.0.1:0", &build(&b)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        (0..n)
            .map(|_| {
                let (mut s, _) = listener.accept().unwrap();
                let _ = s.send_all(b"hello\n");
                let _ = s.shutdown();
                s.session_reused()
            })
            .collect()
    });
    (port, h)
}

/// A client that keeps no sessions of its own, resuming `session` at
/// 127.0.0.1:`port`: whether it resumed.
fn resume_with(port: u16, session: &sslsocket::Session, request: &[u8]) -> bool {
    let mut c = client_builder();
    c.set_session_cache(false);
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut s = SslSocket::new_client(&build(&c), tcp, Some("localhost")).unwrap();
    s.set_session(session).unwrap();
    s.handshake().unwrap();
    s.send_all(request).unwrap();
    // The answer, or the close; either way the handshake is over.
    let _ = common::recv_exact(&mut s, 5);
    s.session_reused()
}

/// A session taken after the handshake (TLS 1.3: after the first read,
/// which brings the ticket), through DER and PEM and back, resumes with a
/// client of another configuration.
#[test]
fn sessions_round_trip_through_der_and_pem() {
    use sslsocket::{Session, TlsVersion};
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let (port, server) = session_server(3, version);
        let mut s =
            SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}")).unwrap();
        if version == TlsVersion::Tls1_3 {
            assert!(s.session().is_none(), "no ticket yet");
        }
        assert_eq!(common::recv_exact(&mut s, 6).unwrap(), b"hello\n");
        let session = s.session().expect("a resumable session");
        assert_eq!(session.version(), s.version());
        let der = session.to_der().unwrap();
        let pem = session.to_pem().unwrap();
        assert!(pem.starts_with(b"-----BEGIN SSL SESSION PARAMETERS-----\n"));
        assert!(pem.ends_with(b"-----END SSL SESSION PARAMETERS-----\n"));
        assert_eq!(Session::from_der(&der).unwrap().to_der().unwrap(), der);
        assert_eq!(Session::from_pem(&pem).unwrap().to_der().unwrap(), der);
        assert_eq!(Session::from_pem(&pem).unwrap().to_pem().unwrap(), pem);
        drop(s);
        assert!(
            resume_with(port, &Session::from_der(&der).unwrap(), b""),
            "{version:?} DER"
        );
        assert!(
            resume_with(port, &Session::from_pem(&pem).unwrap(), b""),
            "{version:?} PEM"
        );
        assert_eq!(server.join().unwrap(), [false, true, true], "{version:?}");
    }
}

/// The port an `openssl s_server` listens on.
fn s_server_port(server: &SServer) -> u16 {
    let addr = server.addr();
    addr.rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or_else(|| panic!("{addr}"))
}

/// A session `openssl s_client -sess_out` saved resumes with our client
/// against `openssl s_server`; our PEM of it is the file byte for byte.
#[test]
fn s_client_sess_out_resumes_with_our_client() {
    let file = temp_path("sess-out.pem");
    let file_arg = file.display().to_string();
    let server = SServer::localhost(&["-naccept", "2", "-www"]);
    let port = s_server_port(&server);
    let ca = path("ca.pem");
    let get = b"GET / HTTP/1.0\r\n\r\n";
    let out = SClient::start(port, &["-CAfile", &ca, "-sess_out", &file_arg], get).finish();
    assert!(out.mentions("New, TLSv1.3"), "{}", out.dump());
    let saved = std::fs::read(&file).unwrap();
    let session = sslsocket::Session::from_pem(&saved).unwrap();
    assert_eq!(session.to_pem().unwrap(), saved);
    assert!(resume_with(port, &session, get));
    let _ = std::fs::remove_file(&file);
}

/// A session our client saved resumes with `openssl s_client -sess_in`
/// against our server.
#[test]
fn our_session_resumes_with_s_client_sess_in() {
    let file = temp_path("sess-in.pem");
    let file_arg = file.display().to_string();
    let (port, server) = session_server(2, sslsocket::TlsVersion::Tls1_3);
    let mut s =
        SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}")).unwrap();
    common::recv_exact(&mut s, 6).unwrap();
    std::fs::write(&file, s.session().unwrap().to_pem().unwrap()).unwrap();
    drop(s);
    let ca = path("ca.pem");
    let out = SClient::start(port, &["-CAfile", &ca, "-sess_in", &file_arg], b"").finish();
    assert!(out.mentions("Reused, TLSv1.3"), "{}", out.dump());
    assert_eq!(server.join().unwrap(), [false, true]);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn session_errors() {
    use sslsocket::Session;
    for bad in [&b"not a session"[..], b""] {
        assert!(matches!(Session::from_der(bad), Err(Error::Load { .. })));
    }
    let e = Session::from_pem(b"-----BEGIN CERTIFICATE-----\n").unwrap_err();
    assert!(
        e.to_string().contains("no SSL SESSION PARAMETERS block"),
        "{e}"
    );
    let bad_b64 =
        b"-----BEGIN SSL SESSION PARAMETERS-----\n@@@@\n-----END SSL SESSION PARAMETERS-----\n";
    assert!(matches!(
        Session::from_pem(bad_b64),
        Err(Error::Load { .. })
    ));

    let (port, server) = session_server(2, sslsocket::TlsVersion::Tls1_2);
    let mut s =
        SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}")).unwrap();
    let session = s.session().unwrap();
    let e = s.set_session(&session).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidState {
                call: "set_session",
                ..
            }
        ),
        "{e:?}"
    );
    common::recv_exact(&mut s, 6).unwrap();
    drop(s);
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut srv = SslSocket::new_server(&build(&common::default_server()), tcp).unwrap();
    let e = srv.set_session(&session).unwrap_err();
    assert!(matches!(e, Error::InvalidState { .. }), "{e:?}");
    drop(srv);
    drop(server);
}

// 7. OCSP stapling.

/// `openssl s_client -status` against our server: the staple is printed
/// when we have one, "no response sent" otherwise; without `-status` the
/// client asked for nothing and got nothing.
#[test]
fn s_client_status_prints_our_staple() {
    let staple = cert_bytes("server-ocsp.der");
    for version in ["-tls1_3", "-tls1_2"] {
        let mut b = common::default_server();
        b.set_ocsp_response(&staple);
        let out = s_client_against(&b, &["-status", version]);
        assert!(
            out.mentions("OCSP Response Status: successful") && out.mentions("Cert Status: good"),
            "{version}: {}",
            out.dump()
        );
        let asked_nothing = common::Server::start(&build(&b), |s| s.ocsp_response().is_some());
        let ca = path("ca.pem");
        let out = SClient::start(asked_nothing.port(), &["-CAfile", &ca, version], b"Q\n").finish();
        assert!(!out.mentions("OCSP response"), "{}", out.dump());
        assert!(!asked_nothing.join().unwrap().1, "nothing stapled unasked");
    }
    let out = s_client_against(&common::default_server(), &["-status"]);
    assert!(
        out.mentions("OCSP response: no response sent"),
        "{}",
        out.dump()
    );
}

/// Our client against `openssl s_server -status_file`: the staple arrives
/// when asked for, not otherwise.
#[test]
fn our_client_receives_s_servers_staple() {
    let staple = cert_bytes("server-ocsp.der");
    let file = path("server-ocsp.der");
    for version in ["-tls1_3", "-tls1_2"] {
        let server = SServer::localhost(&["-naccept", "2", "-status_file", &file, version]);
        let mut c = client_builder();
        c.set_ocsp_stapling(true);
        let s = SslSocket::connect(&build(&c), &server.addr()).unwrap();
        assert_eq!(s.ocsp_response(), Some(&staple[..]), "{version}");
        drop(s);
        let s = SslSocket::connect(&build(&client_builder()), &server.addr()).unwrap();
        assert_eq!(s.ocsp_response(), None, "{version}: not asked");
    }
}

/// Our own ends: a callback picks the staple per connection (by SNI); the
/// client's hook sees it (or its absence) and can refuse the handshake.
#[test]
fn ocsp_callbacks_between_our_ends() {
    use std::sync::Mutex;
    let staple = cert_bytes("server-ocsp.der");
    let picked = staple.clone();
    let mut b = common::default_server();
    b.set_ocsp_response(b"a static response the callback overrides")
        .set_ocsp_response_callback(move |ssl| {
            (ssl.servername(sslsocket::openssl::ssl::NameType::HOST_NAME) == Some("localhost"))
                .then(|| picked.clone())
        });
    let config = build(&b);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let mut c = client_builder();
    c.set_ocsp_stapling(true)
        .set_ocsp_verify_callback(move |staple, _| {
            log.lock().unwrap().push(staple.map(<[u8]>::to_vec));
            true
        });
    let client = build(&c);
    // By IP address no SNI is sent, so the callback staples nothing.
    for name in ["localhost", "127.0.0.1"] {
        let server = exchange_server(&config);
        let tcp = std::net::TcpStream::connect(server.addr()).unwrap();
        let mut s = SslSocket::upgrade_client(&client, tcp, Some(name)).unwrap();
        client_exchange(&mut s).unwrap();
        expect_exchanged(server.join());
        assert_eq!(s.ocsp_response().is_some(), name == "localhost");
    }
    assert_eq!(*seen.lock().unwrap(), [Some(staple), None]);

    // A hook that refuses: the handshake fails, the server hears why.
    let server = common::Server::start(&config, |_| ());
    let mut c = client_builder();
    c.set_ocsp_stapling(true)
        .set_ocsp_verify_callback(|_, _| false);
    let e = SslSocket::connect(&build(&c), &server.localhost()).unwrap_err();
    assert!(e.to_string().contains("invalid status response"), "{e}");
    let e = server.join().unwrap_err();
    assert_eq!(
        e.alert().map(|a| a.name()),
        Some("bad_certificate_status_response"),
        "{e:?}"
    );
}

/// A panic in the server's staple callback fails that handshake.
#[test]
fn a_panicking_staple_callback_fails_the_handshake() {
    let mut b = common::default_server();
    b.set_ocsp_response_callback(|_| panic!("no staple"));
    let server = common::Server::start(&build(&b), |_| ());
    let mut c = client_builder();
    c.set_ocsp_stapling(true);
    let _ = SslSocket::connect(&build(&c), &server.localhost());
    match server.join() {
        Err(Error::CallbackPanicked { callback, message }) => {
            assert_eq!((callback, message.as_str()), ("OCSP response", "no staple"))
        }
        other => panic!("{other:?}"),
    }
}

// 8. Options and protocol knobs.

/// The value after `label` on the first line of `out` that has it.
fn s_client_field(out: &openssl_cli::Output, label: &str) -> Option<String> {
    out.stdout
        .lines()
        .chain(out.stderr.lines())
        .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
}

/// Options pass through: the builder's, the context's and the socket's
/// agree, the crate's defaults show, and setting or clearing one is seen
/// on the wire (`NO_TICKET` on TLS 1.2: `s_client` gets no ticket).
/// `set_num_tickets`: TLS 1.3 tickets, counted by `s_client`.
#[test]
fn options_pass_through_and_read_back() {
    use sslsocket::{SslOptions, TlsVersion};
    let mut b = common::default_server();
    assert!(b.options().contains(SslOptions::NO_RENEGOTIATION));
    b.set_options(SslOptions::NO_TICKET);
    let config = build(&b);
    assert_eq!(config.options(), b.options());
    assert!(config.options().contains(SslOptions::NO_TICKET));
    let server = common::Server::start(&config, |s| s.options());
    let _ = SslSocket::connect(&build(&client_builder()), &server.localhost()).unwrap();
    assert_eq!(server.join().unwrap().1, config.options());

    let ticket = |b: &SslConfigBuilder| {
        let out = s_client_against(b, &["-tls1_2"]);
        out.mentions("TLS session ticket:")
    };
    assert!(!ticket(&b));
    b.clear_options(SslOptions::NO_TICKET);
    assert!(!b.options().contains(SslOptions::NO_TICKET));
    assert!(ticket(&b));

    let tickets = |b: &SslConfigBuilder| {
        let out = s_client_against(b, &["-tls1_3"]);
        out.stdout
            .matches("Post-Handshake New Session Ticket arrived")
            .count()
    };
    let mut b = common::default_server();
    b.set_version(TlsVersion::Tls1_3);
    assert_eq!(tickets(&b), 2, "OpenSSL's default");
    b.set_num_tickets(1);
    assert_eq!(tickets(&b), 1);
    b.set_num_tickets(0);
    assert_eq!(tickets(&b), 0);
}

/// `SSL_OP_NO_EXTENDED_MASTER_SECRET` (bit 0 on OpenSSL 3) on a TLS 1.2
/// server: `s_client` sees no EMS, and `tls-unique` and `tls-exporter` are
/// refused on both ends, saying why.
#[test]
fn without_extended_master_secret_tls_unique_is_refused() {
    use sslsocket::{ChannelBinding, SslOptions, TlsVersion};
    let mut b = common::default_server();
    b.set_version(TlsVersion::Tls1_2)
        .set_options(SslOptions::from_bits_retain(1));
    let out = s_client_against(&b, &["-tls1_2"]);
    assert_eq!(
        s_client_field(&out, "Extended master secret:").as_deref(),
        Some("no"),
        "{}",
        out.dump()
    );
    let bindings = |s: &SslSocket| {
        [ChannelBinding::TlsUnique, ChannelBinding::TlsExporter]
            .map(|c| s.channel_binding(c).map_err(|e| e.to_string()))
    };
    let server = common::Server::start(&build(&b), move |s| bindings(s));
    let s = SslSocket::connect(&build(&client_builder()), &server.localhost()).unwrap();
    let ours = bindings(&s);
    let (_, theirs) = server.join().unwrap();
    assert_eq!(ours, theirs);
    for r in ours {
        let why = r.unwrap_err();
        assert!(why.contains("Extended Master Secret"), "{why}");
    }
    assert!(s.channel_binding(ChannelBinding::TlsServerEndPoint).is_ok());
}

/// The server's cipher order wins only when asked to; `shared_ciphers`
/// lists what the client offered in its order.
#[test]
fn server_cipher_preference() {
    let (aes128, aes256) = (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
    );
    let client_order = format!("{aes128}:{aes256}");
    for (prefer, expected) in [(false, aes128), (true, aes256)] {
        let mut b = common::default_server();
        b.set_cipher_list(&format!("{aes256}:{aes128}"))
            .set_server_cipher_preference(prefer);
        let out = s_client_against(&b, &["-tls1_2", "-cipher", &client_order]);
        let line = format!("New, TLSv1.2, Cipher is {expected}");
        assert!(out.mentions(&line), "{prefer}: {}", out.dump());
    }
    let mut b = common::default_server();
    b.set_cipher_list(&format!("{aes256}:{aes128}"));
    let server = common::Server::start(&build(&b), |s| s.shared_ciphers());
    let mut c = client_builder();
    c.set_cipher_list(&client_order)
        .set_max_version(Some(sslsocket::TlsVersion::Tls1_2));
    let s = SslSocket::connect(&build(&c), &server.localhost()).unwrap();
    assert!(
        s.shared_ciphers().is_empty(),
        "a client knows no shared list"
    );
    assert_eq!(server.join().unwrap().1, [aes128, aes256]);
}

/// Groups: what `s_client` prints as "Server Temp Key" is what our
/// `peer_tmp_key` says, for our server's and `s_server`'s groups, and our
/// client's.
#[test]
fn groups_and_the_peer_temp_key() {
    // Our server's groups, as s_client sees them.
    for (groups, expected) in [
        (None, "X25519, 253 bits"),
        (Some("P-256"), "ECDH, prime256v1, 256 bits"),
        (Some("P-384"), "ECDH, secp384r1, 384 bits"),
    ] {
        let mut b = common::default_server();
        if let Some(g) = groups {
            b.set_groups(g);
        }
        let out = s_client_against(&b, &[]);
        assert_eq!(
            s_client_field(&out, "Server Temp Key:").as_deref(),
            Some(expected),
            "{}",
            out.dump()
        );
        let server = exchange_server(&build(&b));
        let mut s = SslSocket::connect(&build(&client_builder()), &server.localhost()).unwrap();
        assert_eq!(
            s.peer_tmp_key().map(|k| k.to_string()).as_deref(),
            Some(expected)
        );
        client_exchange(&mut s).unwrap();
        expect_exchanged(server.join());
    }
    // s_server's groups and ours as a client.
    // No key share the server takes: it asks again (HelloRetryRequest) for
    // its own first choice; one it takes: that one.
    for (ours, theirs, expected) in [
        (None, "X448:P-256", "X448, 448 bits"),
        (
            Some("P-256:X448"),
            "X448:P-256",
            "ECDH, prime256v1, 256 bits",
        ),
    ] {
        let server = SServer::localhost(&["-naccept", "1", "-groups", theirs]);
        let mut c = client_builder();
        if let Some(g) = ours {
            c.set_groups(g);
        }
        let s = SslSocket::connect(&build(&c), &server.addr()).unwrap();
        let key = s.peer_tmp_key().unwrap();
        assert_eq!(key.to_string(), expected);
    }
    let mut b = common::default_server();
    b.set_groups("P-256:no-such-group");
    let e = config_error(b.build().unwrap_err());
    assert!(matches!(e, ConfigError::Groups { .. }), "{e:?}");
}

/// Signature algorithms: a TLS 1.2 server restricted to ECDSA+SHA384
/// signs with SHA-384, as `s_client` reports.
#[test]
fn sigalgs_choose_the_servers_signature() {
    for (sigalgs, digest) in [(None, "SHA256"), (Some("ECDSA+SHA384"), "SHA384")] {
        let mut b = common::default_server();
        if let Some(s) = sigalgs {
            b.set_sigalgs(s);
        }
        let out = s_client_against(&b, &["-tls1_2"]);
        assert_eq!(
            s_client_field(&out, "Peer signing digest:").as_deref(),
            Some(digest),
            "{}",
            out.dump()
        );
    }
    let mut b = common::default_server();
    b.set_sigalgs("ECDSA+NOHASH");
    let e = config_error(b.build().unwrap_err());
    assert!(matches!(e, ConfigError::Sigalgs { .. }), "{e:?}");
}

/// A client that closes TCP without close_notify: an error by default, a
/// clean end with `set_allow_unexpected_eof(true)`.
#[test]
fn unexpected_eof_allowed_or_not() {
    for allow in [false, true] {
        let mut b = common::default_server();
        b.set_allow_unexpected_eof(allow);
        let server = common::Server::start(&build(&b), |s| {
            let mut buf = [0u8; 16];
            let _ = s.send_all(b"hello\n");
            (
                s.recv(&mut buf).map_err(|e| e.to_string()),
                s.received_close_notify(),
            )
        });
        let mut s = SslSocket::connect(&build(&client_builder()), &server.localhost()).unwrap();
        // Read what the server sent (tickets, hello) so the close is a FIN.
        assert_eq!(common::recv_exact(&mut s, 6).unwrap(), b"hello\n");
        s.get_ref().shutdown(std::net::Shutdown::Both).unwrap();
        let (_, (read, clean)) = server.join().unwrap();
        if allow {
            assert_eq!(read, Ok(0));
        } else {
            let e = read.unwrap_err();
            assert!(e.contains("without sending close_notify"), "{e}");
        }
        // As OpenSSL has it: with the option, the end counts as close_notify.
        assert_eq!(clean, allow);
        drop(s);
    }
}

/// `set_renegotiation(true)` on a server lets `s_client`'s `R` through,
/// reported as a renegotiation; `false` on a client refuses `s_server`'s
/// HelloRequest (`r`), and s_server fails the connection.
#[test]
fn renegotiation_allowed_by_a_server_refused_by_a_client() {
    use sslsocket::{HandshakeEvent, TlsVersion};
    use std::sync::Mutex;
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = events.clone();
    let mut b = common::default_server();
    b.set_version(TlsVersion::Tls1_2)
        .set_renegotiation(true)
        .set_read_timeout(Some(std::time::Duration::from_secs(1)))
        .set_handshake_callback(move |e, _| log.lock().unwrap().push(*e));
    let server = common::Server::start(&build(&b), |s| {
        let mut buf = [0u8; 16];
        // s_client's renegotiation runs inside this read, which then
        // times out: nothing else comes.
        let read = s.recv(&mut buf);
        let _ = s.send_all(b"still here\n");
        let _ = s.shutdown();
        read.map_err(|e| e.is_timeout())
    });
    let ca = path("ca.pem");
    let out = SClient::start(server.port(), &["-tls1_2", "-CAfile", &ca], b"R\n").finish();
    let (_, read) = server.join().unwrap();
    assert_eq!(read, Err(true), "the read timed out");
    assert!(
        out.mentions("RENEGOTIATING") && out.mentions("still here"),
        "{}",
        out.dump()
    );
    assert!(!out.mentions("no renegotiation"), "{}", out.dump());
    let got = events.lock().unwrap().clone();
    assert!(
        got.contains(&HandshakeEvent::Started {
            renegotiation: true
        }) && got.iter().any(|e| matches!(
            e,
            HandshakeEvent::Completed {
                renegotiation: true,
                ..
            }
        )),
        "{got:?}"
    );

    for allow in [true, false] {
        let events = Arc::new(Mutex::new(Vec::new()));
        let log = events.clone();
        let mut server = SServer::localhost(&["-naccept", "1", "-tls1_2"]);
        let mut c = client_builder();
        c.set_renegotiation(allow)
            .set_handshake_callback(move |e, _| log.lock().unwrap().push(*e));
        let mut s = SslSocket::connect(&build(&c), &server.addr()).unwrap();
        server.type_line("r");
        server.type_line("hello");
        // The HelloRequest comes before `hello`: answered, or refused
        // with a no_renegotiation warning, inside this read.
        assert_eq!(common::recv_exact(&mut s, 6).unwrap(), b"hello\n");
        s.send_all(b"ping\n").unwrap();
        let _ = s.close();
        let out = server.finish();
        let events = events.lock().unwrap().clone();
        let renegotiated = events.iter().any(|e| {
            matches!(
                e,
                HandshakeEvent::Completed {
                    renegotiation: true,
                    ..
                }
            )
        });
        assert_eq!(renegotiated, allow, "{events:?}");
        assert_eq!(
            events.contains(&HandshakeEvent::RenegotiationRefused),
            !allow,
            "{events:?}"
        );
        // s_server fails the connection when it reads the refusal.
        assert_eq!(out.mentions("no renegotiation"), !allow, "{}", out.dump());
        assert_eq!(out.mentions("ping"), allow, "{}", out.dump());
    }
}

/// Python's `get_ca_certs` and `cert_store_stats`: CA certificates only,
/// and counts of certificates, CAs and CRLs.
#[test]
fn ca_certificates_and_store_stats() {
    let mut c = client_builder();
    c.add_ca_pem(&cert_bytes("intermediate.pem"))
        .add_ca_pem(&cert_bytes("client.pem"))
        .set_crl_file(cert("ca.crl"));
    let config = build(&c);
    let mut names: Vec<String> = config
        .ca_certificates()
        .iter()
        .map(|c| sslsocket::name_to_string(c.subject_name()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "CN=sslsocket Test Intermediate CA",
            "CN=sslsocket Test Root CA"
        ]
    );
    let stats = config.cert_store_stats();
    assert_eq!((stats.x509, stats.x509_ca, stats.crl), (3, 2, 1));
    let server = exchange_server(&build(&common::default_server()));
    let mut s = SslSocket::connect(&config, &server.localhost()).unwrap();
    assert_eq!(s.cert_store_stats(), stats);
    assert_eq!(s.ca_certificates().len(), 2);
    client_exchange(&mut s).unwrap();
    expect_exchanged(server.join());
}
