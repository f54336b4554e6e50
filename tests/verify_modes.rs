//! The verify modes, both roles, as OpenSSL defines them: real handshakes
//! over loopback, both ends of every row asserted.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use sslsocket::{
    Alert, CertReqs, Error, Operation, PeerVerification, SslConfig, SslSocket, TlsVersion,
    VerifyMode,
};

// ---------------------------------------------------------------------------
// Server verify modes × client certificates × protocol versions
// ---------------------------------------------------------------------------

/// What the server's handshake should end with.
#[derive(Debug, PartialEq)]
enum ServerEnd {
    Ok(PeerVerification),
    /// `Error::VerifyFailed` with this code, at depth 0, for the client's certificate.
    VerifyFailed(i32),
    PeerCertificateRequired,
}

/// What the client should see.
#[derive(Debug, PartialEq)]
enum ClientEnd {
    /// Connects and completes the exchange.
    Ok,
    /// `connect` fails with this alert (TLS 1.2).
    ConnectAlert(Alert),
    /// `connect` succeeds, the first read fails with this alert (TLS 1.3).
    ReadAlert(Alert),
}

/// OpenSSL's semantics for a server in `mode`, written out once. Observed
/// with OpenSSL 3.0:
///
/// | server mode | no client cert | client.pem | untrusted-client | expired-client |
/// |---|---|---|---|---|
/// | 0 | ok, none | ok, none | ok, none | ok, none |
/// | 1, 5 | ok, none | ok, verified | VerifyFailed 20 / `unknown_ca` | VerifyFailed 10 / `certificate_expired` |
/// | 3 | PeerCertificateRequired / 1.2 `handshake_failure`, 1.3 `certificate_required` | as 1 | as 1 | as 1 |
/// | 9 | TLS 1.3: as 0; TLS 1.2: as 1 | | | |
///
/// The client gets the alert from `connect` under TLS 1.2 and from its
/// first read under TLS 1.3.
fn server_expectation(mode: i32, cert: ClientCert, v: TlsVersion) -> (ServerEnd, ClientEnd) {
    let peer = mode & 1 != 0;
    // POST_HANDSHAKE keeps the request out of a TLS 1.3 handshake; TLS 1.2 ignores it.
    let requested = peer && !(mode & 8 != 0 && v == TlsVersion::Tls1_3);
    let server = match cert {
        _ if !requested => ServerEnd::Ok(PeerVerification::NoCertificate),
        ClientCert::None if mode & 2 != 0 => ServerEnd::PeerCertificateRequired,
        ClientCert::None => ServerEnd::Ok(PeerVerification::NoCertificate),
        ClientCert::Trusted => ServerEnd::Ok(PeerVerification::Verified),
        ClientCert::Untrusted => ServerEnd::VerifyFailed(20),
        ClientCert::Expired => ServerEnd::VerifyFailed(10),
    };
    let alert = match server {
        ServerEnd::Ok(_) => return (server, ClientEnd::Ok),
        ServerEnd::PeerCertificateRequired if v == TlsVersion::Tls1_3 => {
            Alert::CERTIFICATE_REQUIRED
        }
        ServerEnd::PeerCertificateRequired => Alert::HANDSHAKE_FAILURE,
        ServerEnd::VerifyFailed(20) => Alert::UNKNOWN_CA,
        ServerEnd::VerifyFailed(10) => Alert::CERTIFICATE_EXPIRED,
        ServerEnd::VerifyFailed(_) => unreachable!(),
    };
    let client = if v == TlsVersion::Tls1_3 {
        ClientEnd::ReadAlert(alert)
    } else {
        ClientEnd::ConnectAlert(alert)
    };
    (server, client)
}

