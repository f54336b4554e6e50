//! Session resumption: on by default for a client reconnecting to the same
//! peer, off with `set_session_cache(false)`, and a resumed session keeps the
//! peer certificate and verify result of the session it resumed.

use std::io::{Read, Write};

mod common;

use common::{
    build, client_builder, client_with_cert, default_server, server_builder, Seen, Server, VERSIONS,
};
use sslsocket::{SslConfig, SslSocket, TlsVersion, VerifyMode};

/// A server for `n` connections, each answering one byte with one byte.
fn serve(n: usize, server_cert: &str, mode: i32, version: TlsVersion, cache: bool) -> Server<()> {
    let key = format!("{}.key", server_cert.trim_end_matches("-chain"));
    let mut b = server_builder(&format!("{server_cert}.pem"), &key);
    b.set_version(version)
        .set_session_cache(cache)
        .set_verify_mode(mode)
        .unwrap();
    Server::start_n(&build(&b), n, answer)
}

/// Answers one byte with one byte, then closes.
fn answer(s: &mut SslSocket) {
    let mut b = [0u8; 1];
    s.read_exact(&mut b).unwrap();
    s.write_all(&b).unwrap();
    let _ = s.shutdown();
}

fn client(mode: VerifyMode, with_cert: bool, cache: bool) -> SslConfig {
    let mut b = if with_cert {
        client_with_cert("client.pem", "client.key")
    } else {
        client_builder()
    };
    b.set_session_cache(cache).set_verify_mode(mode).unwrap();
    build(&b)
}

/// One request and reply; returns what the client saw.
fn round(config: &SslConfig, addr: &str, clean_close: bool) -> Seen {
    let mut s = SslSocket::connect(config, addr).unwrap();
    s.write_all(b"x").unwrap();
    let mut b = [0u8; 1];
    s.read_exact(&mut b).unwrap();
    let seen = Seen::of(&s);
    if clean_close {
        s.close().unwrap();
    }
    seen
}

/// Two connections of a client in `mode` to a server for `server_cert`
/// (in mode 0, its session cache on): what the client saw of each.
fn two_rounds(server_cert: &str, version: TlsVersion, mode: VerifyMode) -> [Seen; 2] {
    let srv = serve(2, server_cert, 0, version, true);
    let config = client(mode, false, true);
    let seen = [(); 2].map(|()| round(&config, &srv.localhost(), true));
    srv.join_ok();
    seen
}

#[test]
fn client_resumes_by_default_on_both_versions() {
    for version in VERSIONS {
        let srv = serve(3, "server-chain", 1, version, true);
        let addr = srv.localhost();
        let config = client(VerifyMode::PEER, true, true);
        let first = round(&config, &addr, true);
        assert!(
            !first.session_reused,
            "{version}: the first handshake is full"
        );
        assert_eq!(config.saved_sessions(), 1, "{version}");
        let second = round(&config, &addr, true);
        assert!(
            second.session_reused,
            "{version}: the second connection resumes"
        );
        assert_eq!(
            second.peer_subject.as_deref(),
            Some("CN=localhost"),
            "{version}"
        );
        // Dropped without close_notify: the session still resumes.
        let third_conn = round(&config, &addr, false);
        assert!(third_conn.session_reused, "{version}");
        let server = srv.join_ok();
        assert_eq!(
            server
                .iter()
                .map(|(s, ())| s.session_reused)
                .collect::<Vec<_>>(),
            [false, true, true],
            "{version}"
        );
        // The server keeps the client's certificate and its verify result.
        for (seen, ()) in &server {
            assert_eq!(
                seen.peer_subject.as_deref(),
                Some("CN=sslsocket test client"),
                "{version} {}",
                seen.session_reused
            );
            assert_eq!(seen.verify_result.code(), 0);
        }
    }
}

#[test]
fn dropped_connection_keeps_resumption() {
    let srv = serve(2, "server-chain", 0, TlsVersion::Tls1_3, true);
    let config = client(VerifyMode::PEER, false, true);
    assert!(!round(&config, &srv.localhost(), false).session_reused);
    assert!(round(&config, &srv.localhost(), false).session_reused);
    srv.join_ok();
}

#[test]
fn cache_off_means_full_handshakes() {
    // Off on the client.
    let srv = serve(2, "server-chain", 0, TlsVersion::Tls1_3, true);
    let config = client(VerifyMode::PEER, false, false);
    assert!(!round(&config, &srv.localhost(), true).session_reused);
    assert!(!round(&config, &srv.localhost(), true).session_reused);
    assert_eq!(config.saved_sessions(), 0);
    srv.join_ok();
    // Off on the server (no cache, no tickets), for both versions.
    for version in VERSIONS {
        let srv = serve(2, "server-chain", 0, version, false);
        let config = client(VerifyMode::PEER, false, true);
        assert!(
            !round(&config, &srv.localhost(), true).session_reused,
            "{version}"
        );
        assert!(
            !round(&config, &srv.localhost(), true).session_reused,
            "{version}"
        );
        srv.join_ok();
    }
}

#[test]
fn resumed_session_keeps_the_original_verify_result() {
    // NONE mode against a self-signed server: the failure is recorded once
    // and the resumed session reports the same result, verified nowhere again.
    for version in VERSIONS {
        let [first, second] = two_rounds("self-signed", version, VerifyMode::NONE);
        let result = |s: &Seen| (s.session_reused, s.verify_result.code());
        assert_eq!(result(&first), (false, 18), "{version}");
        assert_eq!(result(&second), (true, 18), "{version}");
        assert_eq!(second.peer_subject, first.peer_subject);
    }
}

#[test]
fn peer_ids_separate_sessions() {
    let srv = serve(3, "server-chain", 0, TlsVersion::Tls1_3, true);
    let addr = srv.localhost();
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
    srv.join_ok();
}

/// A resumed session verifies nothing, yet `verify_failure()` describes the
/// failure it carries: a client's session keeps the depth and subject; a
/// server's does not, and says so.
#[test]
fn a_resumed_session_describes_the_failure_it_carries() {
    for version in VERSIONS {
        // Client side: NONE against a self-signed server.
        let failures = two_rounds("self-signed", version, VerifyMode::NONE)
            .map(|s| (s.session_reused, s.verify_failure));
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
        let mut b = default_server();
        b.set_version(version)
            .set_verify_mode(VerifyMode::PEER)
            .unwrap()
            .set_bad_certificate_callback(|_| true);
        let srv = Server::start_n(&build(&b), 2, answer);
        let config = build(&client_with_cert(
            "untrusted-client.pem",
            "untrusted-client.key",
        ));
        for _ in 0..2 {
            round(&config, &srv.localhost(), true);
        }
        let seen: Vec<_> = srv
            .join_ok()
            .into_iter()
            .map(|(s, ())| (s.session_reused, s.verify_failure, s.verify_result))
            .collect();
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
