//! Post-handshake certificates, sessions, SNI and the client-certificate
//! callback, with the `openssl s_server` / `s_client` programs as the peer.

mod common;

use common::openssl_cli;
use std::io::{Read, Write};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{
    assert_alert, bind, build, client_offering as our_client, default_server,
    listener as our_server, read_line, Log, Serve, Server, T,
};
use openssl_cli::{cert, Output, SClient, SServer};
use sslsocket::{
    Error, HandshakeEvent, Identity, PostHandshakeError, SniDecision, SslListener, SslSocket,
    TlsVersion,
};

fn s_server(version: &str, extra: &[&str]) -> SServer {
    let ca = cert("ca.pem");
    let mut args = vec!["-naccept", "1", version, "-CAfile", &ca];
    args.extend_from_slice(extra);
    SServer::localhost(&args)
}

/// Whether s_server printed that it verified our client's certificate.
fn saw_our_certificate(out: &Output) -> bool {
    out.mentions("depth=0 CN = sslsocket test client")
}

/// Our client answers `s_server`'s certificate request: `c` (TLS 1.3
/// post-handshake auth, the client must have enabled it) and `R` (TLS 1.2
/// renegotiation asking for a certificate).
///
/// OpenSSL surprise: `R` lets the client resume its session in the
/// renegotiation, and a resumed handshake sends no CertificateRequest, so
/// s_server needs `-no_ticket -no_cache` to really get a certificate (our
/// server sets `SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION` instead).
#[test]
fn our_client_answers_s_server_requests() {
    let cases: [(&str, &str, &[&str]); 2] = [
        ("-tls1_3", "c", &[]),
        ("-tls1_2", "R", &["-no_ticket", "-no_cache"]),
    ];
    for (version, command, extra) in cases {
        let post_handshake = true;
        let events = Log::new();
        let log = events.clone();
        let mut c = our_client(true);
        c.set_handshake_callback(move |e, _| log.push(*e));
        let mut server = s_server(version, extra);
        let mut s = SslSocket::connect(&c.build().unwrap(), &server.addr()).unwrap();
        assert!(s.peer_certificate().is_some());
        server.type_line(command);
        server.type_line("hello");
        assert_eq!(read_line(&mut s).unwrap(), "hello\n", "{version}");
        s.close().unwrap();
        let out = server.finish();
        assert!(saw_our_certificate(&out), "{version}\n{}", out.dump());
        let got = events.items();
        assert!(
            got.contains(&HandshakeEvent::CertificateRequested { post_handshake }),
            "{version}: {got:?}"
        );
    }
}

/// `c` without post-handshake auth enabled by the client: s_server's request
/// fails ("Failed to initiate request") and the connection goes on.
#[test]
fn s_server_cannot_ask_a_client_that_did_not_offer() {
    let mut c = our_client(true);
    c.set_post_handshake_auth(false);
    let mut server = s_server("-tls1_3", &[]);
    let mut s = SslSocket::connect(&c.build().unwrap(), &server.addr()).unwrap();
    server.type_line("c");
    server.type_line("still here");
    assert_eq!(read_line(&mut s).unwrap(), "still here\n");
    s.close().unwrap();
    let out = server.finish();
    assert!(out.mentions("extension not received"), "{}", out.dump());
    assert!(!saw_our_certificate(&out), "{}", out.dump());
}

/// Serves one connection, kept open until s_client has seen the reply and
/// the close: sets `set_mode_after`, asks for a client certificate, answers
/// `answered`; hands back the subject of the certificate it got.
fn serve_request(
    l: SslListener,
    set_mode_after: Option<i32>,
) -> Server<Result<Option<String>, Error>> {
    Server::with(l, Serve::connections(1).lingering(), move |s| {
        if let Some(mode) = set_mode_after {
            s.set_verify_mode(mode)?;
        }
        let got = s.request_client_certificate(T);
        let _ = s.write_all(b"answered\n");
        let _ = s.shutdown();
        got.map(|c| c.map(|c| sslsocket::name_to_string(c.subject_name())))
    })
}

