//! Client certificates after the handshake: TLS 1.3 post-handshake auth and
//! TLS 1.2 renegotiation, over real loopback handshakes.

use std::io::Read;
use std::thread;
use std::time::Duration;

mod common;

use common::{cert, listener as server, T};
use sslsocket::{Error, PostHandshakeError, SslConfig, SslSocket, TlsVersion, VerifyMode};

/// A client with `client_cert` ("client", "untrusted-client", or None).
fn client(client_cert: Option<&str>, pha: Option<bool>) -> SslConfig {
    let mut b = SslConfig::client();
    b.set_ca_file(cert("ca.pem")).set_read_timeout(T);
    if let Some(c) = client_cert {
        b.set_certificate_file(cert(&format!("{c}.pem")))
            .set_private_key_file(cert(&format!("{c}.key")));
    }
    if let Some(p) = pha {
        b.set_post_handshake_auth(p);
    }
    b.build().unwrap()
}

/// Runs a client that reads (answering the request) and echoes until EOF.
fn echo_client(addr: String, config: SslConfig) -> thread::JoinHandle<Result<Vec<u8>, Error>> {
    thread::spawn(move || {
        let mut s = SslSocket::connect(&config, &addr)?;
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let n = s.recv(&mut buf)?;
            if n == 0 {
                return Ok(got);
            }
            got.extend_from_slice(&buf[..n]);
            s.send_all(&buf[..n])?;
        }
    })
}

#[test]
fn tls13_mode9_trusted_certificate_after_handshake() {
    let l = server(9, TlsVersion::Tls1_3);
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let c = echo_client(addr, client(Some("client"), None));
    let (mut s, _) = l.accept().unwrap();
    assert!(
        s.peer_certificate().is_none(),
        "mode 9 must not ask in the handshake"
    );
    let got = s.request_client_certificate(T).unwrap();
    let got = got.expect("the client has a certificate");
    assert_eq!(
        sslsocket::name_to_string(got.subject_name()),
        "CN=sslsocket test client"
    );
    assert_eq!(s.verify_result().code(), 0);
    assert!(s.peer_verification().is_verified());
    s.send_all(b"ping").unwrap();
    let mut buf = [0u8; 4];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    s.shutdown().unwrap();
    assert_eq!(c.join().unwrap().unwrap(), b"ping");
}

/// What the server's one call returned, and what the client saw.
fn one_call(
    mode: i32,
    version: TlsVersion,
    client_cert: Option<&str>,
) -> (Result<Option<String>, Error>, Result<Vec<u8>, Error>) {
    let l = server(mode, version);
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    // A client without a certificate offers post-handshake auth only when told to.
    let pha = client_cert.is_none().then_some(true);
    let c = echo_client(addr, client(client_cert, pha));
    let (mut s, _) = l.accept().unwrap();
    let r = s
        .request_client_certificate(T)
        .map(|c| c.map(|c| sslsocket::name_to_string(c.subject_name())));
    if r.is_ok() {
        s.send_all(b"after").unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"after");
        s.shutdown().unwrap();
    }
    drop(s);
    (r, c.join().unwrap())
}

#[test]
fn tls13_post_handshake_matrix() {
    let client_subject = Some("CN=sslsocket test client".to_string());
    for mode in [9, 11] {
        // Trusted certificate: returned and verified.
        let (r, c) = one_call(mode, TlsVersion::Tls1_3, Some("client"));
        assert_eq!(r.unwrap(), client_subject, "mode {mode}");
        assert_eq!(c.unwrap(), b"after");

        // Untrusted certificate: the server aborts with unknown_ca.
        let (r, c) = one_call(mode, TlsVersion::Tls1_3, Some("untrusted-client"));
        let e = r.unwrap_err();
        assert_eq!(
            e.verify_result().map(|v| v.code()),
            Some(20),
            "mode {mode}: {e:?}"
        );
        let ce = c.unwrap_err();
        assert_eq!(ce.alert().map(|a| a.name()), Some("unknown_ca"), "{ce:?}");

        // No certificate: allowed by 9, refused by 11 (FAIL_IF_NO_PEER_CERT).
        let (r, c) = one_call(mode, TlsVersion::Tls1_3, None);
        if mode == 9 {
            assert_eq!(r.unwrap(), None);
            assert_eq!(c.unwrap(), b"after");
        } else {
            assert!(matches!(r, Err(Error::PeerCertificateRequired)), "{r:?}");
            let ce = c.unwrap_err();
            assert_eq!(
                ce.alert().map(|a| a.name()),
                Some("certificate_required"),
                "{ce:?}"
            );
        }
    }
}

