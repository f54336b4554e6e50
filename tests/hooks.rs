//! Hooks into the handshake, SNI, ALPN, security status and sockets from
//! elsewhere, each over real loopback handshakes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

mod common;

use common::{
    assert_alert, build, cert, client_builder, default_server, echo, expect_server_err,
    server_builder, Log, Server, T, VERSIONS,
};
use sslsocket::{
    Error, HandshakeEvent, Identity, Role, SniDecision, SslConfig, SslSocket, TlsVersion,
    VerifyMode,
};

/// The usual server, doing nothing but echo.
fn echo_server() -> Server<()> {
    Server::start(&build(&default_server()), echo)
}

fn ping(s: &mut SslSocket) {
    s.write_all(b"ping").unwrap();
    let mut b = [0u8; 4];
    s.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"ping");
}

#[test]
fn verify_callback_sees_every_certificate_and_can_reject() {
    let seen = Log::new();
    let log = seen.clone();
    let mut c = client_builder();
    c.set_verify_callback(move |check| {
        log.push((check.depth(), check.preverify_ok(), check.subject()));
        // Reject the leaf even though OpenSSL accepted it.
        check.depth() != 0
    });
    let srv = echo_server();
    let e = SslSocket::connect(&c.build().unwrap(), &srv.localhost()).unwrap_err();
    assert_eq!(
        e.verify_result().map(|r| r.name()),
        Some("X509_V_ERR_APPLICATION_VERIFICATION"),
        "{e:?}"
    );
    let _ = srv.join();
    let seen = seen.items();
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
    let srv = Server::start(
        &build(&server_builder("self-signed.pem", "self-signed.key")),
        echo,
    );
    let mut s = SslSocket::connect(&config, &srv.localhost()).unwrap();
    assert_eq!(s.get_verify_mode(), VerifyMode::PEER);
    assert_eq!(
        s.verify_result().code(),
        18,
        "the original error is still reported"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    ping(&mut s);
    drop(s);
    srv.join().unwrap();

    // The same override refuses an expired certificate: the handshake aborts.
    let srv = Server::start(
        &build(&server_builder("expired-chain.pem", "expired.key")),
        echo,
    );
    let e = SslSocket::connect(&config, &srv.localhost()).unwrap_err();
    assert_eq!(e.verify_result().map(|r| r.code()), Some(10), "{e:?}");
    let _ = srv.join();
}

#[test]
fn a_panicking_callback_fails_the_handshake_cleanly() {
    // Two clients whose callbacks panic, then a good one: the same
    // listener serves it.
    let srv = Server::start_n(&build(&default_server()), 3, echo);
    let addr = srv.localhost();
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
    drop(ok);
    let served = srv.join_all();
    assert!(served[2].is_ok(), "{served:?}");
}

#[test]
fn client_certificate_callback_gets_ca_names_in_and_after_the_handshake() {
    for (mode, version, post) in [
        (3, TlsVersion::Tls1_2, false),
        (3, TlsVersion::Tls1_3, false),
        (9, TlsVersion::Tls1_3, true),
    ] {
        let requests = Log::new();
        let log = requests.clone();
        let mut c = client_builder();
        c.set_client_certificate_callback(move |req| {
            log.push((req.ca_names().to_vec(), req.post_handshake()));
            Some(Identity::from_files(cert("client.pem"), cert("client.key")).unwrap())
        });
        let mut b = default_server();
        b.set_version(version).set_verify_mode(mode).unwrap();
        let srv = Server::start(&build(&b), move |s| {
            if post {
                s.request_client_certificate(T).unwrap();
            }
            echo(s);
            s.peer_subject()
        });
        let mut s = SslSocket::connect(&c.build().unwrap(), &srv.localhost()).unwrap();
        ping(&mut s);
        drop(s);
        let (_, subject) = srv.join().unwrap();
        assert_eq!(
            subject.as_deref(),
            Some("CN=sslsocket test client"),
            "mode {mode} {version}"
        );
        assert_eq!(
            requests.items(),
            vec![(vec!["CN=sslsocket Test Root CA".to_string()], post)],
            "mode {mode} {version}"
        );
    }
}

#[test]
fn client_certificate_callback_may_decline() {
    let mut c = client_builder();
    c.set_client_certificate_callback(|_| None);
    let mut b = default_server();
    b.set_version(TlsVersion::Tls1_2)
        .set_verify_mode(3)
        .unwrap();
    let srv = Server::start(&build(&b), echo);
    let e = SslSocket::connect(&c.build().unwrap(), &srv.localhost()).unwrap_err();
    assert_alert(&e, "handshake_failure");
    assert!(matches!(srv.join(), Err(Error::PeerCertificateRequired)));
}

#[test]
fn handshake_events_report_renegotiation_and_post_handshake_requests() {
    let client_events = Log::new();
    let log = client_events.clone();
    let mut c = client_builder();
    c.set_certificate_file(cert("client.pem"))
        .set_private_key_file(cert("client.key"))
        .set_handshake_callback(move |e, ssl| {
            assert!(ssl.version_str().starts_with("TLS"));
            log.push(*e);
        });
    let client = c.build().unwrap();

    for version in VERSIONS {
        client_events.clear();
        let server_events = Log::new();
        let slog = server_events.clone();
        let mut b = default_server();
        b.set_version(version)
            .set_verify_mode(9)
            .unwrap()
            .set_handshake_callback(move |e, _| slog.push(*e));
        let srv = Server::start(&build(&b), |s| {
            let got = s.request_client_certificate(T).map(|c| c.is_some());
            echo(s);
            got
        });
        let mut s = SslSocket::connect(&client, &srv.localhost()).unwrap();
        ping(&mut s);
        drop(s);
        let (_, got) = srv.join().unwrap();
        assert!(got.unwrap(), "{version}");
        let got = client_events.items();
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
        let server_got = server_events.items();
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
    let mut b = default_server();
    b.set_server_name_callback(move |name| match name {
        "other.example" => SniDecision::Use(other.clone()),
        "localhost" => SniDecision::Default,
        _ => SniDecision::Reject,
    });
    let srv = Server::start_n(&build(&b), 3, echo);
    for (name, subject, chain_len) in [
        ("other.example", "CN=other.example", 2),
        ("localhost", "CN=localhost", 2),
    ] {
        let mut c = client_builder();
        c.set_server_name(Some(name));
        let mut s = SslSocket::connect(&c.build().unwrap(), &srv.ip()).unwrap();
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
    let e = SslSocket::connect(&c.build().unwrap(), &srv.ip()).unwrap_err();
    assert_alert(&e, "unrecognized_name");
    let names: Vec<_> = srv
        .join_all()
        .into_iter()
        .map(|o| {
            o.map(|(seen, ())| seen.servername)
                .map_err(|e| e.to_string())
        })
        .collect();
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
        let mut b = default_server();
        b.set_alpn_protocols(serve).unwrap();
        let srv = Server::start(&build(&b), echo);
        let mut c = client_builder();
        c.set_alpn_protocols(offer).unwrap();
        let mut s = SslSocket::connect(&c.build().unwrap(), &srv.localhost()).unwrap();
        assert_eq!(s.alpn_protocol().as_deref(), want, "{offer:?} vs {serve:?}");
        ping(&mut s);
        drop(s);
        let (seen, ()) = srv.join().unwrap();
        assert_eq!(seen.alpn_protocol.as_deref(), want);
    }
    // A callback chooses the last protocol offered.
    let mut b = default_server();
    b.set_alpn_select_callback(|offered| offered.last().map(|p| p.to_string()));
    let srv = Server::start(&build(&b), echo);
    let mut c = client_builder();
    c.set_alpn_protocols(&["a", "b", "c"]).unwrap();
    let mut s = SslSocket::connect(&c.build().unwrap(), &srv.localhost()).unwrap();
    assert_eq!(s.alpn_protocol().as_deref(), Some("c"));
    ping(&mut s);
    drop(s);
    let (seen, ()) = srv.join().unwrap();
    assert_eq!(seen.alpn_protocol.as_deref(), Some("c"));
    assert!(client_builder().set_alpn_protocols(&[""]).is_err());
}

#[test]
fn security_status_summarises_the_connection() {
    let mut b = default_server();
    b.set_version(TlsVersion::Tls1_2)
        .set_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256");
    let srv = Server::start(&build(&b), echo);
    let mut s = SslSocket::connect(&client_builder().build().unwrap(), &srv.localhost()).unwrap();
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
    srv.join().unwrap();
}

#[test]
#[allow(deprecated)] // checks the deprecated form too
fn wrap_a_descriptor_in_either_role_and_unwrap_back_to_tcp() {
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    let server = default_server().build().unwrap();
    let h = thread::spawn(move || {
        let (conn, _) = tcp.accept().unwrap();
        // The accepting side speaks TLS as the *client* here.
        let fd = std::os::fd::OwnedFd::from(conn);
        let client = client_builder().build().unwrap();
        let mut s = SslSocket::from_fd(&client, Role::Client, fd, Some("localhost")).unwrap();
        assert_eq!(s.role(), Role::Client);
        ping(&mut s);
        let mut plain = s.shutdown_into_inner().unwrap();
        plain.write_all(b"clear").unwrap();
        let mut b = [0u8; 5];
        plain.read_exact(&mut b).unwrap();
        b
    });
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut s = SslSocket::upgrade_server(&server, conn).unwrap();
    let mut b = [0u8; 4];
    s.read_exact(&mut b).unwrap();
    s.write_all(&b).unwrap();
    let mut plain = s.shutdown_into_inner().unwrap();
    let mut b = [0u8; 5];
    plain.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"clear");
    plain.write_all(b"plain").unwrap();
    assert_eq!(&h.join().unwrap(), b"plain");
    // The wrong role for the configuration is refused.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let conn = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let e = SslSocket::upgrade_client(&server, conn, None).unwrap_err();
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
    let mut b = default_server();
    b.set_server_name_callback(move |name| match name {
        "other.example" => SniDecision::Use(rsa.clone()),
        _ => SniDecision::Default,
    });
    let srv = Server::start(&build(&b), echo);
    let mut c = SslConfig::client();
    c.set_ca_file(cert("rsa/ca.pem"))
        .set_use_system_ca(false)
        .set_server_name(Some("other.example"))
        .set_read_timeout(T);
    let mut s = SslSocket::connect(&c.build().unwrap(), &srv.localhost()).unwrap();
    assert_eq!(s.peer_subject().as_deref(), Some("CN=other.example"));
    assert_eq!(peer_key_id(&s), Id::RSA);
    assert_eq!(s.verify_result().code(), 0);
    ping(&mut s);
    drop(s);
    let (seen, ()) = srv.join().unwrap();
    assert_eq!(seen.servername.as_deref(), Some("other.example"));
}

#[test]
fn a_client_certificate_of_another_key_type_is_the_one_sent() {
    use sslsocket::openssl::pkey::Id;
    for version in VERSIONS {
        let mut b = default_server();
        b.set_ca_file(cert("rsa/ca.pem"))
            .set_version(version)
            .set_verify_mode(VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT)
            .unwrap();
        let srv = Server::start(&build(&b), |s| {
            echo(s);
            peer_key_id(s)
        });
        // An ECDSA certificate configured, an RSA one chosen when asked.
        let rsa = Identity::from_files(cert("rsa/client.pem"), cert("rsa/client.key")).unwrap();
        let mut c = common::client_with_cert("client.pem", "client.key");
        c.set_client_certificate_callback(move |_| Some(rsa.clone()));
        let mut s = SslSocket::connect(&c.build().unwrap(), &srv.localhost()).unwrap();
        ping(&mut s);
        drop(s);
        let (seen, key) = srv.join().unwrap();
        assert_eq!((key, seen.verify_result.code()), (Id::RSA, 0), "{version}");
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
    let srv = echo_server();
    let mut c = client_builder();
    c.set_verify_callback(|_| std::panic::panic_any(PanicsOnDrop));
    let config = c.build().unwrap();
    drop(c);
    match SslSocket::connect(&config, &srv.localhost()) {
        Err(Error::CallbackPanicked { callback, .. }) => assert_eq!(callback, "verify"),
        other => panic!("{other:?}"),
    }
    let _ = srv.join();
}

#[test]
fn a_hook_whose_captures_panic_on_drop_does_not_abort_when_the_context_goes() {
    let srv = echo_server();
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
    let mut s = SslSocket::connect(&config, &srv.localhost()).unwrap();
    ping(&mut s);
    drop(s);
    drop(config);
    srv.join().unwrap();
}

#[test]
fn a_hook_panic_during_a_post_handshake_request_is_that_requests_error() {
    use sslsocket::HandshakeEvent::{PostHandshakeAuth, Started};
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let mut b = default_server();
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
        let srv = Server::start(&build(&b), |s| {
            let mut first = [0u8; 4];
            s.read_exact(&mut first).unwrap();
            let requested = s.request_client_certificate(T);
            // The next, unrelated read is not the one that reports it.
            let mut next = [0u8; 4];
            let read = s.read_exact(&mut next).map(|_| next);
            s.write_all(b"done").unwrap();
            echo(s);
            (requested.err().map(|e| e.to_string()), read.ok())
        });
        let c = common::client_with_cert("client.pem", "client.key");
        let mut s = SslSocket::connect(&c.build().unwrap(), &srv.localhost()).unwrap();
        s.write_all(b"1111").unwrap();
        s.write_all(b"2222").unwrap();
        let mut done = [0u8; 4];
        s.read_exact(&mut done).unwrap();
        drop(s);
        let (_, (requested, read)) = srv.join().unwrap();
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
        let mut b = default_server();
        b.set_version(version)
            .set_alpn_select_callback(|_| panic!("boom in ALPN"));
        let srv = Server::start(&build(&b), |_| ());
        let mut c = client_builder();
        c.set_alpn_protocols(&["h2"]).unwrap();
        let client = SslSocket::connect(&c.build().unwrap(), &srv.localhost()).map(|_| ());
        match expect_server_err(srv.join()) {
            Error::CallbackPanicked { callback, message } => {
                assert_eq!(callback, "ALPN", "{version}");
                assert!(message.contains("boom in ALPN"), "{version}: {message}");
            }
            other => panic!("{version}: server: {other:?}"),
        }
        // The client is told with an alert; the cause is the server's to report.
        let client = client.unwrap_err();
        assert_alert(&client, "no_application_protocol");
        assert!(
            client.to_string().contains("or its selection failed"),
            "{version}: {client}"
        );
    }
}

/// A bad-certificate hook that accepts `X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT`
/// (pinning) meets a self-signed certificate issued for another host: it
/// sees 18, accepts it, then 62 (`X509_V_ERR_HOSTNAME_MISMATCH`) and rejects
/// it. The error, `verify_failure()` and `verify_result()` name 62, the
/// failure that aborted the handshake, with the alert sent for it
/// (`bad_certificate`), as `SSL_get_verify_result` does; the accepted 18
/// is reported only while nothing was rejected.
#[test]
fn a_failure_a_hook_accepted_never_stands_for_one_it_rejected() {
    for version in VERSIONS {
        let seen = Log::new();
        let log = seen.clone();
        let mut c = client_builder();
        c.set_version(version)
            .set_bad_certificate_callback(move |check| {
                log.push(check.error().code());
                check.error().code() == 18
            });
        let config = build(&c);
        let srv = Server::start_n(
            &build(&server_builder("self-signed.pem", "self-signed.key")),
            2,
            echo,
        );
        let tcp = TcpStream::connect(srv.addr()).unwrap();
        let mut s = SslSocket::new_client(&config, tcp, Some("other.example")).unwrap();
        let e = s.handshake().unwrap_err();
        assert_eq!(seen.items(), [18, 62], "{version}");
        assert_eq!(
            e.verify_result().map(|r| r.code()),
            Some(62),
            "{version}: {e}"
        );
        assert_eq!(e.alert_sent().map(|a| a.code()), Some(42), "{version}: {e}");
        let text = e.to_string();
        assert!(
            text.contains("X509_V_ERR_HOSTNAME_MISMATCH") && !text.contains("SELF_SIGNED"),
            "{version}: {text}"
        );
        let failure = s.verify_failure().expect("the failure");
        assert_eq!((failure.result.code(), failure.depth), (62, 0), "{version}");
        assert_eq!(s.verify_result().code(), 62, "{version}");
        drop(s);

        // Only the accepted failure: the connection goes on and reports it.
        seen.clear();
        let tcp = TcpStream::connect(srv.addr()).unwrap();
        let mut s = SslSocket::new_client(&config, tcp, Some("localhost")).unwrap();
        s.handshake().unwrap();
        assert_eq!(seen.items(), [18], "{version}");
        assert_eq!(s.verify_failure().map(|f| f.result.code()), Some(18));
        assert_eq!(s.verify_result().code(), 18, "{version}");
        ping(&mut s);
        drop(s);
        let served = srv.join_all();
        assert!(served[0].is_err() && served[1].is_ok(), "{served:?}");
    }
}

/// After a hook accepts a failure, OpenSSL calls back for the same
/// certificate with `preverify_ok = 1` while its own error
/// (`X509_STORE_CTX_get_error`) still holds the accepted failure:
/// `CertCheck::error()` reports `X509_V_OK` there, the certificate's own
/// result, so that `error()` is never a failure when `preverify_ok()` is true.
#[test]
fn a_certificate_that_passed_reports_no_error_after_an_override() {
    let seen = Log::new();
    let log = seen.clone();
    let mut c = client_builder();
    c.set_verify_callback(move |check| {
        log.push((check.depth(), check.preverify_ok(), check.error().code()));
        check.preverify_ok()
    })
    .set_bad_certificate_callback(|check| check.error().code() == 18);
    let srv = Server::start(
        &build(&server_builder("self-signed.pem", "self-signed.key")),
        echo,
    );
    let mut s = SslSocket::connect(&build(&c), &srv.localhost()).unwrap();
    assert_eq!(s.verify_result().code(), 18);
    ping(&mut s);
    drop(s);
    srv.join().unwrap();
    assert_eq!(seen.items(), [(0, false, 18), (0, true, 0)]);
}