/// `openssl s_client -enable_pha` against our server asking after the
/// handshake (TLS 1.3), and against our TLS 1.2 renegotiation.
#[test]
fn s_client_answers_our_request() {
    let cases = [
        (TlsVersion::Tls1_3, "-tls1_3", 9, None, vec!["-enable_pha"]),
        (TlsVersion::Tls1_2, "-tls1_2", 0, Some(1), vec![]),
    ];
    for (version, flag, mode, later, extra) in cases {
        let srv = serve_request(our_server(mode, version), later);
        let (c, k, ca) = (cert("client.pem"), cert("client.key"), cert("ca.pem"));
        let mut args = vec![flag, "-cert", &c, "-key", &k, "-CAfile", &ca];
        args.extend(extra.iter().copied());
        let client = SClient::start(srv.port(), &args, b"");
        let (_, got) = srv.join().unwrap();
        let out = client.finish();
        assert_eq!(
            got.unwrap().as_deref(),
            Some("CN=sslsocket test client"),
            "{version}\n{}",
            out.dump()
        );
        assert!(out.mentions("answered"), "{version}\n{}", out.dump());
    }
}

#[test]
fn s_client_without_enable_pha_is_refused_clearly() {
    let srv = serve_request(our_server(9, TlsVersion::Tls1_3), None);
    let (c, k) = (cert("client.pem"), cert("client.key"));
    let client = SClient::start(srv.port(), &["-tls1_3", "-cert", &c, "-key", &k], b"");
    let (_, got) = srv.join().unwrap();
    let out = client.finish();
    assert!(
        matches!(
            got,
            Err(Error::PostHandshake(PostHandshakeError::NotOffered))
        ),
        "{got:?}"
    );
    assert!(out.mentions("answered"), "{}", out.dump());
}

/// Resumption with `s_client -sess_out` / `-sess_in` against our server.
#[test]
fn s_client_resumes_with_our_server() {
    for (version, flag) in [
        (TlsVersion::Tls1_3, "-tls1_3"),
        (TlsVersion::Tls1_2, "-tls1_2"),
    ] {
        let how = Serve::connections(2).lingering();
        let srv = Server::with(our_server(0, version), how, |s| {
            let mut b = [0u8; 3];
            s.read_exact(&mut b).unwrap();
            s.write_all(b"pong\n").unwrap();
            let _ = s.shutdown();
        });
        let port = srv.port();
        let sess = std::env::temp_dir().join(format!(
            "sslsocket-sess-{}-{}.pem",
            std::process::id(),
            flag
        ));
        let sess = sess.to_str().unwrap().to_string();
        let ca = cert("ca.pem");
        let first =
            SClient::start(port, &[flag, "-CAfile", &ca, "-sess_out", &sess], b"hi\n").finish();
        let second =
            SClient::start(port, &[flag, "-CAfile", &ca, "-sess_in", &sess], b"hi\n").finish();
        let _ = std::fs::remove_file(&sess);
        let reused: Vec<_> = srv
            .join_ok()
            .into_iter()
            .map(|(seen, ())| seen.session_reused)
            .collect();
        assert_eq!(reused, [false, true], "{version}");
        assert!(first.mentions("New, TLSv1"), "{}", first.dump());
        assert!(second.mentions("Reused, TLSv1"), "{}", second.dump());
    }
}