#[test]
fn tls12_renegotiation_asks_again() {
    // Mode 0 during the handshake; the application decides later.
    let l = server(0, TlsVersion::Tls1_2);
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let c = echo_client(addr, client(Some("client"), None));
    let (mut s, _) = l.accept().unwrap();
    assert!(s.peer_certificate().is_none());
    assert!(matches!(
        s.request_client_certificate(T),
        Err(Error::PostHandshake(
            PostHandshakeError::ModeWithoutPeer { .. }
        ))
    ));
    s.set_verify_mode(VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT)
        .unwrap();
    let got = s
        .request_client_certificate(T)
        .unwrap()
        .expect("a certificate");
    assert_eq!(
        sslsocket::name_to_string(got.subject_name()),
        "CN=sslsocket test client"
    );
    assert!(s.peer_verification().is_verified());
    assert_eq!(s.version(), "TLSv1.2");
    s.send_all(b"ok").unwrap();
    let mut buf = [0u8; 2];
    s.read_exact(&mut buf).unwrap();
    s.shutdown().unwrap();
    drop(s);
    assert_eq!(c.join().unwrap().unwrap(), b"ok");
}

#[test]
fn tls12_renegotiation_matrix() {
    // Mode 1: asked in the handshake and again by renegotiation.
    let (r, c) = one_call(1, TlsVersion::Tls1_2, Some("client"));
    assert_eq!(r.unwrap().as_deref(), Some("CN=sslsocket test client"));
    assert_eq!(c.unwrap(), b"after");
    let (r, c) = one_call(1, TlsVersion::Tls1_2, None);
    assert_eq!(r.unwrap(), None);
    assert_eq!(c.unwrap(), b"after");
    // Mode 1 with an untrusted certificate fails already in the handshake,
    // so start from mode 0 and ask by renegotiation.
    for (cert, code) in [("untrusted-client", 20), ("expired-client", 10)] {
        let l = server(0, TlsVersion::Tls1_2);
        let addr = format!("localhost:{}", l.local_addr().unwrap().port());
        let c = echo_client(addr, client(Some(cert), None));
        let (mut s, _) = l.accept().unwrap();
        s.set_verify_mode(1).unwrap();
        let e = s.request_client_certificate(T).unwrap_err();
        assert_eq!(
            e.verify_result().map(|v| v.code()),
            Some(code),
            "{cert}: {e:?}"
        );
        drop(s);
        let ce = c.join().unwrap().unwrap_err();
        assert!(ce.alert().is_some(), "{cert}: {ce:?}");
    }
    // Mode 3 and no certificate: the handshake already fails; from mode 0,
    // renegotiating with mode 3 refuses the client.
    let l = server(0, TlsVersion::Tls1_2);
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let c = echo_client(addr, client(None, None));
    let (mut s, _) = l.accept().unwrap();
    s.set_verify_mode(3).unwrap();
    let e = s.request_client_certificate(T).unwrap_err();
    assert!(matches!(e, Error::PeerCertificateRequired), "{e:?}");
    drop(s);
    let ce = c.join().unwrap().unwrap_err();
    assert_eq!(
        ce.alert().map(|a| a.name()),
        Some("handshake_failure"),
        "{ce:?}"
    );
}