/// What the client's error during the handshake (`connect`) or its first
/// read means: the alert it received, or a problem.
fn client_failure(e: Error, during: Operation, row: &str, problems: &mut Vec<String>) -> ClientEnd {
    match e {
        Error::AlertReceived { alert, during: d } if d == during => match during {
            Operation::Handshake => ClientEnd::ConnectAlert(alert),
            _ => ClientEnd::ReadAlert(alert),
        },
        e => {
            problems.push(format!("{row}: client failed during {during:?}: {e:?}"));
            ClientEnd::Ok
        }
    }
}

/// Runs one row; returns a description of every way it differed from the expectation.
fn server_row(mode: i32, cert: ClientCert, v: TlsVersion) -> Vec<String> {
    let (want_server, want_client) = server_expectation(mode, cert, v);
    let row = format!("server mode {mode}, client cert {cert:?}, {v}");
    let mut problems = Vec::new();

    let mut sb = default_server();
    sb.set_version(v).set_verify_mode(mode).unwrap();
    let server = exchange_server(&build(&sb));

    let mut cb = cert.builder();
    cb.set_version(v);
    let client_result = SslSocket::connect(&build(&cb), &server.localhost());
    let got_client = match client_result {
        Err(e) => client_failure(e, Operation::Handshake, &row, &mut problems),
        Ok(mut sock) => {
            if sock.version() != v.name() {
                problems.push(format!("{row}: client version {}", sock.version()));
            }
            match client_exchange(&mut sock) {
                Ok(()) => ClientEnd::Ok,
                Err(e) => client_failure(e, Operation::Read, &row, &mut problems),
            }
        }
    };
    if got_client != want_client {
        problems.push(format!(
            "{row}: client got {got_client:?}, want {want_client:?}"
        ));
    }

    match (server.join(), &want_server) {
        (Ok((seen, exchanged)), ServerEnd::Ok(pv)) => {
            if let Err(e) = exchanged {
                problems.push(format!("{row}: server exchange failed: {e:?}"));
            }
            if seen.peer_verification != *pv || !seen.verify_result.is_ok() {
                problems.push(format!("{row}: server saw {seen:?}, want {pv:?}"));
            }
            let want_subject = (*pv == PeerVerification::Verified).then(|| cert.subject().into());
            if seen.peer_subject != want_subject || seen.verify_mode != mode {
                problems.push(format!("{row}: server saw {seen:?}"));
            }
        }
        (Err(Error::VerifyFailed { failure }), ServerEnd::VerifyFailed(code)) => {
            if failure.result.code() != *code
                || failure.depth != 0
                || failure.subject != cert.subject()
            {
                problems.push(format!(
                    "{row}: server failure {failure:?}, want code {code} at depth 0 for {}",
                    cert.subject()
                ));
            }
        }
        (Err(Error::PeerCertificateRequired), ServerEnd::PeerCertificateRequired) => {}
        (got, want) => problems.push(format!("{row}: server got {got:?}, want {want:?}")),
    }
    problems
}

#[test]
fn server_mode_matrix() {
    assert_no_problems(&matrix(&[0, 1, 3, 5, 9], &ClientCert::ALL, server_row).concat());
}

// ---------------------------------------------------------------------------
// Client verify modes × server certificates × protocol versions
// ---------------------------------------------------------------------------

/// Server certificate, key, the verify result a client trusting `ca.pem` and
/// checking `localhost` gets, and the subject of the certificate that fails.
const SERVER_CERTS: [(&str, &str, i32, &str); 5] = [
    ("server-chain.pem", "server.key", 0, "CN=localhost"),
    (
        "self-signed.pem",
        "self-signed.key",
        18,
        "O=sslsocket self-signed, CN=localhost",
    ),
    (
        "expired-chain.pem",
        "expired.key",
        10,
        "O=sslsocket expired, CN=localhost",
    ),
    (
        "untrusted-server.pem",
        "untrusted-server.key",
        20,
        "O=sslsocket untrusted, CN=localhost",
    ),
    (
        "wrong-host-chain.pem",
        "wrong-host.key",
        62,
        "CN=other.example",
    ),
];