/// Our client resumes with `openssl s_server`.
#[test]
fn our_client_resumes_with_s_server() {
    for flag in ["-tls1_3", "-tls1_2"] {
        let server = s_server(flag, &["-naccept", "2", "-rev"]);
        let config = our_client(false).build().unwrap();
        let mut reused = Vec::new();
        for _ in 0..2 {
            let mut s = SslSocket::connect(&config, &server.addr()).unwrap();
            s.write_all(b"abc\n").unwrap();
            assert_eq!(read_line(&mut s).unwrap(), "cba\n");
            reused.push(s.session_reused());
            s.close().unwrap();
        }
        assert_eq!(reused, [false, true], "{flag}");
        let out = server.finish();
        assert!(
            out.mentions("Reused session-id")
                || out.mentions("1 session cache hits")
                || out.mentions("callback cache hits"),
            "{}",
            out.dump()
        );
    }
}

/// SNI: `openssl s_client -servername` gets the certificate our callback picks.
#[test]
fn s_client_servername_selects_the_virtual_host() {
    let other = Identity::from_files(cert("wrong-host-chain.pem"), cert("wrong-host.key")).unwrap();
    let mut b = default_server();
    b.set_server_name_callback(move |name| {
        if name == "other.example" {
            SniDecision::Use(other.clone())
        } else {
            SniDecision::Default
        }
    });
    let how = Serve::connections(2).lingering();
    let srv = Server::with(bind(&build(&b)), how, |s| {
        let _ = s.write_all(b"hi\n");
        let _ = s.shutdown();
    });
    let ca = cert("ca.pem");
    for (name, subject) in [
        ("other.example", "CN = other.example"),
        ("localhost", "CN = localhost"),
    ] {
        let out = SClient::start_named(
            srv.port(),
            name,
            &[
                "-brief",
                "-CAfile",
                &ca,
                "-verify_hostname",
                name,
                "-verify_return_error",
            ],
            b"",
        )
        .finish();
        assert!(
            out.mentions(&format!("Peer certificate: {subject}")),
            "{}",
            out.dump()
        );
        assert!(out.mentions("Verification: OK"), "{}", out.dump());
    }
    let names: Vec<_> = srv
        .join_ok()
        .into_iter()
        .map(|(seen, ())| seen.servername)
        .collect();
    assert_eq!(
        names,
        [
            Some("other.example".to_string()),
            Some("localhost".to_string())
        ]
    );
}

/// The client-certificate callback against `s_server -Verify 1 -CAfile`,
/// which sends the CA names.
#[test]
fn client_certificate_callback_against_s_server() {
    for flag in ["-tls1_3", "-tls1_2"] {
        let names = Log::new();
        let log = names.clone();
        let mut c = our_client(false);
        c.set_client_certificate_callback(move |req| {
            req.ca_names().iter().for_each(|n| log.push(n.clone()));
            Identity::from_files(cert("client.pem"), cert("client.key")).ok()
        });
        let server = s_server(
            flag,
            &[
                "-Verify",
                "1",
                "-verify_return_error",
                "-rev",
                "-client_sigalgs",
                "ECDSA+SHA256:RSA-PSS+SHA256",
            ],
        );
        let mut s = SslSocket::connect(&c.build().unwrap(), &server.addr()).unwrap();
        s.write_all(b"abc\n").unwrap();
        assert_eq!(read_line(&mut s).unwrap(), "cba\n", "{flag}");
        s.close().unwrap();
        let out = server.finish();
        assert!(saw_our_certificate(&out), "{flag}\n{}", out.dump());
        assert_eq!(
            names.items(),
            vec!["CN=sslsocket Test Root CA".to_string()],
            "{flag}"
        );
    }
}