#[test]
fn client_once_sends_no_second_request() {
    for version in [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        let l = server(5, version);
        let addr = format!("localhost:{}", l.local_addr().unwrap().port());
        let c = echo_client(addr, client(Some("client"), None));
        let (mut s, _) = l.accept().unwrap();
        assert!(
            s.peer_certificate().is_some(),
            "{version}: asked in the handshake"
        );
        let e = s.request_client_certificate(T).unwrap_err();
        assert!(
            matches!(
                e,
                Error::PostHandshake(PostHandshakeError::AlreadyRequested)
            ),
            "{version}: {e:?}"
        );
        if version == TlsVersion::Tls1_3 {
            // OpenSSL itself refuses the low-level request under CLIENT_ONCE.
            let e = s.verify_client_post_handshake().unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::PostHandshake(PostHandshakeError::AlreadyRequested)
                ),
                "{e:?}"
            );
        }
        // The connection is unaffected.
        s.send_all(b"x").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
        s.shutdown().unwrap();
        drop(s);
        assert_eq!(c.join().unwrap().unwrap(), b"x");
    }
}

#[test]
fn refusals_are_specific() {
    // A client that did not offer post-handshake auth.
    let l = server(9, TlsVersion::Tls1_3);
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let c = echo_client(addr.clone(), client(Some("client"), Some(false)));
    let (mut s, _) = l.accept().unwrap();
    let e = s.request_client_certificate(T).unwrap_err();
    assert!(
        matches!(e, Error::PostHandshake(PostHandshakeError::NotOffered)),
        "{e:?}"
    );
    assert!(e.to_string().contains("did not offer"), "{e}");
    s.shutdown().unwrap();
    drop(s);
    c.join().unwrap().unwrap();

    // A request while one is pending.
    let c = echo_client(addr.clone(), client(Some("client"), None));
    let (mut s, _) = l.accept().unwrap();
    s.verify_client_post_handshake().unwrap();
    let e = s.verify_client_post_handshake().unwrap_err();
    assert!(
        matches!(e, Error::PostHandshake(PostHandshakeError::RequestPending)),
        "{e:?}"
    );
    // OpenSSL refuses SSL_shutdown while the request is queued; shutdown()
    // sends the request first, then close_notify.
    s.shutdown().unwrap();
    drop(s);
    let _ = c.join().unwrap();

    // On a client socket.
    let c = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut b = [0u8; 1];
        let _ = s.read(&mut b);
    });
    let mut cs = SslSocket::connect(&client(Some("client"), None), &addr).unwrap();
    let e = cs.verify_client_post_handshake().unwrap_err();
    assert!(
        matches!(e, Error::PostHandshake(PostHandshakeError::NotServer)),
        "{e:?}"
    );
    cs.shutdown().unwrap();
    drop(cs);
    c.join().unwrap();

    // Low level on TLS 1.2.
    let l = server(1, TlsVersion::Tls1_2);
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let c = echo_client(addr, client(Some("client"), None));
    let (mut s, _) = l.accept().unwrap();
    let e = s.verify_client_post_handshake().unwrap_err();
    assert!(
        matches!(
            e,
            Error::PostHandshake(PostHandshakeError::NotTls13 { version: "TLSv1.2" })
        ),
        "{e:?}"
    );
    s.shutdown().unwrap();
    drop(s);
    c.join().unwrap().unwrap();
}