/// The alert OpenSSL's client sends for each verify result (`ssl_x509err2alert`).
fn client_alert(code: i32) -> Alert {
    match code {
        18 | 20 => Alert::UNKNOWN_CA,
        10 => Alert::CERTIFICATE_EXPIRED,
        62 => Alert::BAD_CERTIFICATE,
        _ => unreachable!("{code}"),
    }
}

fn client_row(
    mode: i32,
    (pem, key, code, subject): (&str, &str, i32, &str),
    v: TlsVersion,
) -> Vec<String> {
    let row = format!("client mode {mode}, server {pem}, {v}");
    let mut problems = Vec::new();
    let mut sb = server_builder(pem, key);
    sb.set_version(v);
    let server = exchange_server(&build(&sb));

    let mut cb = client_builder();
    cb.set_version(v).set_verify_mode(mode).unwrap();
    let result = SslSocket::connect(&build(&cb), &server.localhost());
    let should_abort = mode != 0 && code != 0;
    match result {
        Ok(mut sock) if !should_abort => {
            if sock.verify_result().code() != code {
                problems.push(format!(
                    "{row}: verify_result {:?}, want {code}",
                    sock.verify_result()
                ));
            }
            let want_pv = if code == 0 {
                PeerVerification::Verified
            } else {
                PeerVerification::Failed(sslsocket::VerifyResult::from_code(code))
            };
            if sock.peer_verification() != want_pv {
                problems.push(format!(
                    "{row}: peer_verification {:?}, want {want_pv:?}",
                    sock.peer_verification()
                ));
            }
            if sock.get_verify_mode() != mode {
                problems.push(format!("{row}: mode {:?}", sock.get_verify_mode()));
            }
            if let Err(e) = client_exchange(&mut sock) {
                problems.push(format!("{row}: exchange failed: {e:?}"));
            }
        }
        Err(Error::VerifyFailed { ref failure }) if should_abort => {
            let shown = result.as_ref().unwrap_err().to_string();
            if failure.result.code() != code
                || failure.depth != 0
                || failure.subject != subject
                || !shown.contains(failure.result.name())
            {
                problems.push(format!(
                    "{row}: failure {failure:?} ({shown}), want {code} at depth 0 for {subject}"
                ));
            }
        }
        other => problems.push(format!(
            "{row}: connect gave {other:?}, want {}",
            if should_abort {
                "VerifyFailed"
            } else {
                "success"
            }
        )),
    }

    let server_outcome = server.join();
    if should_abort {
        let want = client_alert(code);
        match server_outcome {
            Err(Error::AlertReceived {
                alert,
                during: Operation::Handshake,
            }) if alert == want => {}
            other => problems.push(format!("{row}: server got {other:?}, want alert {want:?}")),
        }
    } else {
        match server_outcome {
            Ok((_, Ok(got))) if got == b"ping" => {}
            other => problems.push(format!("{row}: server got {other:?}, want the exchange")),
        }
    }
    problems
}

