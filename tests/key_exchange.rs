//! A server's finite-field Diffie-Hellman (DHE) key exchange, over real
//! loopback handshakes with `openssl s_client` and `openssl s_server` as
//! the reference: off by default as in an OpenSSL context (a client that
//! offers only DHE suites gets `handshake_failure`, as from `openssl
//! s_server -no_dhe`), on with `set_dh_auto` as in `openssl s_server`, or
//! with the parameters of a PEM file (`load_dh_params`), which `build()`
//! refuses when unreadable, not DH parameters, or too weak.

mod common;

use common::openssl_cli;
use std::io::{Read, Write};
use std::net::TcpStream;

use common::*;
use openssl_cli::{dh_params_file, scratch_dir, Output, SClient, SServer};
use sslsocket::{Error, SslConfigBuilder, TlsVersion};

/// The RSA server (`certs/rsa/`): TLS 1.2 has DHE suites only for RSA
/// (and DSA) keys.
fn rsa_server() -> SslConfigBuilder {
    server_builder("rsa/server-chain.pem", "rsa/server.key")
}

/// `openssl s_server` with the same RSA chain and key, then `args`.
fn openssl_rsa_server(args: &[&str]) -> SServer {
    SServer::localhost_of("rsa/", args)
}

/// What s_client types: `Q` closes the connection once the handshake is done.
const QUIT: &[u8] = b"Q\n";

/// A TLS 1.2 s_client offering only `ciphers` to our server made from
/// `b`: what s_client printed, and the suite our server negotiated or
/// its handshake error.
fn s_client_dhe(b: &SslConfigBuilder, ciphers: &str) -> (Output, Result<String, Error>) {
    let srv = Server::with(bind(&build(b)), Serve::connections(1).lingering(), |s| {
        s.cipher_name().unwrap_or("none").to_owned()
    });
    let out = SClient::start(srv.port(), &["-tls1_2", "-cipher", ciphers], QUIT).finish();
    (out, srv.join().map(|(_, suite)| suite))
}

/// The size s_client printed as `Server Temp Key: DH, N bits`.
fn dh_bits(out: &Output) -> Option<u32> {
    out.stdout.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("Server Temp Key: DH, ")?;
        rest.strip_suffix(" bits")?.parse().ok()
    })
}

/// Asserts that our server refused a DHE-only client as OpenSSL does
/// without DH parameters: `handshake_failure`, `no shared cipher`.
#[track_caller]
fn assert_refused(case: &str, out: &Output, served: &Result<String, Error>) {
    let Err(e) = served else {
        panic!("{case}: negotiated {served:?}\n{}", out.dump());
    };
    assert!(
        format!("{e:?}").contains("no shared cipher"),
        "{case}: {e:?}"
    );
    assert!(
        out.mentions("handshake failure"),
        "{case}: s_client saw no handshake_failure\n{}",
        out.dump()
    );
}

/// A client that offers only DHE suites: one, and every DHE suite of
/// OpenSSL's default list.
const DHE_ONLY: [&str; 2] = ["DHE-RSA-AES128-GCM-SHA256", "kDHE"];

#[test]
fn a_default_server_refuses_dhe_only_clients_as_openssl_without_dh_parameters() {
    for ciphers in DHE_ONLY {
        let (out, served) = s_client_dhe(&rsa_server(), ciphers);
        assert_refused(ciphers, &out, &served);
        // The reference: `openssl s_server -no_dhe` refuses the same way,
        // and `openssl s_server` (DH auto) serves it.
        for (flags, dhe) in [(&["-no_dhe"][..], false), (&[][..], true)] {
            let mut args = vec!["-tls1_2", "-naccept", "1"];
            args.extend_from_slice(flags);
            let reference = openssl_rsa_server(&args);
            let out =
                SClient::start(reference.port(), &["-tls1_2", "-cipher", ciphers], QUIT).finish();
            drop(reference.finish());
            assert_eq!(
                dh_bits(&out).is_some(),
                dhe,
                "{ciphers} against openssl s_server {flags:?}\n{}",
                out.dump()
            );
            if !dhe {
                assert!(out.mentions("handshake failure"), "{}", out.dump());
            }
        }
    }
}

#[test]
fn set_dh_auto_negotiates_dhe_with_a_group_as_strong_as_the_key() {
    let mut b = rsa_server();
    b.set_dh_auto(true);
    for ciphers in DHE_ONLY {
        let (out, served) = s_client_dhe(&b, ciphers);
        let suite = served.unwrap_or_else(|e| panic!("{ciphers}: {e:?}\n{}", out.dump()));
        assert!(suite.starts_with("DHE-RSA-"), "{ciphers}: {suite}");
        if !ciphers.starts_with('k') {
            assert_eq!(suite, ciphers);
        }
        // RSA-2048: 112 bits of security, a 2048-bit group.
        assert_eq!(dh_bits(&out), Some(2048), "{ciphers}\n{}", out.dump());
    }
    // Off again: refused as by default.
    b.set_dh_auto(false);
    let (out, served) = s_client_dhe(&b, DHE_ONLY[0]);
    assert_refused("set_dh_auto(false)", &out, &served);
}

