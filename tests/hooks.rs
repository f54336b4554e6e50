//! Hooks into the handshake, SNI, ALPN, security status and sockets from
//! elsewhere, each over real loopback handshakes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

mod common;

use common::{cert, client_builder, server_builder};
use sslsocket::{
    Error, HandshakeEvent, Identity, Role, SniDecision, SslConfig, SslListener, SslSocket,
    TlsVersion, VerifyMode,
};

const T: Option<Duration> = Some(common::TIMEOUT);

/// Serves one connection: echoes what it reads until EOF; returns the
/// handshake result and the server-side socket's observations.
fn serve_one<T: Send + 'static>(
    config: SslConfig,
    f: impl FnOnce(&mut SslSocket) -> T + Send + 'static,
) -> (String, thread::JoinHandle<Result<T, Error>>) {
    let l = SslListener::bind("127.0.0.1:0", &config).unwrap();
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let h = thread::spawn(move || {
        let (mut s, _) = l.accept()?;
        let out = f(&mut s);
        let mut b = [0u8; 1024];
        while let Ok(n) = s.recv(&mut b) {
            if n == 0 {
                break;
            }
            let _ = s.send_all(&b[..n]);
        }
        Ok(out)
    });
    (addr, h)
}

/// [`serve_one`] with the usual server, doing nothing but echo.
fn serve_default() -> (String, thread::JoinHandle<Result<(), Error>>) {
    serve_one(
        server_builder("server-chain.pem", "server.key")
            .build()
            .unwrap(),
        |_| (),
    )
}

fn ping(s: &mut SslSocket) {
    s.write_all(b"ping").unwrap();
    let mut b = [0u8; 4];
    s.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"ping");
}

#[test]
fn verify_callback_sees_every_certificate_and_can_reject() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let mut c = client_builder();
    c.set_verify_callback(move |check| {
        log.lock()
            .unwrap()
            .push((check.depth(), check.preverify_ok(), check.subject()));
        // Reject the leaf even though OpenSSL accepted it.
        check.depth() != 0
    });
    let (addr, h) = serve_default();
    let e = SslSocket::connect(&c.build().unwrap(), &addr).unwrap_err();
    assert_eq!(
        e.verify_result().map(|r| r.name()),
        Some("X509_V_ERR_APPLICATION_VERIFICATION"),
        "{e:?}"
    );
    let _ = h.join().unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            (2, true, "CN=sslsocket Test Root CA".to_string()),
            (1, true, "CN=sslsocket Test Intermediate CA".to_string()),
            (0, true, "CN=localhost".to_string()),
        ]
    );
}

