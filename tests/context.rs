//! What a configuration's context enables and has counted, and the
//! configuration a socket keeps: `SslConfig::ciphers()` against
//! `openssl ciphers -s` with the same lists, `SslConfig::session_stats()`
//! over real handshakes (full, resumed, renegotiated), and `config()` on
//! the socket faces.

mod common;

use common::openssl_cli;
use std::io::{Read, Write};
use std::process::Command;

use common::{answer, build, client_builder, default_server, Server, VERSIONS};
use openssl_cli::openssl_program;
use sslsocket::{
    SessionStats, SslConfig, SslConfigBuilder, SslSocket, TlsVersion, DEFAULT_CLIENT_CIPHER_LIST,
};

/// What `openssl ciphers -s ARGS` prints, split at its colons.
fn openssl_ciphers(args: &[&str]) -> Vec<String> {
    let out = Command::new(openssl_program())
        .arg("ciphers")
        .arg("-s")
        .args(args)
        .output()
        .expect("openssl ciphers runs");
    assert!(out.status.success(), "openssl ciphers -s {args:?}: {out:?}");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .split(':')
        .map(str::to_owned)
        .collect()
}

/// A configuration's settings, and the same for `openssl ciphers -s`.
type Case = (&'static str, fn(&mut SslConfigBuilder), Vec<&'static str>);

#[test]
fn ciphers_are_what_openssl_ciphers_s_lists_for_the_same_lists() {
    let cases: [Case; 4] = [
        (
            "a cipher list",
            |b| {
                b.set_cipher_list("ECDHE+AESGCM");
            },
            vec!["ECDHE+AESGCM"],
        ),
        (
            "TLS 1.2 only",
            |b| {
                b.set_cipher_list("ECDHE+AESGCM")
                    .set_version(TlsVersion::Tls1_2);
            },
            vec!["-tls1_2", "ECDHE+AESGCM"],
        ),
        (
            "TLS 1.3 suites",
            |b| {
                b.set_cipher_list("ECDHE+CHACHA20")
                    .set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");
            },
            vec![
                "-ciphersuites",
                "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
                "ECDHE+CHACHA20",
            ],
        ),
        (
            "TLS 1.3 only",
            |b| {
                b.set_version(TlsVersion::Tls1_3);
            },
            vec!["-tls1_3"],
        ),
    ];
    for (case, set, args) in cases {
        for mut b in [client_builder(), default_server()] {
            set(&mut b);
            let config = build(&b);
            let expected = openssl_ciphers(&args);
            assert_eq!(config.ciphers(), expected, "{case}, {:?}", config.role());
        }
    }
    // The defaults: a client's own list, a server's OpenSSL's.
    let client = build(&client_builder()).ciphers();
    assert_eq!(client, openssl_ciphers(&[DEFAULT_CLIENT_CIPHER_LIST]));
    assert_eq!(build(&default_server()).ciphers(), openssl_ciphers(&[]));
    // The TLS 1.3 suites lead, in OpenSSL's default order.
    assert_eq!(
        &client[..3],
        [
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_GCM_SHA256"
        ]
    );
}

#[test]
fn the_negotiated_suite_is_one_of_both_ends_ciphers() {
    for version in VERSIONS {
        let mut sb = default_server();
        sb.set_version(version);
        let server = build(&sb);
        let server_ciphers = server.ciphers();
        let srv = Server::start(&server, |s| s.cipher_name().map(str::to_owned));
        let mut cb = client_builder();
        cb.set_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256")
            .set_ciphersuites("TLS_AES_128_GCM_SHA256");
        let client = build(&cb);
        let tls = SslSocket::connect(&client, &srv.localhost()).unwrap();
        let negotiated = tls.cipher_name().unwrap().to_owned();
        drop(tls);
        let (_, seen_by_server) = srv.join().unwrap();
        assert_eq!(seen_by_server.as_deref(), Some(negotiated.as_str()));
        assert!(client.ciphers().contains(&negotiated), "{negotiated}");
        assert!(server_ciphers.contains(&negotiated), "{negotiated}");
        let expected = match version {
            TlsVersion::Tls1_3 => "TLS_AES_128_GCM_SHA256",
            _ => "ECDHE-ECDSA-AES128-GCM-SHA256",
        };
        assert_eq!(negotiated, expected, "{version}");
        assert_eq!(
            client.ciphers(),
            [
                "TLS_AES_128_GCM_SHA256",
                "ECDHE-ECDSA-AES128-GCM-SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256"
            ]
        );
    }
}

/// One request and reply (which also reads a TLS 1.3 ticket).
fn round(config: &SslConfig, addr: &str) -> bool {
    let mut s = SslSocket::connect(config, addr).unwrap();
    s.write_all(b"x").unwrap();
    let mut b = [0u8; 1];
    s.read_exact(&mut b).unwrap();
    let reused = s.session_reused();
    s.close().unwrap();
    reused
}

#[test]
fn session_stats_count_handshakes_and_resumptions() {
    for version in VERSIONS {
        let mut sb = default_server();
        sb.set_version(version);
        let server = build(&sb);
        let client = build(&client_builder());
        assert_eq!(server.session_stats(), SessionStats::default());
        assert_eq!(client.session_stats(), SessionStats::default());
        let srv = Server::start_n(&server, 3, answer);
        let reused: Vec<bool> = (0..3).map(|_| round(&client, &srv.localhost())).collect();
        srv.join_ok();
        assert_eq!(reused, [false, true, true], "{version}");
        let s = server.session_stats();
        eprintln!("{version} server: {s:?}");
        let c = client.session_stats();
        eprintln!("{version} client: {c:?}");
        assert_eq!(
            (s.accept, s.accept_good, s.hits),
            (3, 3, 2),
            "{version}: {s:?}"
        );
        assert_eq!((s.connect, s.connect_good), (0, 0), "{version}: {s:?}");
        assert_eq!(
            (c.connect, c.connect_good, c.hits),
            (3, 3, 2),
            "{version}: {c:?}"
        );
        assert_eq!((c.accept, c.accept_good), (0, 0), "{version}: {c:?}");
    }
}

#[test]
fn a_socket_keeps_the_configuration_it_was_made_from() {
    let server = build(&default_server());
    let srv = Server::start(&server, |s| {
        let mine = s.config().clone();
        answer(s);
        mine
    });
    let client = build(&client_builder());
    let mut tls = SslSocket::connect(&client, &srv.localhost()).unwrap();
    assert!(std::ptr::eq(tls.config().context(), client.context()));
    assert_eq!(tls.config().role(), sslsocket::Role::Client);
    tls.write_all(b"x").unwrap();
    let mut b = [0u8; 1];
    tls.read_exact(&mut b).unwrap();
    drop(tls);
    let (_, seen) = srv.join().unwrap();
    assert!(std::ptr::eq(seen.context(), server.context()));
    assert_eq!(seen.role(), sslsocket::Role::Server);
    // The socket's configuration is the one that counts its handshakes.
    assert_eq!(seen.session_stats().accept_good, 1);
}