#[test]
fn load_dh_params_negotiates_dhe_with_the_files_group() {
    let dir = scratch_dir("load_dh_params");
    let ffdhe3072 = dh_params_file(&dir, "ffdhe3072.pem", "dh_param:ffdhe3072");
    let mut b = rsa_server();
    b.load_dh_params(&ffdhe3072);
    for ciphers in DHE_ONLY {
        let (out, served) = s_client_dhe(&b, ciphers);
        let suite = served.unwrap_or_else(|e| panic!("{ciphers}: {e:?}\n{}", out.dump()));
        assert!(suite.starts_with("DHE-RSA-"), "{ciphers}: {suite}");
        // The file's group, not the 2048 bits OpenSSL would pick.
        assert_eq!(dh_bits(&out), Some(3072), "{ciphers}\n{}", out.dump());
    }
    // With both, OpenSSL's automatic choice wins, as documented.
    b.set_dh_auto(true);
    let (out, served) = s_client_dhe(&b, DHE_ONLY[0]);
    assert!(served.is_ok(), "{served:?}\n{}", out.dump());
    assert_eq!(dh_bits(&out), Some(2048), "{}", out.dump());
}

#[test]
fn a_bad_dh_params_file_fails_build() {
    let dir = scratch_dir("bad_dh_params");
    let weak = dh_params_file(&dir, "rfc5114-1024.pem", "dh_rfc5114:1");
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, b"not PEM at all\n").unwrap();
    let missing = dir.join("missing.pem");
    let no_dh = cert("rsa/server.pem");
    for (path, needle) in [
        (&missing, None),
        (&garbage, Some("no start line")),
        (&no_dh, Some("no start line")),
        (&weak, Some("dh key too small")),
    ] {
        let mut b = rsa_server();
        b.load_dh_params(path);
        let e = b.build().map(|_| ()).unwrap_err();
        match (&e, needle) {
            (Error::File { what, path: p, .. }, None) => {
                assert_eq!((*what, p), ("DH parameters", path), "{e:?}");
            }
            (Error::Load { what, origin, .. }, Some(needle)) => {
                assert_eq!(*what, "DH parameters", "{e:?}");
                assert_eq!(origin, &path.display().to_string(), "{e:?}");
                assert!(e.to_string().contains(needle), "{path:?}: {e}");
            }
            _ => panic!("{path:?}: {e:?}"),
        }
    }
}

/// What a server answered a ClientHello with: the suite of its
/// ServerHello, or the description of its alert.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Suite(u16),
    Alert(u8),
}

/// Sends `hello` to `port` and reads the server's first record.
fn answer(port: u16, hello: &[u8]) -> Answer {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    tcp.write_all(hello).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    // Record header (5), handshake header (4), version (2), random (32),
    // session id; or an alert record.
    while got.len() < 5 + 4 + 2 + 32 + 1 + 32 + 2 {
        match tcp.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
        if got.first() == Some(&21) && got.len() >= 7 {
            return Answer::Alert(got[6]);
        }
    }
    assert!(got.len() > 44 && got[0] == 22 && got[5] == 2, "{got:02x?}");
    let at = 5 + 4 + 2 + 32 + 1 + got[43] as usize;
    Answer::Suite(u16::from_be_bytes([got[at], got[at + 1]]))
}

const ECDHE_RSA_AES128_GCM: u16 = 0xc02f;
const DHE_RSA_AES128_GCM: u16 = 0x009e;
const HANDSHAKE_FAILURE: u8 = 40;

/// A TLS 1.2 client offering ECDHE and DHE without the supported_groups
/// extension has no ECDHE group OpenSSL will use: with DH parameters the
/// server picks DHE, without them it refuses, as `openssl s_server` with
/// and without `-no_dhe` answer the same bytes.
#[test]
fn ecdhe_and_dhe_without_supported_groups_get_dhe_or_handshake_failure_as_from_openssl() {
    let mut client = client_builder();
    client
        .set_version(TlsVersion::Tls1_2)
        .set_cipher_list("ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256");
    let mut hello = client_hello_of(client);
    // As sent, ECDHE is chosen.
    let ours = |dh_auto: bool, hello: &[u8]| {
        let mut b = rsa_server();
        b.set_dh_auto(dh_auto);
        let srv: Server<()> = Server::with(bind(&build(&b)), Serve::connections(1), |_| {});
        let got = answer(srv.port(), hello);
        drop(srv.join());
        got
    };
    let openssl = |flags: &[&str], hello: &[u8]| {
        let mut args = vec!["-naccept", "1"];
        args.extend_from_slice(flags);
        let reference = openssl_rsa_server(&args);
        let got = answer(reference.port(), hello);
        drop(reference);
        got
    };
    assert_eq!(ours(false, &hello), Answer::Suite(ECDHE_RSA_AES128_GCM));
    remove_extension(&mut hello, 10);
    for (dh_auto, flags, expected) in [
        (true, &[][..], Answer::Suite(DHE_RSA_AES128_GCM)),
        (false, &["-no_dhe"][..], Answer::Alert(HANDSHAKE_FAILURE)),
    ] {
        assert_eq!(
            openssl(flags, &hello),
            expected,
            "openssl s_server {flags:?}"
        );
        assert_eq!(ours(dh_auto, &hello), expected, "set_dh_auto({dh_auto})");
    }
}