#[test]
fn data_sent_during_the_exchange_is_kept_in_order() {
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let l = server(9, version);
        let addr = format!("localhost:{}", l.local_addr().unwrap().port());
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let sent = payload.clone();
        let config = client(Some("client"), None);
        let c = thread::spawn(move || -> Result<(), Error> {
            let mut s = SslSocket::connect(&config, &addr)?;
            // Writing while the request arrives; the answer goes out once it reads.
            for chunk in sent.chunks(1000) {
                s.send_all(chunk)?;
            }
            let mut b = [0u8; 4];
            s.read_exact(&mut b).map_err(|e| Error::Io {
                during: sslsocket::Operation::Read,
                source: e,
            })?;
            assert_eq!(&b, b"done");
            s.shutdown()
        });
        let (mut s, _) = l.accept().unwrap();
        // Let some of the data arrive before the request goes out.
        thread::sleep(Duration::from_millis(20));
        let got = s.request_client_certificate(T).unwrap();
        assert!(got.is_some(), "{version}");
        let mut all = vec![0u8; payload.len()];
        s.read_exact(&mut all).unwrap();
        assert!(all == payload, "{version}: data reordered or lost");
        s.send_all(b"done").unwrap();
        c.join().unwrap().unwrap();
    }
}

/// A client with a certificate that connects and then says nothing until
/// told (or 5 s).
fn silent_client(addr: String) -> (std::sync::mpsc::Sender<()>, thread::JoinHandle<()>) {
    let config = client(Some("client"), None);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let c = thread::spawn(move || {
        let s = SslSocket::connect(&config, &addr).unwrap();
        let _ = rx.recv_timeout(Duration::from_secs(5));
        drop(s);
    });
    (tx, c)
}

#[test]
fn silent_client_times_out() {
    let l = server(9, TlsVersion::Tls1_3);
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let (tx, c) = silent_client(addr);
    let (mut s, _) = l.accept().unwrap();
    let e = s
        .request_client_certificate(Some(Duration::from_millis(200)))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                operation: sslsocket::Operation::PostHandshakeAuth,
                ..
            }
        ),
        "{e:?}"
    );
    tx.send(()).unwrap();
    c.join().unwrap();
}

/// A client that writes and never answers cannot make the server buffer
/// without limit: the request fails once the configured limit is reached,
/// nothing is lost, and the request stays pending, answered later.
#[test]
fn data_past_the_buffer_limit_fails_the_request_and_nothing_is_lost() {
    const LIMIT: usize = 64 * 1024;
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let mut b = common::default_server();
        b.set_version(version)
            .set_verify_mode(9)
            .unwrap()
            .set_post_handshake_buffer_limit(LIMIT);
        let l = sslsocket::SslListener::bind("127.0.0.1:0", &b.build().unwrap()).unwrap();
        let addr = format!("localhost:{}", l.local_addr().unwrap().port());
        let payload: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
        let sent = payload.clone();
        let config = client(Some("client"), None);
        let c = thread::spawn(move || -> Result<(), Error> {
            let mut s = SslSocket::connect(&config, &addr)?;
            // Writes everything before reading anything: the request is
            // answered only once it reads.
            s.send_all(&sent)?;
            let got = common::recv_exact(&mut s, 4)?;
            assert_eq!(got, b"done");
            s.shutdown()
        });
        let (mut s, _) = l.accept().unwrap();
        let started = std::time::Instant::now();
        let e = s.request_client_certificate(T).unwrap_err();
        assert!(
            matches!(e, Error::PostHandshakeBufferFull { limit: LIMIT }),
            "{version}: {e:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{version}: {:?}",
            started.elapsed()
        );
        assert!(
            s.pending() <= LIMIT + 16 * 1024,
            "{version}: {}",
            s.pending()
        );
        // Everything the client sent is read, in order.
        let mut all = vec![0u8; payload.len()];
        s.read_exact(&mut all).unwrap();
        assert!(all == payload, "{version}: data reordered or lost");
        s.send_all(b"done").unwrap();
        // The client's answer to the request, when it comes, is processed
        // by the reads that follow.
        let mut rest = [0u8; 16];
        assert_eq!(s.recv(&mut rest).unwrap(), 0, "{version}");
        assert_eq!(
            s.peer_subject().as_deref(),
            Some("CN=sslsocket test client"),
            "{version}"
        );
        c.join().unwrap().unwrap();
    }
}

