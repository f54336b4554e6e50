//! Session resumption: on by default for a client reconnecting to the same
//! peer, off with `set_session_cache(false)`, and a resumed session keeps the
//! peer certificate and verify result of the session it resumed.

use std::io::{Read, Write};
use std::net::TcpStream;

mod common;

use common::openssl_cli;
use common::{
    answer, build, client_offering, client_with_cert, default_server, server_builder,
    wrong_host_server, Seen, Server, VERSIONS,
};
use openssl_cli::SClient;
use sslsocket::{Error, Session, SslConfig, SslSocket, TlsVersion, VerifyMode};

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

fn client(mode: VerifyMode, with_cert: bool, cache: bool) -> SslConfig {
    let mut b = client_offering(with_cert);
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

// A session offered with `set_session` (as it was kept, or read back from
// DER or PEM) is resumed by a connection that verifies only when it was
// verified for the name that connection checks; otherwise the connection
// makes a full handshake, which verifies.

/// The ways a kept session comes back: as it is, through DER, through PEM.
fn forms(session: &Session) -> [(&'static str, Session); 3] {
    [
        ("kept", session.clone()),
        (
            "DER",
            Session::from_der(&session.to_der().unwrap()).unwrap(),
        ),
        (
            "PEM",
            Session::from_pem(&session.to_pem().unwrap()).unwrap(),
        ),
    ]
}

/// A client of `mode` that keeps no sessions of its own.
fn uncached(mode: VerifyMode) -> SslConfig {
    client(mode, false, false)
}

/// One exchange by a client of `config` checking `name` at 127.0.0.1:`port`,
/// offering `session` when given: the handshake's error, or the connection
/// (after one byte each way, so that a TLS 1.3 ticket has arrived).
fn offer(
    config: &SslConfig,
    port: u16,
    name: &str,
    session: Option<&Session>,
) -> Result<SslSocket, Error> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut s = SslSocket::new_client(config, tcp, Some(name)).unwrap();
    if let Some(session) = session {
        s.set_session(session).unwrap();
    }
    s.handshake()?;
    s.write_all(b"x").unwrap();
    let mut b = [0u8; 1];
    s.read_exact(&mut b).unwrap();
    Ok(s)
}

/// A server for `other.example` (a valid chain for another host than
/// `localhost`) for `n` connections; each answers one byte if it can.
fn other_host(n: usize, version: TlsVersion) -> Server<()> {
    let mut b = wrong_host_server();
    b.set_version(version);
    Server::start_n(&build(&b), n, |s| {
        let mut b = [0u8; 1];
        if s.read_exact(&mut b).is_ok() {
            let _ = s.write_all(&b);
        }
        let _ = s.shutdown();
    })
}

/// Waits for `srv`: whether each connection resumed, `None` for a failed
/// handshake.
fn resumed(srv: Server<()>) -> Vec<Option<bool>> {
    srv.join_all()
        .into_iter()
        .map(|o| o.map(|(s, ())| s.session_reused).ok())
        .collect()
}

/// The verify result a handshake failed with.
#[track_caller]
fn refused(outcome: Result<SslSocket, Error>, what: &str) -> i32 {
    match outcome {
        Ok(s) => panic!(
            "{what}: handshake succeeded (resumed: {}, verify result {:?}, peer {:?})",
            s.session_reused(),
            s.verify_result(),
            s.peer_subject()
        ),
        Err(e) => e
            .verify_result()
            .unwrap_or_else(|| panic!("{what}: not a verification failure: {e:?}"))
            .code(),
    }
}

/// A session saved by a client in mode NONE from a server whose
/// certificate fails the host check is not resumed by a client that
/// checks the host: that one makes a full handshake and refuses with the
/// host-name mismatch.
#[test]
fn a_session_that_failed_the_host_check_is_not_resumed_by_a_client_that_checks() {
    for version in VERSIONS {
        let srv = other_host(4, version);
        let first = offer(&uncached(VerifyMode::NONE), srv.port(), "localhost", None).unwrap();
        assert_eq!(first.verify_result().code(), 62, "{version}");
        let session = first.session().expect("a resumable session");
        drop(first);
        for (form, session) in forms(&session) {
            let what = format!("{version} {form}");
            let outcome = offer(
                &uncached(VerifyMode::PEER),
                srv.port(),
                "localhost",
                Some(&session),
            );
            assert_eq!(refused(outcome, &what), 62, "{what}");
        }
        let served = srv.join_all();
        assert!(matches!(served[0], Ok((ref s, ())) if !s.session_reused));
        assert!(
            served[1..].iter().all(Result::is_err),
            "{version}: {served:?}"
        );
    }
}

/// A session verified for `other.example` is not resumed by a client that
/// checks `localhost` (it makes a full handshake, which refuses), and still
/// is by a client that checks `other.example`.
#[test]
fn a_session_verified_for_another_name_is_not_resumed() {
    for version in VERSIONS {
        let srv = other_host(7, version);
        let peer = uncached(VerifyMode::PEER);
        let first = offer(&peer, srv.port(), "other.example", None).unwrap();
        assert_eq!(first.verify_result().code(), 0, "{version}");
        let session = first.session().expect("a resumable session");
        drop(first);
        for (form, session) in forms(&session) {
            let what = format!("{version} {form}");
            let outcome = offer(&peer, srv.port(), "localhost", Some(&session));
            assert_eq!(refused(outcome, &what), 62, "{what}");
            let same = offer(&peer, srv.port(), "other.example", Some(&session))
                .unwrap_or_else(|e| panic!("{what}: {e:?}"));
            assert!(same.session_reused(), "{what}: the same name resumes");
            assert_eq!(same.verify_result().code(), 0, "{what}");
        }
        let reused = resumed(srv);
        assert_eq!(
            reused,
            [
                Some(false),
                None,
                Some(true),
                None,
                Some(true),
                None,
                Some(true)
            ],
            "{version}"
        );
    }
}

/// An IP address the client checks decides as a host name does: a session
/// verified for `other.example` is not resumed by a client that checks
/// 127.0.0.1 (its full handshake refuses), and one verified for 127.0.0.1
/// is resumed by clients that check 127.0.0.1 or ::1, which its
/// certificate names too.
#[test]
fn a_session_is_resumed_only_for_an_ip_address_its_certificate_names() {
    for version in VERSIONS {
        let peer = uncached(VerifyMode::PEER);
        let srv = other_host(2, version);
        let first = offer(&peer, srv.port(), "other.example", None).unwrap();
        let session = first.session().expect("a resumable session");
        drop(first);
        let outcome = offer(&peer, srv.port(), "127.0.0.1", Some(&session));
        assert_eq!(refused(outcome, &version.to_string()), 64, "{version}");
        assert_eq!(resumed(srv), [Some(false), None], "{version}");

        let srv = serve(3, "server-chain", 0, version, true);
        let first = offer(&peer, srv.port(), "127.0.0.1", None).unwrap();
        assert_eq!(first.verify_result().code(), 0, "{version}");
        let session = first.session().expect("a resumable session");
        drop(first);
        for name in ["127.0.0.1", "::1"] {
            let s = offer(&peer, srv.port(), name, Some(&session))
                .unwrap_or_else(|e| panic!("{version} {name}: {e:?}"));
            assert!(s.session_reused(), "{version} {name}");
        }
        assert_eq!(
            resumed(srv),
            [Some(false), Some(true), Some(true)],
            "{version}"
        );
    }
}

/// Sessions `openssl s_client -sess_out` saved, which carry only what
/// OpenSSL keeps (the verify result and the server's certificate): one
/// whose chain did not verify (no CA given) is not resumed by a client that
/// verifies, one verified without a host check resumes for the name its
/// certificate is issued for and not for another.
#[test]
fn sessions_saved_by_s_client_resume_only_where_they_were_verified() {
    for (version, flag) in [
        (TlsVersion::Tls1_2, "-tls1_2"),
        (TlsVersion::Tls1_3, "-tls1_3"),
    ] {
        let srv = other_host(5, version);
        let saved = |args: &[&str], code: i32| {
            let file = std::env::temp_dir().join(format!(
                "sslsocket-{}-{version}-{code}.sess",
                std::process::id()
            ));
            let _ = std::fs::remove_file(&file);
            let path = file.display().to_string();
            let mut all = vec![flag, "-sess_out", &path];
            all.extend_from_slice(args);
            let out = SClient::start_named(srv.port(), "other.example", &all, b"x").finish();
            assert_eq!(out.verify_return_code(), Some(code), "{}", out.dump());
            let session = Session::from_pem(&std::fs::read(&file).unwrap()).unwrap();
            let _ = std::fs::remove_file(&file);
            session
        };
        let unverified = saved(&[], 20);
        let ca = common::cert("ca.pem").display().to_string();
        let chain_only = saved(&["-CAfile", &ca], 0);
        let peer = uncached(VerifyMode::PEER);
        let what = format!("{version}");
        // No CA: a full handshake, which verifies.
        let s = offer(&peer, srv.port(), "other.example", Some(&unverified)).unwrap();
        assert!(!s.session_reused(), "{what}");
        assert_eq!(s.verify_result().code(), 0, "{what}");
        drop(s);
        // Chain verified: resumed for other.example, not for localhost.
        let s = offer(&peer, srv.port(), "other.example", Some(&chain_only)).unwrap();
        assert!(s.session_reused(), "{what}");
        drop(s);
        let outcome = offer(&peer, srv.port(), "localhost", Some(&chain_only));
        assert_eq!(refused(outcome, &what), 62, "{what}");
        let reused = resumed(srv);
        assert_eq!(
            reused,
            [Some(false), Some(false), Some(false), Some(true), None],
            "{version}"
        );
    }
}

/// The automatic cache meets the same rule: a session a connection in
/// mode NONE saved from a server that fails the host check is not resumed
/// by a connection of the same configuration whose mode verifies.
#[test]
fn the_cache_offers_an_unverified_session_only_to_a_connection_in_none() {
    for version in VERSIONS {
        let srv = other_host(3, version);
        let config = client(VerifyMode::NONE, false, true);
        let addr = srv.localhost();
        let first = round(&config, &addr, true);
        assert_eq!(
            (first.session_reused, first.verify_result.code()),
            (false, 62),
            "{version}"
        );
        let again = round(&config, &addr, true);
        assert_eq!(
            (again.session_reused, again.verify_result.code()),
            (true, 62),
            "{version}"
        );
        let tcp = TcpStream::connect(srv.addr()).unwrap();
        let mut s = SslSocket::new_client(&config, tcp, Some("localhost")).unwrap();
        s.set_verify_mode(VerifyMode::PEER).unwrap();
        let e = s.handshake().unwrap_err();
        assert_eq!(e.verify_result().map(|r| r.code()), Some(62), "{e:?}");
        drop(s);
        let served = srv.join_all();
        assert!(served[2].is_err(), "{version}: {served:?}");
    }
}

/// The async face: a session verified for `other.example` is not resumed
/// by a connection that checks `localhost`, whether offered with
/// `set_session` or by the cache of a configuration in mode NONE to a
/// socket set to PEER.
#[cfg(feature = "tokio")]
#[test]
fn the_async_face_resumes_only_sessions_verified_for_its_name() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = common::runtime();
    for version in VERSIONS {
        let srv = other_host(5, version);
        let port = srv.port();
        let peer = uncached(VerifyMode::PEER);
        let none = client(VerifyMode::NONE, false, true);
        rt.block_on(async {
            // A connection of `config` checking `name`, offering `session`
            // or set to `mode` before its handshake.
            let connect = |config: SslConfig,
                           name: &'static str,
                           session: Option<Session>,
                           mode: Option<VerifyMode>| async move {
                let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap();
                let mut s =
                    sslsocket::tokio::SslSocket::new_client(&config, tcp, Some(name)).unwrap();
                if let Some(session) = &session {
                    s.set_session(session).unwrap();
                }
                if let Some(mode) = mode {
                    s.set_verify_mode(mode).unwrap();
                }
                s.handshake().await?;
                s.write_all(b"x").await.unwrap();
                let mut b = [0u8; 1];
                s.read_exact(&mut b).await.unwrap();
                Ok::<_, Error>(s)
            };
            let first = connect(peer.clone(), "other.example", None, None)
                .await
                .unwrap();
            let session = first.session().expect("a resumable session");
            drop(first);
            let e = connect(peer.clone(), "localhost", Some(session.clone()), None)
                .await
                .unwrap_err();
            assert_eq!(e.verify_result().map(|r| r.code()), Some(62), "{e:?}");
            let same = connect(peer.clone(), "other.example", Some(session), None)
                .await
                .unwrap();
            assert!(same.session_reused(), "{version}");
            drop(same);
            // The cache of a NONE configuration: saved with the mismatch,
            // then refused by a socket set to PEER.
            let saved = connect(none.clone(), "localhost", None, None)
                .await
                .unwrap();
            assert_eq!(saved.verify_result().code(), 62);
            drop(saved);
            assert_eq!(none.saved_sessions(), 1);
            let e = connect(none.clone(), "localhost", None, Some(VerifyMode::PEER))
                .await
                .unwrap_err();
            assert_eq!(e.verify_result().map(|r| r.code()), Some(62), "{e:?}");
        });
        let reused = resumed(srv);
        assert_eq!(
            reused,
            [Some(false), None, Some(true), Some(false), None],
            "{version}"
        );
    }
}