#[test]
fn client_mode_matrix() {
    assert_no_problems(&matrix(&[0, 1, 2, 4, 8], &SERVER_CERTS, client_row).concat());
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

const INVALID: [(i32, i32); 5] = [(16, 16), (32, 32), (0x40, 0x40), (-1, -16), (0x100, 0x100)];

fn assert_invalid(r: Result<(), Error>, mode: i32, invalid: i32) {
    match r {
        Err(Error::InvalidVerifyMode {
            mode: m,
            invalid_bits,
        }) => {
            assert_eq!((m, invalid_bits), (mode, invalid), "mode {mode}");
        }
        other => panic!("mode {mode}: {other:?}, want InvalidVerifyMode"),
    }
}

#[test]
fn every_legal_mode_round_trips_through_the_context() {
    for n in 0..=15 {
        for mut b in [client_builder(), default_server()] {
            b.set_verify_mode(n).unwrap();
            assert_eq!(b.get_verify_mode(), n, "builder mode {n}");
            let config = build(&b);
            assert_eq!(config.get_verify_mode(), n, "{config:?}");
            assert_eq!(config.get_verify_mode().bits(), n, "{config:?}");
            assert_eq!(config.context().verify_mode().bits(), n, "{config:?}");
        }
    }
}

#[test]
fn invalid_modes_are_refused_by_the_builder() {
    // Every integer from 16 to 31 has the stray bit 16, plus the listed ones.
    let stray_16 = (16..32).map(|n| (n, 16));
    for (n, invalid) in INVALID.into_iter().chain(stray_16) {
        let mut b = client_builder();
        b.set_verify_mode(3).unwrap();
        assert_invalid(b.set_verify_mode(n).map(|_| ()), n, invalid);
        assert_eq!(b.get_verify_mode(), 3, "builder mode changed by {n}");
        assert_eq!(build(&b).context().verify_mode().bits(), 3);
    }
}

#[test]
fn every_legal_mode_round_trips_on_live_sockets() {
    let server = Server::start(&build(&default_server()), |sock| {
        let mut seen = Vec::new();
        for n in 0..=15 {
            sock.set_verify_mode(n).unwrap();
            seen.push((
                n,
                sock.get_verify_mode().bits(),
                sock.ssl().verify_mode().bits(),
            ));
        }
        for (n, invalid) in INVALID {
            sock.set_verify_mode(5).unwrap();
            let r = sock.set_verify_mode(n);
            seen.push((
                n,
                sock.get_verify_mode().bits(),
                sock.ssl().verify_mode().bits(),
            ));
            assert_invalid(r, n, invalid);
        }
        serve_exchange(sock).map(|_| seen)
    });
    let mut sock = SslSocket::connect(&build(&client_builder()), &server.localhost()).unwrap();
    for n in 0..=15 {
        sock.set_verify_mode(n).unwrap();
        assert_eq!(sock.get_verify_mode(), n);
        assert_eq!(sock.ssl().verify_mode().bits(), n, "SSL_get_verify_mode");
    }
    for (n, invalid) in INVALID {
        sock.set_verify_mode(1).unwrap();
        assert_invalid(sock.set_verify_mode(n), n, invalid);
        assert_eq!(sock.get_verify_mode(), 1, "mode changed by {n}");
        assert_eq!(sock.ssl().verify_mode().bits(), 1, "mode changed by {n}");
    }
    client_exchange(&mut sock).unwrap();
    let (_, server_seen) = server.join().unwrap();
    let server_seen = server_seen.unwrap();
    for (i, &(n, got, ssl)) in server_seen.iter().enumerate() {
        let want = if i < 16 { n } else { 5 };
        assert_eq!((got, ssl), (want, want), "server socket, mode {n}");
    }
    assert_eq!(server_seen.len(), 16 + INVALID.len());
}

// ---------------------------------------------------------------------------
// Python's names, defaults
// ---------------------------------------------------------------------------

#[test]
fn cert_required_on_a_server_is_mode_3_and_rejects_a_client_without_certificate() {
    let mut sb = default_server();
    sb.set_cert_reqs(CertReqs::Required)
        .set_version(TlsVersion::Tls1_2);
    let config = build(&sb);
    assert_eq!(config.get_verify_mode(), 3);
    let server = exchange_server(&config);
    let err = SslSocket::connect(&build(&client_builder()), &server.localhost()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::AlertReceived {
                alert: Alert::HANDSHAKE_FAILURE,
                during: Operation::Handshake
            }
        ),
        "{err:?}"
    );
    let err = expect_server_err(server.join());
    assert!(matches!(err, Error::PeerCertificateRequired), "{err:?}");
}