#[test]
fn bad_certificate_override_keeps_the_original_error() {
    let asked = Arc::new(AtomicUsize::new(0));
    let n = asked.clone();
    let mut c = client_builder();
    c.set_bad_certificate_callback(move |check| {
        n.fetch_add(1, Ordering::SeqCst);
        check.error().name() == "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT"
    });
    let config = c.build().unwrap();
    let mut b = SslConfig::server();
    b.set_certificate_file(cert("self-signed.pem"))
        .set_private_key_file(cert("self-signed.key"));
    let (addr, h) = serve_one(b.build().unwrap(), |_| ());
    let mut s = SslSocket::connect(&config, &addr).unwrap();
    assert_eq!(s.get_verify_mode(), VerifyMode::PEER);
    assert_eq!(
        s.verify_result().code(),
        18,
        "the original error is still reported"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    ping(&mut s);
    drop(s);
    h.join().unwrap().unwrap();

    // The same override refuses an expired certificate: the handshake aborts.
    let (addr, h) = serve_one(
        server_builder("expired-chain.pem", "expired.key")
            .build()
            .unwrap(),
        |_| (),
    );
    let e = SslSocket::connect(&config, &addr).unwrap_err();
    assert_eq!(e.verify_result().map(|r| r.code()), Some(10), "{e:?}");
    let _ = h.join().unwrap();
}

#[test]
fn a_panicking_callback_fails_the_handshake_cleanly() {
    let server = server_builder("server-chain.pem", "server.key")
        .build()
        .unwrap();
    let l = SslListener::bind("127.0.0.1:0", &server).unwrap();
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let h = thread::spawn(move || {
        // Two clients whose callbacks panic, then a good one: the same
        // listener serves it.
        for _ in 0..2 {
            if let Ok((mut s, _)) = l.accept() {
                let mut b = [0u8; 1];
                let _ = s.read(&mut b);
            }
        }
        let (mut s, _) = l.accept().unwrap();
        let mut b = [0u8; 4];
        s.read_exact(&mut b).unwrap();
        s.write_all(&b).unwrap();
    });
    // PEER aborts on the rejection; NONE would carry on, but the panic
    // still fails the handshake.
    for mode in [1, 0] {
        let mut c = client_builder();
        c.set_verify_callback(|_| panic!("boom in verify"))
            .set_verify_mode(mode)
            .unwrap();
        match SslSocket::connect(&c.build().unwrap(), &addr) {
            Err(Error::CallbackPanicked { callback, message }) => {
                assert_eq!(callback, "verify");
                assert!(message.contains("boom"), "{message}");
            }
            other => panic!("mode {mode}: {other:?}"),
        }
    }
    let mut ok = SslSocket::connect(&client_builder().build().unwrap(), &addr).unwrap();
    ping(&mut ok);
    h.join().unwrap();
}

#[test]
fn live_mode_change_keeps_the_verify_callback() {
    let calls = Arc::new(AtomicUsize::new(0));
    let n = calls.clone();
    let mut b = server_builder("server-chain.pem", "server.key");
    b.set_version(TlsVersion::Tls1_3)
        .set_verify_callback(move |check| {
            n.fetch_add(1, Ordering::SeqCst);
            check.preverify_ok()
        });
    let (addr, h) = serve_one(b.build().unwrap(), |s| {
        assert_eq!(s.get_verify_mode(), VerifyMode::NONE);
        s.set_verify_mode(VerifyMode::PEER | VerifyMode::POST_HANDSHAKE)
            .unwrap();
        s.request_client_certificate(T).map(|c| c.is_some())
    });
    let mut c = client_builder();
    c.set_certificate_file(cert("client.pem"))
        .set_private_key_file(cert("client.key"));
    let mut s = SslSocket::connect(&c.build().unwrap(), &addr).unwrap();
    ping(&mut s);
    drop(s);
    assert!(h.join().unwrap().unwrap().unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 2, "client leaf and root");
}

#[test]
fn client_certificate_callback_gets_ca_names_in_and_after_the_handshake() {
    for (mode, version, post) in [
        (3, TlsVersion::Tls1_2, false),
        (3, TlsVersion::Tls1_3, false),
        (9, TlsVersion::Tls1_3, true),
    ] {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let mut c = client_builder();
        c.set_client_certificate_callback(move |req| {
            log.lock()
                .unwrap()
                .push((req.ca_names().to_vec(), req.post_handshake()));
            Some(Identity::from_files(cert("client.pem"), cert("client.key")).unwrap())
        });
        let mut b = server_builder("server-chain.pem", "server.key");
        b.set_version(version).set_verify_mode(mode).unwrap();
        let (addr, h) = serve_one(b.build().unwrap(), move |s| {
            if post {
                s.request_client_certificate(T).unwrap();
            }
            s.peer_subject()
        });
        let mut s = SslSocket::connect(&c.build().unwrap(), &addr).unwrap();
        ping(&mut s);
        drop(s);
        assert_eq!(
            h.join().unwrap().unwrap().as_deref(),
            Some("CN=sslsocket test client"),
            "mode {mode} {version}"
        );
        assert_eq!(
            *requests.lock().unwrap(),
            vec![(vec!["CN=sslsocket Test Root CA".to_string()], post)],
            "mode {mode} {version}"
        );
    }
}

#[test]
fn client_certificate_callback_may_decline() {
    let mut c = client_builder();
    c.set_client_certificate_callback(|_| None);
    let mut b = server_builder("server-chain.pem", "server.key");
    b.set_version(TlsVersion::Tls1_2)
        .set_verify_mode(3)
        .unwrap();
    let (addr, h) = serve_one(b.build().unwrap(), |_| ());
    let e = SslSocket::connect(&c.build().unwrap(), &addr).unwrap_err();
    assert_eq!(
        e.alert().map(|a| a.name()),
        Some("handshake_failure"),
        "{e:?}"
    );
    assert!(matches!(
        h.join().unwrap(),
        Err(Error::PeerCertificateRequired)
    ));
}

#[test]
fn handshake_events_report_renegotiation_and_post_handshake_requests() {
    let client_events = Arc::new(Mutex::new(Vec::new()));
    let log = client_events.clone();
    let mut c = client_builder();
    c.set_certificate_file(cert("client.pem"))
        .set_private_key_file(cert("client.key"))
        .set_handshake_callback(move |e, ssl| {
            assert!(ssl.version_str().starts_with("TLS"));
            log.lock().unwrap().push(*e);
        });
    let client = c.build().unwrap();

    for version in [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        client_events.lock().unwrap().clear();
        let server_events = Arc::new(Mutex::new(Vec::new()));
        let slog = server_events.clone();
        let mut b = server_builder("server-chain.pem", "server.key");
        b.set_version(version)
            .set_verify_mode(9)
            .unwrap()
            .set_handshake_callback(move |e, _| slog.lock().unwrap().push(*e));
        let (addr, h) = serve_one(b.build().unwrap(), |s| {
            s.request_client_certificate(T).map(|c| c.is_some())
        });
        let mut s = SslSocket::connect(&client, &addr).unwrap();
        ping(&mut s);
        drop(s);
        assert!(h.join().unwrap().unwrap().unwrap(), "{version}");
        let got = client_events.lock().unwrap().clone();
        use HandshakeEvent::*;
        let want = if version == TlsVersion::Tls1_2 {
            vec![
                Started {
                    renegotiation: false,
                },
                CertificateRequested {
                    post_handshake: false,
                },
                Completed {
                    renegotiation: false,
                    resumed: false,
                },
                Started {
                    renegotiation: true,
                },
                CertificateRequested {
                    post_handshake: true,
                },
                Completed {
                    renegotiation: true,
                    resumed: false,
                },
            ]
        } else {
            vec![
                Started {
                    renegotiation: false,
                },
                Completed {
                    renegotiation: false,
                    resumed: false,
                },
                CertificateRequested {
                    post_handshake: true,
                },
            ]
        };
        assert_eq!(got, want, "{version}");
        let server_got = server_events.lock().unwrap().clone();
        assert_eq!(
            server_got.first(),
            Some(&Started {
                renegotiation: false
            }),
            "{version}"
        );
        if version == TlsVersion::Tls1_2 {
            // One start and one end for the renegotiation, although OpenSSL
            // reports its HelloRequest as a handshake of its own.
            assert_eq!(
                server_got[1..],
                [
                    Completed {
                        renegotiation: false,
                        resumed: false
                    },
                    Started {
                        renegotiation: true
                    },
                    Completed {
                        renegotiation: true,
                        resumed: false
                    },
                    PostHandshakeAuth { certificate: true }
                ],
                "{server_got:?}"
            );
        }
        assert_eq!(
            server_got.last(),
            Some(&PostHandshakeAuth { certificate: true }),
            "{version}: {server_got:?}"
        );
    }
}

#[test]
fn sni_picks_the_certificate_per_host_name() {
    let other = Identity::from_files(cert("wrong-host-chain.pem"), cert("wrong-host.key")).unwrap();
    let mut b = server_builder("server-chain.pem", "server.key");
    b.set_server_name_callback(move |name| match name {
        "other.example" => SniDecision::Use(other.clone()),
        "localhost" => SniDecision::Default,
        _ => SniDecision::Reject,
    });
    let server = b.build().unwrap();
    let l = SslListener::bind("127.0.0.1:0", &server).unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        let mut names = Vec::new();
        for _ in 0..3 {
            match l.accept() {
                Ok((mut s, _)) => {
                    names.push(Ok(s.servername().map(str::to_owned)));
                    let mut b = [0u8; 4];
                    if s.read_exact(&mut b).is_ok() {
                        let _ = s.write_all(&b);
                    }
                }
                Err(e) => names.push(Err(e.to_string())),
            }
        }
        names
    });
    for (name, subject, chain_len) in [
        ("other.example", "CN=other.example", 2),
        ("localhost", "CN=localhost", 2),
    ] {
        let mut c = client_builder();
        c.set_server_name(Some(name));
        let mut s = SslSocket::connect(&c.build().unwrap(), &format!("127.0.0.1:{port}")).unwrap();
        assert_eq!(s.peer_subject().as_deref(), Some(subject));
        assert_eq!(s.verify_result().code(), 0, "{name}");
        assert_eq!(
            s.peer_cert_chain().len(),
            chain_len,
            "{name}: intermediate sent"
        );
        assert_eq!(s.servername(), Some(name));
        ping(&mut s);
    }
    let mut c = client_builder();
    c.set_server_name(Some("unknown.example"));
    let e = SslSocket::connect(&c.build().unwrap(), &format!("127.0.0.1:{port}")).unwrap_err();
    assert_eq!(
        e.alert().map(|a| a.name()),
        Some("unrecognized_name"),
        "{e:?}"
    );
    let names = h.join().unwrap();
    assert_eq!(names[0], Ok(Some("other.example".into())));
    assert_eq!(names[1], Ok(Some("localhost".into())));
    assert!(names[2].is_err());
}