/// Our server names the CAs of its CA file in the CertificateRequest, as
/// `openssl s_server -CAfile` does; with `set_send_ca_names(false)` it asks
/// with no names, as `openssl s_server -verifyCAfile` does.
#[test]
fn our_server_names_its_cas_unless_told_not_to() {
    let ca = cert("ca.pem");
    let root = vec!["CN = sslsocket Test Root CA".to_string()];
    for (version, flag) in [
        (TlsVersion::Tls1_3, "-tls1_3"),
        (TlsVersion::Tls1_2, "-tls1_2"),
    ] {
        for (send, ca_flag, names) in [(true, "-CAfile", &root), (false, "-verifyCAfile", &vec![])]
        {
            let case = format!("{version} set_send_ca_names({send})");
            let mut b = default_server();
            b.set_version(version).set_verify_mode(1).unwrap();
            b.set_send_ca_names(send);
            let srv = Server::with(bind(&build(&b)), Serve::connections(1).lingering(), |s| {
                let _ = s.shutdown();
            });
            let ours = SClient::start(srv.port(), &[flag, "-msg"], b"").finish();
            srv.join()
                .unwrap_or_else(|e| panic!("{case}: {e:?}\n{}", ours.dump()));
            let reference =
                SServer::localhost(&[flag, "-naccept", "1", "-verify", "1", ca_flag, &ca]);
            let theirs = SClient::start(reference.port(), &[flag, "-msg"], b"Q\n").finish();
            drop(reference.finish());
            for (who, out) in [("ours", &ours), (ca_flag, &theirs)] {
                assert!(
                    out.saw_certificate_request(),
                    "{case}, {who}\n{}",
                    out.dump()
                );
                assert_eq!(
                    out.ca_names().as_ref(),
                    Some(names),
                    "{case}, {who}\n{}",
                    out.dump()
                );
            }
        }
    }
}

/// A client's own renegotiation (`s_client` typing `R`, TLS 1.2) is refused
/// on every OpenSSL release (1.1.1 servers would allow it), with no
/// renegotiation event left unfinished, while the server's own
/// `request_client_certificate` still renegotiates.
#[test]
fn a_clients_renegotiation_is_refused() {
    let events = Log::new();
    let log = events.clone();
    let mut b = default_server();
    b.set_version(TlsVersion::Tls1_2)
        .set_handshake_callback(move |e, _| log.push(*e));
    let srv = Server::start(&build(&b), |s| {
        let mut lines = Vec::new();
        let end = loop {
            match read_line(s) {
                Ok(line) if line.is_empty() && s.received_close_notify() => break Ok(()),
                Ok(line) => lines.push(line),
                Err(e) => break Err(e),
            }
        };
        (lines, end)
    });
    let client = SClient::start(srv.port(), &["-tls1_2", "-CAfile", &cert("ca.pem")], b"R\n");
    let served = srv.join();
    let out = client.finish();
    // s_client gives up on its renegotiation and aborts the connection.
    assert!(out.mentions("no renegotiation"), "{}", out.dump());
    let (_, (lines, end)) = served.unwrap();
    assert!(lines.is_empty(), "{lines:?}");
    let end = end.unwrap_err();
    assert_alert(&end, "handshake_failure");
    use HandshakeEvent::*;
    assert_eq!(
        events.items(),
        [
            Started {
                renegotiation: false
            },
            Completed {
                renegotiation: false,
                resumed: false
            },
            RenegotiationRefused,
        ]
    );
}

/// How a server sends the CertificateRequest `verify_client_post_handshake`
/// queued: `handshake()` or `flush()` (in blocking or non-blocking mode),
/// or the write half of a split socket, whose call sends it.
#[derive(Debug, Clone, Copy)]
enum SendWith {
    Handshake { nonblocking: bool },
    Flush { nonblocking: bool },
    WriteHalf,
}