#[test]
fn cert_optional_on_a_server_is_mode_1_and_accepts_a_client_without_certificate() {
    let mut sb = default_server();
    sb.set_cert_reqs(CertReqs::Optional);
    let config = build(&sb);
    assert_eq!(config.get_verify_mode(), VerifyMode::PEER);
    let server = exchange_server(&config);
    let mut sock = SslSocket::connect(&build(&client_builder()), &server.localhost()).unwrap();
    client_exchange(&mut sock).unwrap();
    let seen = expect_exchanged(server.join());
    assert_eq!(seen.peer_verification, PeerVerification::NoCertificate);
}

#[test]
fn cert_none_on_a_client_is_mode_0_without_host_check() {
    let server = exchange_server(&build(&wrong_host_server()));
    let mut cb = client_builder();
    cb.set_cert_reqs(CertReqs::None);
    let config = build(&cb);
    assert_eq!(config.get_verify_mode(), 0);
    let mut sock = SslSocket::connect(&config, &server.localhost()).unwrap();
    // No host name is checked, so the (valid) chain verifies.
    assert_eq!(sock.verify_result().code(), 0, "{:?}", sock.verify_result());
    assert_eq!(sock.peer_verification(), PeerVerification::Verified);
    client_exchange(&mut sock).unwrap();
    expect_exchanged(server.join());
}

#[test]
fn python_client_modes_map_to_peer() {
    for reqs in [CertReqs::Optional, CertReqs::Required] {
        let mut cb = client_builder();
        cb.set_cert_reqs(reqs);
        assert_eq!(build(&cb).get_verify_mode(), VerifyMode::PEER, "{reqs:?}");
    }
}

#[test]
fn default_client_is_peer_and_checks_the_host_name() {
    let mut cb = SslConfig::client();
    cb.set_ca_file(cert("ca.pem"));
    with_timeouts(&mut cb);
    let config = build(&cb);
    assert_eq!(config.get_verify_mode(), VerifyMode::PEER);
    let server = build(&wrong_host_server());
    let err = refused(&server, &config, Server::localhost, 62, "bad_certificate");
    match &err {
        Error::VerifyFailed { failure } => {
            assert_eq!(failure.result.code(), 62, "{err:?}");
            assert_eq!(failure.result.name(), "X509_V_ERR_HOSTNAME_MISMATCH");
            assert_eq!(failure.subject, "CN=other.example", "{err:?}");
        }
        _ => panic!("{err:?}"),
    }
}

#[test]
fn default_server_is_none_and_requests_no_certificate() {
    let mut sb = SslConfig::server();
    sb.set_certificate_file(cert("server-chain.pem"))
        .set_private_key_file(cert("server.key"))
        .set_ca_file(cert("ca.pem"));
    with_timeouts(&mut sb);
    let config = build(&sb);
    assert_eq!(config.get_verify_mode(), VerifyMode::NONE);
    for v in VERSIONS {
        let mut sb = sb.clone();
        sb.set_version(v);
        let server = exchange_server(&build(&sb));
        let client = build(&client_with_cert("client.pem", "client.key"));
        let mut sock = SslSocket::connect(&client, &server.localhost()).unwrap();
        client_exchange(&mut sock).unwrap();
        let seen = expect_exchanged(server.join());
        // A client with a certificate sends it whenever asked: none seen, none asked for.
        assert_eq!(
            seen.peer_verification,
            PeerVerification::NoCertificate,
            "{v}"
        );
        assert_eq!(seen.peer_subject, None, "{v}");
        assert_eq!(seen.verify_result.code(), 0, "{v}");
    }
}

// ---------------------------------------------------------------------------
// A live mode change keeps the verify callback
// ---------------------------------------------------------------------------

/// SSL_set_verify with a null callback keeps the callback set earlier: after
/// `set_verify_mode` on a live server socket, a certificate requested later
/// (TLS 1.3 post-handshake auth, TLS 1.2 renegotiation) still goes through
/// the configuration's verify callback, when it has one, and the crate's
/// own, which is the only thing that records `verify_failure()`.
#[test]
fn a_live_mode_change_keeps_the_verify_callback() {
    for v in VERSIONS {
        for mode in [
            VerifyMode::PEER,
            VerifyMode::PEER | VerifyMode::POST_HANDSHAKE,
        ] {
            for hooked in [false, true] {
                live_mode_change(v, mode, hooked, ClientCert::Trusted, None);
                live_mode_change(v, mode, hooked, ClientCert::Untrusted, Some(20));
            }
        }
    }
}