#[test]
fn alpn_server_preference_callback_and_no_overlap() {
    let cases: [(&[&str], &[&str], Option<&str>); 3] = [
        (&["h2", "http/1.1"], &["http/1.1", "h2"], Some("http/1.1")),
        (&["h2"], &["h2", "http/1.1"], Some("h2")),
        (&["spdy/3"], &["h2"], None),
    ];
    for (offer, serve, want) in cases {
        let mut b = server_builder("server-chain.pem", "server.key");
        b.set_alpn_protocols(serve).unwrap();
        let (addr, h) = serve_one(b.build().unwrap(), |s| s.alpn_protocol());
        let mut c = client_builder();
        c.set_alpn_protocols(offer).unwrap();
        let mut s = SslSocket::connect(&c.build().unwrap(), &addr).unwrap();
        assert_eq!(s.alpn_protocol().as_deref(), want, "{offer:?} vs {serve:?}");
        ping(&mut s);
        drop(s);
        assert_eq!(h.join().unwrap().unwrap().as_deref(), want);
    }
    // A callback chooses the last protocol offered.
    let mut b = server_builder("server-chain.pem", "server.key");
    b.set_alpn_select_callback(|offered| offered.last().map(|p| p.to_string()));
    let (addr, h) = serve_one(b.build().unwrap(), |s| s.alpn_protocol());
    let mut c = client_builder();
    c.set_alpn_protocols(&["a", "b", "c"]).unwrap();
    let mut s = SslSocket::connect(&c.build().unwrap(), &addr).unwrap();
    assert_eq!(s.alpn_protocol().as_deref(), Some("c"));
    ping(&mut s);
    drop(s);
    assert_eq!(h.join().unwrap().unwrap().as_deref(), Some("c"));
    assert!(client_builder().set_alpn_protocols(&[""]).is_err());
}