/// Calls `recv` (waiting a little on `WouldBlock`) until `after\n` has arrived.
fn read_until_after(
    mut recv: impl FnMut(&mut [u8]) -> Result<usize, Error>,
) -> Result<Vec<u8>, Error> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut got, mut buf) = (Vec::new(), [0u8; 256]);
    while !got.ends_with(b"after\n") {
        match recv(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.would_block().is_some() && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(5))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Accepts one client on `l`, asks for its certificate with
/// `verify_client_post_handshake` and sends the request `send`'s way, tells
/// `sent` when that returned, and waits for `go` (nothing else than the
/// socket) before it reads until `after\n`: what it read, and whether it
/// has the client's certificate then.
fn serve_queued_request(
    l: SslListener,
    send: SendWith,
    sent: mpsc::Sender<Instant>,
    go: mpsc::Receiver<()>,
) -> Result<(Vec<u8>, bool), Error> {
    let (mut s, _) = l.accept()?;
    // Called again while it would block (non-blocking mode).
    let retry = |mut call: Box<dyn FnMut() -> std::io::Result<()> + '_>| loop {
        match call() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(1))
            }
            r => break r,
        }
    };
    match send {
        SendWith::Handshake { nonblocking } => {
            s.set_nonblocking(nonblocking)?;
            s.verify_client_post_handshake()?;
            retry(Box::new(|| s.handshake().map_err(std::io::Error::from))).map_err(|source| {
                Error::Io {
                    during: sslsocket::Operation::Handshake,
                    source,
                }
            })?;
        }
        SendWith::Flush { nonblocking } => {
            s.set_nonblocking(nonblocking)?;
            s.verify_client_post_handshake()?;
            retry(Box::new(|| s.flush())).map_err(|source| Error::Io {
                during: sslsocket::Operation::Write,
                source,
            })?;
        }
        SendWith::WriteHalf => {
            let (mut r, mut w) = s.split();
            w.verify_client_post_handshake()?;
            let _ = sent.send(Instant::now());
            let _ = go.recv_timeout(Duration::from_secs(10));
            let got = read_until_after(|b| r.recv(b))?;
            let s = r.reunite(w).unwrap_or_else(|_| unreachable!());
            return Ok((got, s.peer_certificate().is_some()));
        }
    }
    let _ = sent.send(Instant::now());
    let _ = go.recv_timeout(Duration::from_secs(10));
    let got = read_until_after(|b| s.recv(b))?;
    Ok((got, s.peer_certificate().is_some()))
}

/// C's idiom, `SSL_verify_client_post_handshake` then `SSL_do_handshake`
/// (or a flush), in blocking and non-blocking mode: the request goes out at
/// once, and `openssl s_client -enable_pha` sees it while the server waits
/// on something else than its socket. The read that processes the answer
/// fires `PostHandshakeAuth`, on a split socket too.
#[test]
fn a_queued_request_goes_out_with_handshake_or_flush() {
    let cases = [
        SendWith::Handshake { nonblocking: false },
        SendWith::Handshake { nonblocking: true },
        SendWith::Flush { nonblocking: false },
        SendWith::Flush { nonblocking: true },
        SendWith::WriteHalf,
    ];
    for send in cases {
        let (config, events) = common::post_handshake_server();
        let l = bind(&config);
        let port = l.local_addr().unwrap().port();
        let (mut client, lines) = SClient::start_pha_watched(port);
        let (sent_tx, sent_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel();
        let server = thread::spawn(move || serve_queued_request(l, send, sent_tx, go_rx));
        let Ok(sent) = sent_rx.recv_timeout(Duration::from_secs(10)) else {
            panic!("{send:?}: {:?}", server.join());
        };
        let seen = openssl_cli::wait_for_line(&lines, "CertificateRequest", Duration::from_secs(3));
        let _ = go_tx.send(());
        client.type_line("after");
        let served = server.join().unwrap();
        let out = client.finish();
        openssl_cli::assert_request_seen(&format!("{send:?}"), sent, seen, &out);
        let (got, has_certificate) = served.unwrap_or_else(|e| panic!("{send:?}: {e:?}"));
        assert!(got.ends_with(b"after\n"), "{send:?}: {got:?}");
        assert!(has_certificate, "{send:?}");
        let answered = HandshakeEvent::PostHandshakeAuth { certificate: true };
        assert_eq!(events.count(&answered), 1, "{send:?}: {:?}", events.items());
    }
}