/// One row of [`a_live_mode_change_keeps_the_verify_callback`]: a server in
/// mode NONE switches to `mode` and asks for `client_cert`, which fails
/// verification with `want`; `hooked` gives the server a verify callback
/// that counts its calls.
fn live_mode_change(
    v: TlsVersion,
    mode: VerifyMode,
    hooked: bool,
    client_cert: ClientCert,
    want: Option<i32>,
) {
    let row = format!("{v}, {mode:?}, hooked {hooked}, {client_cert:?}");
    let calls = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&calls);
    let mut sb = default_server();
    sb.set_version(v);
    if hooked {
        sb.set_verify_callback(move |check| {
            n.fetch_add(1, Ordering::SeqCst);
            check.preverify_ok()
        });
    }
    let srv = Server::start(&build(&sb), move |sock| {
        sock.set_verify_mode(mode).unwrap();
        let requested = sock.request_client_certificate(T);
        let seen = Seen::of(sock);
        if requested.is_ok() {
            sock.send_all(b"done").unwrap();
            sock.shutdown().unwrap();
        }
        (requested.map(|c| c.is_some()), seen)
    });
    let mut sock = SslSocket::connect(&build(&client_cert.builder()), &srv.localhost()).unwrap();
    let client_read = recv_exact(&mut sock, 4);
    let (handshake, (requested, seen)) = srv.join().unwrap();
    assert_eq!(
        handshake.peer_verification,
        PeerVerification::NoCertificate,
        "{row}"
    );
    assert_eq!(handshake.verify_mode, VerifyMode::NONE, "{row}");
    assert_eq!(seen.verify_mode, mode, "{row}");
    let calls = calls.load(Ordering::SeqCst);
    match want {
        None => {
            assert!(matches!(requested, Ok(true)), "{row}: {requested:?}");
            assert_eq!(seen.peer_verification, PeerVerification::Verified, "{row}");
            assert_eq!(seen.verify_failure, None, "{row}");
            assert_eq!(client_read.unwrap(), b"done", "{row}");
            if hooked {
                assert_eq!(calls, 2, "{row}: the client's leaf and root");
            }
        }
        Some(code) => {
            let failure = seen
                .verify_failure
                .clone()
                .unwrap_or_else(|| panic!("{row}: callback recorded nothing: {seen:?}"));
            assert_eq!(failure.result.code(), code, "{row}: {failure:?}");
            assert_eq!(failure.depth, 0, "{row}: {failure:?}");
            assert_eq!(failure.subject, client_cert.subject(), "{row}");
            if hooked {
                assert_eq!(calls, 1, "{row}: the client's leaf");
            }
            match requested {
                Err(Error::VerifyFailed { failure: f }) => assert_eq!(f, failure, "{row}"),
                other => panic!("{row}: server request gave {other:?}"),
            }
            let err = client_read.unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::AlertReceived {
                        alert: Alert::UNKNOWN_CA,
                        during: Operation::Read
                    }
                ),
                "{row}: {err:?}"
            );
        }
    }
}