#[test]
fn security_status_summarises_the_connection() {
    let mut b = server_builder("server-chain.pem", "server.key");
    b.set_version(TlsVersion::Tls1_2)
        .set_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256");
    let (addr, h) = serve_one(b.build().unwrap(), |_| ());
    let mut s = SslSocket::connect(&client_builder().build().unwrap(), &addr).unwrap();
    let st = s.security_status();
    assert!(st.on);
    assert_eq!(st.version, "TLSv1.2");
    assert_eq!(st.cipher, Some("ECDHE-ECDSA-AES128-GCM-SHA256"));
    assert_eq!((st.key_size, st.secret_key_size), (128, 128));
    assert_eq!(st.subject.as_deref(), Some("CN=localhost"));
    assert_eq!(
        st.issuer.as_deref(),
        Some("CN=sslsocket Test Intermediate CA")
    );
    ping(&mut s);
    drop(s);
    h.join().unwrap().unwrap();
}

#[test]
#[allow(deprecated)] // checks the deprecated form too
fn wrap_a_descriptor_in_either_role_and_unwrap_back_to_tcp() {
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    let server = server_builder("server-chain.pem", "server.key")
        .build()
        .unwrap();
    let h = thread::spawn(move || {
        let (conn, _) = tcp.accept().unwrap();
        // The accepting side speaks TLS as the *client* here.
        let fd = std::os::fd::OwnedFd::from(conn);
        let client = client_builder().build().unwrap();
        let mut s = SslSocket::from_fd(&client, Role::Client, fd, Some("localhost")).unwrap();
        assert_eq!(s.role(), Role::Client);
        ping(&mut s);
        let mut plain = s.unwrap().unwrap();
        plain.write_all(b"clear").unwrap();
        let mut b = [0u8; 5];
        plain.read_exact(&mut b).unwrap();
        b
    });
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut s = SslSocket::upgrade(&server, Role::Server, conn, None).unwrap();
    let mut b = [0u8; 4];
    s.read_exact(&mut b).unwrap();
    s.write_all(&b).unwrap();
    let mut plain = s.unwrap().unwrap();
    let mut b = [0u8; 5];
    plain.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"clear");
    plain.write_all(b"plain").unwrap();
    assert_eq!(&h.join().unwrap(), b"plain");
    // The wrong role for the configuration is refused.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let conn = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let e = SslSocket::upgrade(&server, Role::Client, conn, None).unwrap_err();
    assert!(matches!(e, Error::WrongRole(_)), "{e:?}");
}

