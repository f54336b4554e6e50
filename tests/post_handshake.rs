//! Client certificates after the handshake: TLS 1.3 post-handshake auth and
//! TLS 1.2 renegotiation, over real loopback handshakes.

use std::io::Read;
use std::thread;
use std::time::Duration;

mod common;

use common::{
    assert_alert, build, client_builder, client_with_cert, listener as server, Server, T, VERSIONS,
};
use sslsocket::openssl::x509::X509;
use sslsocket::{
    Error, PostHandshakeError, SslConfig, SslListener, SslSocket, TlsVersion, VerifyMode,
};

/// A client with `client_cert` ("client", "untrusted-client", or None).
fn client(client_cert: Option<&str>, pha: Option<bool>) -> SslConfig {
    let mut b = match client_cert {
        Some(c) => client_with_cert(&format!("{c}.pem"), &format!("{c}.key")),
        None => client_builder(),
    };
    if let Some(p) = pha {
        b.set_post_handshake_auth(p);
    }
    build(&b)
}

/// `localhost:PORT` of a listener.
fn localhost(l: &SslListener) -> String {
    format!("localhost:{}", l.local_addr().unwrap().port())
}

/// The thread of an [`echo_client`]: everything it read, or its error.
type Echoed = thread::JoinHandle<Result<Vec<u8>, Error>>;