#[test]
fn any_timeout_however_large_is_valid() {
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let l = server(9, version);
        let addr = format!("localhost:{}", l.local_addr().unwrap().port());
        let c = echo_client(addr, client(Some("client"), None));
        let (mut s, _) = l.accept().unwrap();
        let got = s.request_client_certificate(Some(Duration::MAX)).unwrap();
        assert!(got.is_some(), "{version}");
        s.shutdown().unwrap();
        assert_eq!(c.join().unwrap().unwrap(), b"", "{version}");
    }
}

/// A limit of 0 keeps nothing, yet a client that sends no data in the
/// meantime is still asked and answers: handshake records are processed
/// without room for application data.
#[test]
fn a_full_buffer_still_lets_the_answer_through() {
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let mut b = common::default_server();
        b.set_version(version)
            .set_verify_mode(9)
            .unwrap()
            .set_post_handshake_buffer_limit(0);
        let l = sslsocket::SslListener::bind("127.0.0.1:0", &b.build().unwrap()).unwrap();
        let addr = format!("localhost:{}", l.local_addr().unwrap().port());
        let c = echo_client(addr, client(Some("client"), None));
        let (mut s, _) = l.accept().unwrap();
        let got = s.request_client_certificate(T).unwrap();
        assert!(got.is_some(), "{version}");
        s.shutdown().unwrap();
        c.join().unwrap().unwrap();
    }
}

/// A second TLS 1.2 request while the first is unanswered is refused
/// (OpenSSL would send a second HelloRequest), and the first still
/// completes when the client reads.
#[test]
fn one_renegotiation_at_a_time() {
    let l = server(9, TlsVersion::Tls1_2);
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let config = client(Some("client"), None);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let c = thread::spawn(move || -> Result<Vec<u8>, Error> {
        let mut s = SslSocket::connect(&config, &addr)?;
        // Silent until told, then reads (answering) until the server closes.
        let _ = rx.recv_timeout(Duration::from_secs(10));
        let mut all = Vec::new();
        s.read_to_end(&mut all).map_err(|source| Error::Io {
            during: sslsocket::Operation::Read,
            source,
        })?;
        Ok(all)
    });
    let (mut s, _) = l.accept().unwrap();
    let e = s
        .request_client_certificate(Some(Duration::from_millis(200)))
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    let again = s.request_client_certificate(T).unwrap_err();
    assert!(
        matches!(
            again,
            Error::PostHandshake(PostHandshakeError::RequestPending)
        ),
        "{again:?}"
    );
    tx.send(()).unwrap();
    // The client's answer arrives with the next reads.
    let mut b = [0u8; 1];
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while s.peer_certificate().is_none() {
        assert!(std::time::Instant::now() < deadline, "never answered");
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        match s.recv(&mut b) {
            Err(e) if e.is_timeout() => {}
            other => panic!("{other:?}"),
        }
    }
    s.send_all(b"ok").unwrap();
    s.shutdown().unwrap();
    drop(s);
    assert_eq!(c.join().unwrap().unwrap(), b"ok");
}

/// A hook that panics during a request that then fails (times out) is
/// reported by that request, not by a later call.
#[test]
fn a_hook_panic_beats_the_requests_own_failure() {
    let mut b = common::default_server();
    b.set_version(TlsVersion::Tls1_2)
        .set_verify_mode(9)
        .unwrap()
        .set_handshake_callback(|event, _| {
            if matches!(
                event,
                sslsocket::HandshakeEvent::Started {
                    renegotiation: true
                }
            ) {
                panic!("boom while asking");
            }
        });
    let l = sslsocket::SslListener::bind("127.0.0.1:0", &b.build().unwrap()).unwrap();
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let (tx, c) = silent_client(addr);
    let (mut s, _) = l.accept().unwrap();
    let e = s
        .request_client_certificate(Some(Duration::from_millis(200)))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::CallbackPanicked {
                callback: "handshake",
                ..
            }
        ),
        "{e:?}"
    );
    tx.send(()).unwrap();
    c.join().unwrap();
}