/// The public key type of the peer's certificate.
fn peer_key_id(s: &SslSocket) -> sslsocket::openssl::pkey::Id {
    s.peer_certificate()
        .expect("a peer certificate")
        .public_key()
        .expect("its public key")
        .id()
}

#[test]
fn an_sni_identity_of_another_key_type_replaces_the_configured_one() {
    use sslsocket::openssl::pkey::Id;
    // An ECDSA server whose virtual host has an RSA certificate: OpenSSL
    // keeps one certificate per key type, so the ECDSA one must not stay.
    let rsa =
        Identity::from_files(cert("rsa/wrong-host-chain.pem"), cert("rsa/wrong-host.key")).unwrap();
    let mut b = server_builder("server-chain.pem", "server.key");
    b.set_server_name_callback(move |name| match name {
        "other.example" => SniDecision::Use(rsa.clone()),
        _ => SniDecision::Default,
    });
    let (addr, h) = serve_one(b.build().unwrap(), |s| s.servername().map(str::to_owned));
    let mut c = SslConfig::client();
    c.set_ca_file(cert("rsa/ca.pem"))
        .set_use_system_ca(false)
        .set_server_name(Some("other.example"))
        .set_read_timeout(T);
    let mut s = SslSocket::connect(&c.build().unwrap(), &addr).unwrap();
    assert_eq!(s.peer_subject().as_deref(), Some("CN=other.example"));
    assert_eq!(peer_key_id(&s), Id::RSA);
    assert_eq!(s.verify_result().code(), 0);
    ping(&mut s);
    drop(s);
    assert_eq!(h.join().unwrap().unwrap().as_deref(), Some("other.example"));
}

#[test]
fn a_client_certificate_of_another_key_type_is_the_one_sent() {
    use sslsocket::openssl::pkey::Id;
    for version in [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        let mut b = server_builder("server-chain.pem", "server.key");
        b.set_ca_file(cert("rsa/ca.pem"))
            .set_version(version)
            .set_verify_mode(VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT)
            .unwrap();
        let (addr, h) = serve_one(b.build().unwrap(), |s| {
            (peer_key_id(s), s.verify_result().code())
        });
        // An ECDSA certificate configured, an RSA one chosen when asked.
        let rsa = Identity::from_files(cert("rsa/client.pem"), cert("rsa/client.key")).unwrap();
        let mut c = common::client_with_cert("client.pem", "client.key");
        c.set_client_certificate_callback(move |_| Some(rsa.clone()));
        let mut s = SslSocket::connect(&c.build().unwrap(), &addr).unwrap();
        ping(&mut s);
        drop(s);
        assert_eq!(h.join().unwrap().unwrap(), (Id::RSA, 0), "{version}");
    }
}

/// A panic payload, or a captured value, whose `Drop` panics too.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if !thread::panicking() {
            panic!("PanicsOnDrop dropped");
        }
    }
}