/// Runs a client that reads (answering the request) and echoes until EOF.
fn echo_client(addr: String, config: SslConfig) -> Echoed {
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

/// The server socket of an [`echo_client`] made from `config`, accepted on `l`.
fn accept_echo(l: &SslListener, config: SslConfig) -> (SslSocket, Echoed) {
    let c = echo_client(localhost(l), config);
    let (s, _) = l.accept().unwrap();
    (s, c)
}

/// Sends close_notify and returns what the echo client read.
fn close(mut s: SslSocket, c: Echoed) -> Result<Vec<u8>, Error> {
    s.shutdown().unwrap();
    drop(s);
    c.join().unwrap()
}

/// Sends `data`, reads the echo of it, then [`close`]s.
fn echo_and_close(mut s: SslSocket, c: Echoed, data: &[u8]) -> Result<Vec<u8>, Error> {
    s.send_all(data).unwrap();
    let mut back = vec![0u8; data.len()];
    s.read_exact(&mut back).unwrap();
    assert_eq!(back, data, "the echo");
    close(s, c)
}

fn subject(c: &X509) -> String {
    sslsocket::name_to_string(c.subject_name())
}

#[test]
fn tls13_mode9_trusted_certificate_after_handshake() {
    let (mut s, c) = accept_echo(&server(9, TlsVersion::Tls1_3), client(Some("client"), None));
    assert!(
        s.peer_certificate().is_none(),
        "mode 9 must not ask in the handshake"
    );
    let got = s.request_client_certificate(T).unwrap();
    let got = got.expect("the client has a certificate");
    assert_eq!(subject(&got), "CN=sslsocket test client");
    assert_eq!(s.verify_result().code(), 0);
    assert!(s.peer_verification().is_verified());
    assert_eq!(echo_and_close(s, c, b"ping").unwrap(), b"ping");
}

/// What the server's one call returned, and what the client saw.
fn one_call(
    mode: i32,
    version: TlsVersion,
    client_cert: Option<&str>,
) -> (Result<Option<String>, Error>, Result<Vec<u8>, Error>) {
    // A client without a certificate offers post-handshake auth only when told to.
    let pha = client_cert.is_none().then_some(true);
    let (mut s, c) = accept_echo(&server(mode, version), client(client_cert, pha));
    let r = s
        .request_client_certificate(T)
        .map(|c| c.as_ref().map(subject));
    if r.is_ok() {
        return (r, echo_and_close(s, c, b"after"));
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
        assert_alert(&ce, "unknown_ca");

        // No certificate: allowed by 9, refused by 11 (FAIL_IF_NO_PEER_CERT).
        let (r, c) = one_call(mode, TlsVersion::Tls1_3, None);
        if mode == 9 {
            assert_eq!(r.unwrap(), None);
            assert_eq!(c.unwrap(), b"after");
        } else {
            assert!(matches!(r, Err(Error::PeerCertificateRequired)), "{r:?}");
            let ce = c.unwrap_err();
            assert_alert(&ce, "certificate_required");
        }
    }
}

#[test]
fn tls12_renegotiation_asks_again() {
    // Mode 0 during the handshake; the application decides later.
    let (mut s, c) = accept_echo(&server(0, TlsVersion::Tls1_2), client(Some("client"), None));
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
    assert_eq!(subject(&got), "CN=sslsocket test client");
    assert!(s.peer_verification().is_verified());
    assert_eq!(s.version(), "TLSv1.2");
    assert_eq!(echo_and_close(s, c, b"ok").unwrap(), b"ok");
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
        let (mut s, c) = accept_echo(&server(0, TlsVersion::Tls1_2), client(Some(cert), None));
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
    let (mut s, c) = accept_echo(&server(0, TlsVersion::Tls1_2), client(None, None));
    s.set_verify_mode(3).unwrap();
    let e = s.request_client_certificate(T).unwrap_err();
    assert!(matches!(e, Error::PeerCertificateRequired), "{e:?}");
    drop(s);
    let ce = c.join().unwrap().unwrap_err();
    assert_alert(&ce, "handshake_failure");
}

#[test]
fn client_once_sends_no_second_request() {
    for version in VERSIONS {
        let (mut s, c) = accept_echo(&server(5, version), client(Some("client"), None));
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
        assert_eq!(echo_and_close(s, c, b"x").unwrap(), b"x");
    }
}

#[test]
fn refusals_are_specific() {
    // A client that did not offer post-handshake auth.
    let l = server(9, TlsVersion::Tls1_3);
    let (mut s, c) = accept_echo(&l, client(Some("client"), Some(false)));
    let e = s.request_client_certificate(T).unwrap_err();
    assert!(
        matches!(e, Error::PostHandshake(PostHandshakeError::NotOffered)),
        "{e:?}"
    );
    assert!(e.to_string().contains("did not offer"), "{e}");
    close(s, c).unwrap();

    // A request while one is pending.
    let (mut s, c) = accept_echo(&l, client(Some("client"), None));
    s.verify_client_post_handshake().unwrap();
    let e = s.verify_client_post_handshake().unwrap_err();
    assert!(
        matches!(e, Error::PostHandshake(PostHandshakeError::RequestPending)),
        "{e:?}"
    );
    // OpenSSL refuses SSL_shutdown while the request is queued; shutdown()
    // sends the request first, then close_notify.
    let _ = close(s, c);

    // On a client socket.
    let srv = Server::serve(l, |s| {
        let _ = s.read(&mut [0u8; 1]);
    });
    let mut cs = SslSocket::connect(&client(Some("client"), None), &srv.localhost()).unwrap();
    let e = cs.verify_client_post_handshake().unwrap_err();
    assert!(
        matches!(e, Error::PostHandshake(PostHandshakeError::NotServer)),
        "{e:?}"
    );
    cs.shutdown().unwrap();
    drop(cs);
    srv.join().unwrap();

    // Low level on TLS 1.2.
    let (mut s, c) = accept_echo(&server(1, TlsVersion::Tls1_2), client(Some("client"), None));
    let e = s.verify_client_post_handshake().unwrap_err();
    assert!(
        matches!(
            e,
            Error::PostHandshake(PostHandshakeError::NotTls13 { version: "TLSv1.2" })
        ),
        "{e:?}"
    );
    close(s, c).unwrap();
}

/// The server socket, accepted on `l`, of a client with a certificate that
/// sends `payload` in writes of `chunk` bytes before reading anything (so it
/// answers a request only once it reads), then reads `done` and closes.
fn accept_sender(
    l: &SslListener,
    payload: &[u8],
    chunk: usize,
) -> (SslSocket, thread::JoinHandle<Result<(), Error>>) {
    let config = client(Some("client"), None);
    let addr = localhost(l);
    let sent = payload.to_vec();
    let c = thread::spawn(move || -> Result<(), Error> {
        let mut s = SslSocket::connect(&config, &addr)?;
        for piece in sent.chunks(chunk) {
            s.send_all(piece)?;
        }
        let got = common::recv_exact(&mut s, 4)?;
        assert_eq!(got, b"done");
        s.shutdown()
    });
    let (s, _) = l.accept().unwrap();
    (s, c)
}

#[test]
fn data_sent_during_the_exchange_is_kept_in_order() {
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        // Writing while the request arrives.
        let (mut s, c) = accept_sender(&server(9, version), &payload, 1000);
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

/// The error of a 200 ms certificate request on `l` to a client with a
/// certificate that connects and then says nothing (for up to 5 s).
fn request_to_a_silent_client(l: &SslListener) -> Error {
    let config = client(Some("client"), None);
    let addr = localhost(l);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let c = thread::spawn(move || {
        let s = SslSocket::connect(&config, &addr).unwrap();
        let _ = rx.recv_timeout(Duration::from_secs(5));
        drop(s);
    });
    let (mut s, _) = l.accept().unwrap();
    let e = s
        .request_client_certificate(Some(Duration::from_millis(200)))
        .unwrap_err();
    tx.send(()).unwrap();
    c.join().unwrap();
    e
}

#[test]
fn silent_client_times_out() {
    let e = request_to_a_silent_client(&server(9, TlsVersion::Tls1_3));
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
        let payload: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
        let l = common::bind(&b.build().unwrap());
        let (mut s, c) = accept_sender(&l, &payload, payload.len());
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
        // Beyond the limit: at most one record decrypted inside OpenSSL and
        // one record (and the next header) read ahead by the socket.
        assert!(
            s.pending() <= LIMIT + 16 * 1024 + (16 * 1024 + 256 + 10),
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
        let (mut s, c) = accept_echo(&server(9, version), client(Some("client"), None));
        let got = s.request_client_certificate(Some(Duration::MAX)).unwrap();
        assert!(got.is_some(), "{version}");
        assert_eq!(close(s, c).unwrap(), b"", "{version}");
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
        let l = common::bind(&b.build().unwrap());
        let (mut s, c) = accept_echo(&l, client(Some("client"), None));
        let got = s.request_client_certificate(T).unwrap();
        assert!(got.is_some(), "{version}");
        close(s, c).unwrap();
    }
}

/// A second TLS 1.2 request while the first is unanswered is refused
/// (OpenSSL would send a second HelloRequest), and the first still
/// completes when the client reads.
#[test]
fn one_renegotiation_at_a_time() {
    let l = server(9, TlsVersion::Tls1_2);
    let addr = localhost(&l);
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
    let e = request_to_a_silent_client(&common::bind(&b.build().unwrap()));
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
}
