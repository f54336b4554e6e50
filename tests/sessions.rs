//! Session resumption: on by default for a client reconnecting to the same
//! peer, off with `set_session_cache(false)`, and a resumed session keeps the
//! peer certificate and verify result of the session it resumed.

use std::io::{Read, Write};
use std::thread;

mod common;

use common::{cert, T};
use sslsocket::{SslConfig, SslListener, SslSocket, TlsVersion, VerifyMode};

/// What the server saw of one connection: (session_reused, peer subject, verify code).
type Seen = (bool, Option<String>, i32);

/// A server for `n` connections, each answering one byte with one byte;
/// returns per connection (session_reused, peer subject, verify code).
fn serve(
    n: usize,
    server_cert: &str,
    mode: i32,
    version: TlsVersion,
    cache: bool,
) -> (String, thread::JoinHandle<Vec<Seen>>) {
    let mut b = SslConfig::server();
    b.set_certificate_file(cert(&format!("{server_cert}.pem")))
        .set_private_key_file(cert(&format!(
            "{}.key",
            server_cert.trim_end_matches("-chain")
        )))
        .set_ca_file(cert("ca.pem"))
        .set_version(version)
        .set_read_timeout(T)
        .set_session_cache(cache)
        .set_verify_mode(mode)
        .unwrap();
    let l = SslListener::bind("127.0.0.1:0", &b.build().unwrap()).unwrap();
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let h = thread::spawn(move || {
        (0..n)
            .map(|_| {
                let (mut s, _) = l.accept().unwrap();
                let mut b = [0u8; 1];
                s.read_exact(&mut b).unwrap();
                s.write_all(&b).unwrap();
                let _ = s.shutdown();
                (
                    s.session_reused(),
                    s.peer_subject(),
                    s.verify_result().code(),
                )
            })
            .collect()
    });
    (addr, h)
}

fn client(mode: VerifyMode, with_cert: bool, cache: bool) -> SslConfig {
    let mut b = SslConfig::client();
    b.set_ca_file(cert("ca.pem"))
        .set_read_timeout(T)
        .set_session_cache(cache)
        .set_verify_mode(mode)
        .unwrap();
    if with_cert {
        b.set_certificate_file(cert("client.pem"))
            .set_private_key_file(cert("client.key"));
    }
    b.build().unwrap()
}

/// One request and reply; returns (session_reused, verify code, peer subject).
fn round(config: &SslConfig, addr: &str, clean_close: bool) -> (bool, i32, Option<String>) {
    let mut s = SslSocket::connect(config, addr).unwrap();
    s.write_all(b"x").unwrap();
    let mut b = [0u8; 1];
    s.read_exact(&mut b).unwrap();
    let out = (
        s.session_reused(),
        s.verify_result().code(),
        s.peer_subject(),
    );
    if clean_close {
        s.close().unwrap();
    }
    out
}

#[test]
fn client_resumes_by_default_on_both_versions() {
    for version in [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        let (addr, h) = serve(3, "server-chain", 1, version, true);
        let config = client(VerifyMode::PEER, true, true);
        let first = round(&config, &addr, true);
        assert!(!first.0, "{version}: the first handshake is full");
        assert_eq!(config.saved_sessions(), 1, "{version}");
        let second = round(&config, &addr, true);
        assert!(second.0, "{version}: the second connection resumes");
        assert_eq!(second.2.as_deref(), Some("CN=localhost"), "{version}");
        // Dropped without close_notify: the session still resumes.
        let third_conn = round(&config, &addr, false);
        assert!(third_conn.0, "{version}");
        let server = h.join().unwrap();
        assert_eq!(
            server.iter().map(|s| s.0).collect::<Vec<_>>(),
            [false, true, true],
            "{version}"
        );
        // The server keeps the client's certificate and its verify result.
        for (reused, subject, code) in &server {
            assert_eq!(
                subject.as_deref(),
                Some("CN=sslsocket test client"),
                "{version} {reused}"
            );
            assert_eq!(*code, 0);
        }
    }
}

#[test]
fn dropped_connection_keeps_resumption() {
    let (addr, h) = serve(2, "server-chain", 0, TlsVersion::Tls1_3, true);
    let config = client(VerifyMode::PEER, false, true);
    assert!(!round(&config, &addr, false).0);
    assert!(round(&config, &addr, false).0);
    h.join().unwrap();
}

#[test]
fn cache_off_means_full_handshakes() {
    // Off on the client.
    let (addr, h) = serve(2, "server-chain", 0, TlsVersion::Tls1_3, true);
    let config = client(VerifyMode::PEER, false, false);
    assert!(!round(&config, &addr, true).0);
    assert!(!round(&config, &addr, true).0);
    assert_eq!(config.saved_sessions(), 0);
    h.join().unwrap();
    // Off on the server (no cache, no tickets), for both versions.
    for version in [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        let (addr, h) = serve(2, "server-chain", 0, version, false);
        let config = client(VerifyMode::PEER, false, true);
        assert!(!round(&config, &addr, true).0, "{version}");
        assert!(!round(&config, &addr, true).0, "{version}");
        h.join().unwrap();
    }
}