/// `set_cert_reqs(CertReqs::None)` turns the host check off only until the
/// mode is chosen again; an explicit `set_check_hostname(false)` stays.
#[test]
fn a_later_mode_restores_the_host_check_cert_none_turned_off() {
    type Setup = fn(&mut sslsocket::SslConfigBuilder);
    let cases: [(&str, Setup, bool); 5] = [
        (
            "None then Required",
            |b| {
                b.set_cert_reqs(CertReqs::None)
                    .set_cert_reqs(CertReqs::Required);
            },
            true,
        ),
        (
            "None then PEER",
            |b| {
                b.set_cert_reqs(CertReqs::None).set_verify_mode(1).unwrap();
            },
            true,
        ),
        (
            "None then Optional",
            |b| {
                b.set_cert_reqs(CertReqs::None)
                    .set_cert_reqs(CertReqs::Optional);
            },
            true,
        ),
        (
            "check off then Required",
            |b| {
                b.set_check_hostname(false)
                    .set_cert_reqs(CertReqs::Required);
            },
            false,
        ),
        (
            "None then check on",
            |b| {
                b.set_cert_reqs(CertReqs::None).set_check_hostname(true);
            },
            true,
        ),
    ];
    for (what, setup, checks) in cases {
        let mut b = client_builder();
        setup(&mut b);
        assert_eq!(b.get_check_hostname(), checks, "{what}");
        let server = exchange_server(&build(&wrong_host_server()));
        let r = SslSocket::connect(&build(&b), &server.localhost());
        match (checks, r) {
            (true, Err(e)) => {
                let code = e.verify_result().map(|r| r.code());
                assert_eq!(code, Some(62), "{what}: {e:?}");
                let _ = server.join();
            }
            (true, Ok(mut s)) => {
                // Mode 0 (None then check on) records the mismatch and goes on.
                assert_eq!(b.get_verify_mode(), 0, "{what}: connected");
                assert_eq!(s.verify_result().code(), 62, "{what}");
                client_exchange(&mut s).unwrap();
                expect_exchanged(server.join());
            }
            (false, Ok(mut s)) => {
                assert_eq!(s.verify_result().code(), 0, "{what}");
                client_exchange(&mut s).unwrap();
                expect_exchanged(server.join());
            }
            (false, Err(e)) => panic!("{what}: {e:?}"),
        }
    }
}

/// A failed verification says which alert this side sent for it.
#[test]
fn a_verification_failure_names_the_alert_sent() {
    // The client's view: (server certificate, verify code, alert sent).
    let cases = [
        (
            "untrusted-server.pem",
            "untrusted-server.key",
            20,
            "unknown_ca",
        ),
        ("self-signed.pem", "self-signed.key", 18, "unknown_ca"),
        (
            "expired-chain.pem",
            "expired.key",
            10,
            "certificate_expired",
        ),
        (
            "wrong-host-chain.pem",
            "wrong-host.key",
            62,
            "bad_certificate",
        ),
    ];
    for v in VERSIONS {
        for (chain, key, code, alert) in cases {
            let mut sb = server_builder(chain, key);
            sb.set_version(v);
            let client = build(&client_builder());
            let e = refused(&build(&sb), &client, Server::localhost, code, alert);
            assert_eq!(
                e.alert_sent().map(|a| a.name()),
                Some(alert),
                "{v} {chain}: {e:?}"
            );
            let text = e.to_string();
            assert!(
                text.contains(&format!("sent alert {alert} (")),
                "{v} {chain}: {text}"
            );
        }
        // The server's view of an untrusted client certificate.
        let mut sb = default_server();
        sb.set_version(v).set_verify_mode(1).unwrap();
        let server = exchange_server(&build(&sb));
        let mut sock = SslSocket::connect(
            &build(&client_with_cert(
                "untrusted-client.pem",
                "untrusted-client.key",
            )),
            &server.localhost(),
        );
        if let Ok(s) = &mut sock {
            // TLS 1.3: the rejection reaches the client on its first read.
            let _ = client_exchange(s);
        }
        let e = expect_server_err(server.join());
        assert_eq!(e.alert_sent(), Some(Alert::UNKNOWN_CA), "{v}: {e:?}");
        match &e {
            Error::VerifyFailed { failure } => {
                assert_eq!(failure.alert_sent, Some(Alert::UNKNOWN_CA), "{v}")
            }
            other => panic!("{v}: {other:?}"),
        }
    }
}