#[test]
fn a_panic_whose_payload_panics_on_drop_is_still_a_clean_error() {
    let (addr, h) = serve_default();
    let mut c = client_builder();
    c.set_verify_callback(|_| std::panic::panic_any(PanicsOnDrop));
    let config = c.build().unwrap();
    drop(c);
    match SslSocket::connect(&config, &addr) {
        Err(Error::CallbackPanicked { callback, .. }) => assert_eq!(callback, "verify"),
        other => panic!("{other:?}"),
    }
    let _ = h.join().unwrap();
}

#[test]
fn a_hook_whose_captures_panic_on_drop_does_not_abort_when_the_context_goes() {
    let (addr, h) = serve_default();
    let mut c = client_builder();
    let bomb = PanicsOnDrop;
    c.set_verify_callback(move |check| {
        let _ = &bomb;
        check.preverify_ok()
    });
    let config = c.build().unwrap();
    // The builder's copy of the hook goes first, in Rust; the context's copy
    // goes when OpenSSL frees the context, from C.
    let builder_drop = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(c)));
    assert!(
        builder_drop.is_ok(),
        "the builder held a clone, not the last copy"
    );
    let mut s = SslSocket::connect(&config, &addr).unwrap();
    ping(&mut s);
    drop(s);
    drop(config);
    h.join().unwrap().unwrap();
}

#[test]
fn a_hook_panic_during_a_post_handshake_request_is_that_requests_error() {
    use sslsocket::HandshakeEvent::{PostHandshakeAuth, Started};
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let mut b = server_builder("server-chain.pem", "server.key");
        b.set_version(version)
            .set_verify_mode(VerifyMode::PEER | VerifyMode::POST_HANDSHAKE)
            .unwrap()
            .set_handshake_callback(|event, _| match event {
                PostHandshakeAuth { .. } => panic!("boom after the request"),
                Started {
                    renegotiation: true,
                } => panic!("boom in the renegotiation"),
                _ => {}
            });
        let (addr, h) = serve_one(b.build().unwrap(), |s| {
            let mut first = [0u8; 4];
            s.read_exact(&mut first).unwrap();
            let requested = s.request_client_certificate(T);
            // The next, unrelated read is not the one that reports it.
            let mut next = [0u8; 4];
            let read = s.read_exact(&mut next).map(|_| next);
            s.write_all(b"done").unwrap();
            (requested.err().map(|e| e.to_string()), read.ok())
        });
        let c = common::client_with_cert("client.pem", "client.key");
        let mut s = SslSocket::connect(&c.build().unwrap(), &addr).unwrap();
        s.write_all(b"1111").unwrap();
        s.write_all(b"2222").unwrap();
        let mut done = [0u8; 4];
        s.read_exact(&mut done).unwrap();
        drop(s);
        let (requested, read) = h.join().unwrap().unwrap();
        let requested = requested.unwrap_or_else(|| panic!("{version}: the request succeeded"));
        assert!(
            requested.contains("the handshake callback panicked: boom"),
            "{version}: {requested}"
        );
        assert_eq!(read, Some(*b"2222"), "{version}");
    }
}

#[test]
fn a_panic_in_the_alpn_callback_is_reported_as_a_panic() {
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let mut b = server_builder("server-chain.pem", "server.key");
        b.set_version(version)
            .set_alpn_select_callback(|_| panic!("boom in ALPN"));
        let l = SslListener::bind("127.0.0.1:0", &b.build().unwrap()).unwrap();
        let addr = format!("localhost:{}", l.local_addr().unwrap().port());
        let h = thread::spawn(move || l.accept().map(|_| ()));
        let mut c = client_builder();
        c.set_alpn_protocols(&["h2"]).unwrap();
        let client = SslSocket::connect(&c.build().unwrap(), &addr).map(|_| ());
        let server = h.join().unwrap();
        match server {
            Err(Error::CallbackPanicked { callback, message }) => {
                assert_eq!(callback, "ALPN", "{version}");
                assert!(message.contains("boom in ALPN"), "{version}: {message}");
            }
            other => panic!("{version}: server: {other:?}"),
        }
        // The client is told with an alert; the cause is the server's to report.
        let client = client.unwrap_err();
        assert_eq!(
            client.alert().map(|a| a.name()),
            Some("no_application_protocol"),
            "{version}: {client:?}"
        );
        assert!(
            client.to_string().contains("or its selection failed"),
            "{version}: {client}"
        );
    }
}