#[test]
fn resumed_session_keeps_the_original_verify_result() {
    // NONE mode against a self-signed server: the failure is recorded once
    // and the resumed session reports the same result, verified nowhere again.
    for version in [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        let (addr, h) = serve(2, "self-signed", 0, version, true);
        let config = client(VerifyMode::NONE, false, true);
        let first = round(&config, &addr, true);
        assert_eq!((first.0, first.1), (false, 18), "{version}");
        let second = round(&config, &addr, true);
        assert_eq!((second.0, second.1), (true, 18), "{version}");
        assert_eq!(second.2, first.2);
        h.join().unwrap();
    }
}

#[test]
fn peer_ids_separate_sessions() {
    let (addr, h) = serve(3, "server-chain", 0, TlsVersion::Tls1_3, true);
    let config = client(VerifyMode::PEER, false, true);
    let once = |id: &str| {
        let mut s = SslSocket::connect_with_peer_id(&config, &addr, id).unwrap();
        s.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
        let r = s.session_reused();
        s.close().unwrap();
        r
    };
    assert!(!once("a"));
    assert!(!once("b"), "another peer id has no session yet");
    assert!(once("a"));
    assert_eq!(config.saved_sessions(), 2);
    h.join().unwrap();
}

/// A resumed session verifies nothing, yet `verify_failure()` describes the
/// failure it carries: a client's session keeps the depth and subject; a
/// server's does not, and says so.
#[test]
fn a_resumed_session_describes_the_failure_it_carries() {
    for version in [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        // Client side: NONE against a self-signed server.
        let (addr, h) = serve(2, "self-signed", 0, version, true);
        let config = client(VerifyMode::NONE, false, true);
        let mut failures = Vec::new();
        for _ in 0..2 {
            let mut s = SslSocket::connect(&config, &addr).unwrap();
            s.write_all(b"x").unwrap();
            s.read_exact(&mut [0u8; 1]).unwrap();
            failures.push((s.session_reused(), s.verify_failure()));
            s.close().unwrap();
        }
        h.join().unwrap();
        let (false, Some(first)) = failures[0].clone() else {
            panic!("{version}: {failures:?}")
        };
        let (true, Some(second)) = failures[1].clone() else {
            panic!("{version}: {failures:?}")
        };
        assert_eq!(first.result.code(), 18, "{version}");
        assert!(
            !first.resumed && first.location_known,
            "{version}: {first:?}"
        );
        assert_eq!(
            (second.result, second.depth, &second.subject),
            (first.result, first.depth, &first.subject),
            "{version}"
        );
        assert!(
            second.resumed && second.location_known,
            "{version}: {second:?}"
        );
        assert!(
            second.to_string().contains("from the resumed session"),
            "{second}"
        );

        // Server side: an untrusted client certificate let through by the
        // bad-certificate hook.
        let mut b = common::default_server();
        b.set_version(version)
            .set_verify_mode(VerifyMode::PEER)
            .unwrap()
            .set_bad_certificate_callback(|_| true);
        let l = SslListener::bind("127.0.0.1:0", &b.build().unwrap()).unwrap();
        let addr = format!("localhost:{}", l.local_addr().unwrap().port());
        let h = thread::spawn(move || {
            (0..2)
                .map(|_| {
                    let (mut s, _) = l.accept().unwrap();
                    s.read_exact(&mut [0u8; 1]).unwrap();
                    s.write_all(b"y").unwrap();
                    let _ = s.shutdown();
                    (s.session_reused(), s.verify_failure(), s.verify_result())
                })
                .collect::<Vec<_>>()
        });
        let mut c = SslConfig::client();
        c.set_ca_file(cert("ca.pem"))
            .set_read_timeout(T)
            .set_certificate_file(cert("untrusted-client.pem"))
            .set_private_key_file(cert("untrusted-client.key"));
        let config = c.build().unwrap();
        for _ in 0..2 {
            let mut s = SslSocket::connect(&config, &addr).unwrap();
            s.write_all(b"x").unwrap();
            s.read_exact(&mut [0u8; 1]).unwrap();
            s.close().unwrap();
        }
        let seen = h.join().unwrap();
        let (false, Some(first), result) = seen[0].clone() else {
            panic!("{version}: {seen:?}")
        };
        let (true, Some(second), resumed_result) = seen[1].clone() else {
            panic!("{version}: {seen:?}")
        };
        assert_eq!(first.subject, "CN=sslsocket untrusted client", "{version}");
        // The session keeps OpenSSL's last error (21 after 20, as
        // verification went on past the first failure).
        assert_eq!(resumed_result, result, "{version}");
        assert_eq!(second.result, result, "{version}");
        assert!(
            second.resumed && !second.location_known,
            "{version}: {second:?}"
        );
        assert!(
            second
                .to_string()
                .contains("did not keep the depth and subject"),
            "{second}"
        );
    }
}
