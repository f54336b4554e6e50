//! Secure defaults, checked over real handshakes: a default client refuses
//! every bad server certificate, `NONE` is never a client's silent
//! default, old protocol versions need naming, no callback makes a failed
//! host-name check look verified, a failed verification is never
//! resumed by a connection that verifies, and a default client's TLS 1.2
//! suites are at least as strict as Python's default context's while it
//! still meets the servers of OpenSSL, GnuTLS and Python (a server keeps
//! OpenSSL's own list).

mod common;

use common::openssl_cli;
use std::net::TcpStream;

use common::forge::{Chain, Spec};
use common::*;
use openssl_cli::{SClient, SServer};
use sslsocket::{
    CertReqs, Error, PeerVerification, Role, SslConfig, SslSocket, TlsVersion, VerifyMode,
};

/// A server presenting `chain` and `key` (PEM bytes).
fn presenting(chain: &[u8], key: &[u8]) -> sslsocket::SslConfig {
    let mut sb = default_server();
    sb.set_certificate_pem(chain).set_private_key_pem(key);
    build(&sb)
}

/// The verify result a client built by `client` fails with against a
/// server presenting `chain`/`key`; the server sees the client's alert.
fn refused_with(client: &SslConfig, chain: &[u8], key: &[u8]) -> i32 {
    let srv = exchange_server(&presenting(chain, key));
    let e = SslSocket::connect(client, &srv.localhost()).unwrap_err();
    let server = srv.join();
    assert!(
        matches!(server, Err(Error::AlertReceived { .. })),
        "{server:?}"
    );
    e.verify_result()
        .unwrap_or_else(|| panic!("not a verification failure: {e:?}"))
        .code()
}

fn forged(spec: Spec) -> (Vec<u8>, Vec<u8>) {
    let chain = Chain::under_test_ca(&spec);
    (chain.chain_pem(), chain.key_pem())
}

#[test]
fn a_default_client_refuses_every_bad_server_certificate() {
    // Trusting the test CA, so that each failure is the one named.
    let client = build(&client_builder());
    let not_yet_valid = forged(Spec {
        not_before: 30,
        ..Spec::leaf("not yet valid")
    });
    let wrong_purpose = forged(Spec {
        server_auth: false,
        client_auth: true,
        ..Spec::leaf("clientAuth only")
    });
    let cases: [(&str, Vec<u8>, Vec<u8>, i32); 6] = [
        (
            "self-signed",
            cert_bytes("self-signed.pem"),
            cert_bytes("self-signed.key"),
            18, // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        ),
        (
            "expired",
            cert_bytes("expired-chain.pem"),
            cert_bytes("expired.key"),
            10, // X509_V_ERR_CERT_HAS_EXPIRED
        ),
        (
            "not yet valid",
            not_yet_valid.0,
            not_yet_valid.1,
            9, // X509_V_ERR_CERT_NOT_YET_VALID
        ),
        (
            "untrusted CA",
            cert_bytes("untrusted-server.pem"),
            cert_bytes("untrusted-server.key"),
            20, // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        ),
        (
            "wrong host",
            cert_bytes("wrong-host-chain.pem"),
            cert_bytes("wrong-host.key"),
            62, // X509_V_ERR_HOSTNAME_MISMATCH
        ),
        (
            "serverAuth missing",
            wrong_purpose.0,
            wrong_purpose.1,
            26, // X509_V_ERR_INVALID_PURPOSE
        ),
    ];
    for (what, chain, key, code) in &cases {
        assert_eq!(refused_with(&client, chain, key), *code, "{what}");
    }
    // A client left wholly at its defaults trusts the system store only,
    // which knows none of these (nor the test CA).
    let mut b = SslConfig::client();
    with_timeouts(&mut b);
    let default = build(&b);
    for (what, chain, key, _) in &cases {
        let code = refused_with(&default, chain, key);
        assert!(matches!(code, 18 | 20), "{what}: {code}");
    }
    let code = refused_with(
        &default,
        &cert_bytes("server-chain.pem"),
        &cert_bytes("server.key"),
    );
    assert_eq!(code, 20, "the test CA is not in the system store");
}

#[test]
fn none_is_never_a_clients_silent_default() {
    let b = SslConfig::client();
    assert_eq!(b.get_verify_mode(), VerifyMode::PEER);
    assert!(b.get_check_hostname());
    let config = build(&client_builder());
    assert_eq!(config.get_verify_mode(), VerifyMode::PEER);
    // Python's CERT_REQUIRED and CERT_OPTIONAL verify; only CERT_NONE (and
    // an explicit 0) turn verification off.
    for reqs in [CertReqs::Required, CertReqs::Optional] {
        assert_eq!(reqs.verify_mode(Role::Client), VerifyMode::PEER, "{reqs:?}");
    }
    let srv = exchange_server(&build(&default_server()));
    let tcp = TcpStream::connect(srv.addr()).unwrap();
    let mut tls = SslSocket::upgrade_client(&config, tcp, Some("localhost")).unwrap();
    assert_eq!(tls.get_verify_mode(), VerifyMode::PEER);
    client_exchange(&mut tls).unwrap();
    expect_exchanged(srv.join());
    // Whatever the mode bits without PEER, OpenSSL's client still aborts
    // on a failed verification (2, 4 and 8 act as PEER on a client).
    for mode in [2, 4, 8] {
        let mut b = client_builder();
        b.set_verify_mode(mode).unwrap();
        let code = refused_with(
            &build(&b),
            &cert_bytes("wrong-host-chain.pem"),
            &cert_bytes("wrong-host.key"),
        );
        assert_eq!(code, 62, "mode {mode}");
    }
}

/// `openssl s_client` limited to one old version (at security level 0, so
/// that only the version can be what refuses it).
fn old_client(port: u16, version: &str) -> openssl_cli::Output {
    SClient::start(port, &[version, "-cipher", "DEFAULT@SECLEVEL=0"], b"").finish()
}

#[test]
fn tls_1_0_and_1_1_are_refused_unless_named() {
    for (flag, version) in [("-tls1", TlsVersion::Tls1), ("-tls1_1", TlsVersion::Tls1_1)] {
        // Our server at its defaults refuses them...
        let mut sb = default_server();
        sb.set_cipher_list("DEFAULT@SECLEVEL=0");
        let srv = exchange_server(&build(&sb));
        let out = old_client(srv.port(), flag);
        let e = expect_server_err(srv.join());
        assert!(
            matches!(e, Error::ProtocolVersion { .. }),
            "{flag}: {e:?}\n{}",
            out.dump()
        );
        assert!(!out.success(), "{}", out.dump());
        // ...and serves them when named.
        sb.set_min_version(Some(version));
        let srv = Server::start(&build(&sb), |s| s.version());
        let out = old_client(srv.port(), flag);
        let (_, negotiated) = srv
            .join()
            .unwrap_or_else(|e| panic!("{e:?}\n{}", out.dump()));
        assert_eq!(negotiated, version.name());

        // Our client at its defaults refuses an s_server that speaks only them.
        let server = SServer::localhost(&[flag, "-cipher", "DEFAULT@SECLEVEL=0", "-naccept", "1"]);
        let mut cb = client_builder();
        cb.set_cipher_list("DEFAULT@SECLEVEL=0");
        let e = SslSocket::connect(&build(&cb), &server.addr()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::AlertReceived { .. } | Error::ProtocolVersion { .. }
            ),
            "{flag}: {e:?}"
        );
        drop(server);
    }
}

#[test]
fn sslv3_is_refused_even_when_asked_for() {
    // Named, it is a configuration error, on either end.
    for mut b in [client_builder(), default_server()] {
        b.set_min_version(Some(TlsVersion::Ssl3));
        let e = b.build().unwrap_err();
        assert!(matches!(e, Error::InvalidConfig(_)), "{e:?}");
    }
    // An SSLv3 ClientHello (legacy version 3.0, no supported_versions) is
    // refused with the protocol-version error.
    let mut hello = client_hello();
    hello[1..3].copy_from_slice(&[3, 0]);
    hello[9..11].copy_from_slice(&[3, 0]);
    remove_extension(&mut hello, 43);
    let srv = exchange_server(&build(&default_server()));
    let mut tcp = TcpStream::connect(srv.addr()).unwrap();
    use std::io::{Read, Write};
    tcp.write_all(&hello).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    let _ = tcp.read_to_end(&mut Vec::new());
    let e = expect_server_err(srv.join());
    assert!(matches!(e, Error::ProtocolVersion { .. }), "{e:?}");
}

#[test]
fn no_callback_makes_a_failed_host_check_look_verified() {
    type Tweak = fn(&mut sslsocket::SslConfigBuilder);
    let tweaks: [(&str, Tweak); 3] = [
        ("verify callback", |b| {
            b.set_verify_callback(|_| true);
        }),
        ("bad-certificate callback", |b| {
            b.set_bad_certificate_callback(|_| true);
        }),
        ("both", |b| {
            b.set_verify_callback(|_| true)
                .set_bad_certificate_callback(|_| true);
        }),
    ];
    for (what, tweak) in tweaks {
        let mut cb = client_builder();
        tweak(&mut cb);
        let srv = exchange_server(&presenting(
            &cert_bytes("wrong-host-chain.pem"),
            &cert_bytes("wrong-host.key"),
        ));
        // The callback accepts, so the handshake goes on...
        let mut tls = SslSocket::connect(&build(&cb), &srv.localhost())
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
        // ...but nothing says the host was verified.
        assert_eq!(tls.verify_result().code(), 62, "{what}");
        assert!(!tls.verify_result().is_ok(), "{what}");
        assert!(
            matches!(tls.peer_verification(), PeerVerification::Failed(_)),
            "{what}: {:?}",
            tls.peer_verification()
        );
        assert!(tls.verified_chain().is_empty(), "{what}");
        client_exchange(&mut tls).unwrap();
        expect_exchanged(srv.join());
    }
}

/// A session whose verification failed (saved by a connection in mode
/// NONE) is not resumed by a connection of the same configuration whose
/// mode verifies: that connection verifies afresh and refuses. (The
/// reverse is allowed: a connection in NONE may resume a verified session.
/// Two configurations never share sessions.)
#[test]
fn a_failed_verification_is_never_resumed_by_a_connection_that_verifies() {
    let server = presenting(
        &cert_bytes("wrong-host-chain.pem"),
        &cert_bytes("wrong-host.key"),
    );
    let listener = sslsocket::SslListener::bind("127.0.0.1:0", &server).unwrap();
    let port = listener.local_addr().unwrap().port();
    let addr = format!("localhost:{port}");
    let serving = std::thread::spawn(move || {
        (0..4)
            .map(|_| {
                listener.accept().map(|(mut s, _)| {
                    let _ = serve_exchange(&mut s);
                    s.session_reused()
                })
            })
            .collect::<Vec<_>>()
    });
    let mut cb = client_builder();
    cb.set_verify_mode(VerifyMode::NONE).unwrap();
    let config = build(&cb);
    // NONE: the mismatch is recorded, the connection goes on, its session is saved.
    let mut first = SslSocket::connect(&config, &addr).unwrap();
    assert_eq!(first.verify_result().code(), 62);
    client_exchange(&mut first).unwrap();
    drop(first);
    assert_eq!(config.saved_sessions(), 1);
    // The same configuration, resumed in NONE: the failure is still
    // reported, also from the tickets of a resumed connection.
    for _ in 0..2 {
        let mut again = SslSocket::connect(&config, &addr).unwrap();
        assert!(again.session_reused());
        assert_eq!(again.verify_result().code(), 62);
        // A mode set after the handshake (for a later renegotiation)
        // changes nothing of what this one found.
        again.set_verify_mode(VerifyMode::PEER).unwrap();
        let failure = again.verify_failure().expect("the resumed failure");
        assert_eq!(failure.result.code(), 62);
        assert!(failure.location_known, "{failure:?}");
        client_exchange(&mut again).unwrap();
    }
    // A connection of it that verifies (PEER set on the socket) must not
    // take the failed session: it verifies, and refuses.
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut tls = SslSocket::new_client(&config, tcp, Some("localhost")).unwrap();
    tls.set_verify_mode(VerifyMode::PEER).unwrap();
    let e = tls.handshake().unwrap_err();
    assert_eq!(e.verify_result().map(|r| r.code()), Some(62), "{e:?}");
    drop(tls);
    let served = serving.join().unwrap();
    assert!(matches!(served[0], Ok(false)), "{served:?}");
    assert!(matches!(served[1..3], [Ok(true), Ok(true)]), "{served:?}");
    assert!(served[3].is_err(), "{served:?}");
}

// ---------------------------------------------------------------------------
// The default client's TLS 1.2 cipher policy
// ---------------------------------------------------------------------------

/// Which test PKI a server presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pki {
    /// `certs/`: ECDSA P-256.
    Ecdsa,
    /// `certs/rsa/`: RSA 2048.
    Rsa,
}

impl Pki {
    /// The leaf, the intermediate and the key, as s_server takes them.
    fn s_server_args(self) -> Vec<String> {
        let dir = match self {
            Pki::Ecdsa => "",
            Pki::Rsa => "rsa/",
        };
        let file = |name: &str| openssl_cli::cert(&format!("{dir}{name}"));
        vec![
            "-cert".into(),
            file("server.pem"),
            "-cert_chain".into(),
            file("intermediate.pem"),
            "-key".into(),
            file("server.key"),
        ]
    }
}

/// A client at its cipher defaults, trusting both test PKIs.
fn default_cipher_client() -> sslsocket::SslConfigBuilder {
    let mut b = client_builder();
    b.set_ca_file(cert("rsa/ca.pem"));
    b
}

/// The TLS 1.2 suites Python's default context refuses (RSA key exchange,
/// SHA-1 MACs, DHE with ChaCha20), each with the PKI that can serve it.
const REFUSED_SUITES: [(&str, Pki); 8] = [
    ("AES128-SHA", Pki::Rsa),
    ("AES256-GCM-SHA384", Pki::Rsa),
    ("AES128-GCM-SHA256", Pki::Rsa),
    ("AES256-SHA256", Pki::Rsa),
    ("ECDHE-RSA-AES128-SHA", Pki::Rsa),
    ("ECDHE-ECDSA-AES256-SHA", Pki::Ecdsa),
    ("DHE-RSA-AES128-SHA", Pki::Rsa),
    ("DHE-RSA-CHACHA20-POLY1305", Pki::Rsa),
];

/// Sends `ping\n` and reads the line a foreign server answers.
fn ping_line(tls: &mut SslSocket) -> Result<String, Error> {
    tls.send_all(b"ping\n")?;
    read_line(tls)
}

#[test]
fn a_default_client_refuses_suites_without_forward_secrecy_or_with_a_sha1_mac() {
    let default = build(&default_cipher_client());
    let mut problems = Vec::new();
    for (suite, pki) in REFUSED_SUITES {
        // Two connections: the default client's, then one naming the suite.
        let mut args = vec!["-tls1_2", "-cipher", suite, "-naccept", "2", "-rev"];
        let pki_args = pki.s_server_args();
        args.extend(pki_args.iter().map(String::as_str));
        let server = SServer::start(&args);
        match SslSocket::connect(&default, &server.addr()) {
            Err(e) if e.alert().map(|a| a.name()) == Some("handshake_failure") => {}
            Err(e) => problems.push(format!("{suite}: the default client failed with {e:?}")),
            Ok(tls) => problems.push(format!(
                "{suite}: the default client negotiated {:?}",
                tls.cipher_name()
            )),
        }
        // set_cipher_list still gives OpenSSL whatever list it is handed.
        let mut named = default_cipher_client();
        named.set_cipher_list(suite);
        match SslSocket::connect(&build(&named), &server.addr()) {
            Ok(mut tls) => {
                if tls.cipher_name() != Some(suite) {
                    problems.push(format!("{suite}: named, got {:?}", tls.cipher_name()));
                }
                match ping_line(&mut tls) {
                    Ok(line) if line == "gnip\n" => {}
                    other => problems.push(format!("{suite}: s_server -rev answered {other:?}")),
                }
            }
            Err(e) => problems.push(format!("{suite}: named, the client failed with {e:?}")),
        }
        let out = server.finish();
        if !out.mentions("no shared cipher") {
            problems.push(format!("{suite}: s_server saw no refusal\n{}", out.dump()));
        }
    }
    assert_no_problems(&problems);
}

/// The names of the suites of `ssl.create_default_context()`, TLS 1.3's
/// included, as the machine's Python sees them.
fn pythons_default_suites() -> Vec<String> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import ssl\nfor c in ssl.create_default_context().get_ciphers(): print(c['name'])",
        ])
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_default_client_offers_no_suite_pythons_default_context_refuses() {
    // A server that knows every suite at every security level: what it
    // shares with the client is what the client offered.
    let mut sb = server_builder("rsa/server-chain.pem", "rsa/server.key");
    sb.set_cipher_list("ALL:COMPLEMENTOFALL:@SECLEVEL=0");
    let srv = Server::start(&build(&sb), |s| s.shared_ciphers());
    let mut tls = SslSocket::connect(&build(&default_cipher_client()), &srv.localhost()).unwrap();
    assert!(tls.cipher_name().is_some());
    drop(tls.shutdown());
    let (_, offered) = srv.join().unwrap();
    let python = pythons_default_suites();
    assert!(offered.len() > 3, "{offered:?}");
    let extra: Vec<_> = offered.iter().filter(|s| !python.contains(s)).collect();
    assert!(
        extra.is_empty(),
        "offered {extra:?}, which Python's default context refuses ({python:?})"
    );
    assert_eq!(
        sslsocket::DEFAULT_CLIENT_CIPHER_LIST,
        "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"
    );
}

#[test]
fn a_default_server_keeps_openssls_cipher_list() {
    // Old clients still get the suites OpenSSL's default offers.
    let server = build(&server_builder("rsa/server-chain.pem", "rsa/server.key"));
    for suite in ["AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA"] {
        let srv = Server::start(&server, |s| s.cipher_name());
        let out = SClient::start(srv.port(), &["-tls1_2", "-cipher", suite], b"").finish();
        let (_, negotiated) = srv
            .join()
            .unwrap_or_else(|e| panic!("{suite}: {e:?}\n{}", out.dump()));
        assert_eq!(negotiated, Some(suite));
    }
}

/// A server program of another TLS library, on a loopback port, killed
/// and reaped when dropped.
struct Foreign {
    _proc: openssl_cli::Proc,
    port: u16,
    /// What it printed, stdout and stderr, line by line.
    lines: std::sync::mpsc::Receiver<String>,
}

impl Foreign {
    /// Runs `program args`, and waits (bounded) for `port_of` to find the
    /// port in a line it prints; `None` when it printed that it failed or
    /// exited first.
    fn start(
        program: &str,
        args: &[&str],
        port_of: impl Fn(&str) -> Option<Result<u16, ()>>,
    ) -> Option<Foreign> {
        let (tx, lines) = std::sync::mpsc::channel();
        let mut proc = openssl_cli::Proc::start(program, args, Some(tx.clone()), Some(tx));
        proc.close_stdin();
        let mut server = Foreign {
            _proc: proc,
            port: 0,
            lines,
        };
        let deadline = std::time::Instant::now() + TIMEOUT;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            let line = server.lines.recv_timeout(left).ok()?;
            match port_of(&line) {
                Some(Ok(port)) => {
                    server.port = port;
                    return Some(server);
                }
                Some(Err(())) => return None,
                None => {}
            }
        }
        None
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Everything printed so far.
    fn output(&self) -> String {
        self.lines.try_iter().collect::<Vec<_>>().join("\n")
    }
}

/// The ECDSA PKI's `localhost` chain and key files.
fn localhost_files() -> (String, String) {
    let file = openssl_cli::cert;
    (file("server-chain.pem"), file("server.key"))
}

/// `gnutls-serv --echo` with the ECDSA test certificate, speaking only
/// `version`. It cannot be told to pick its own port and say which, so a
/// free one is found first (and another tried if it was taken meanwhile).
fn gnutls_serv(version: TlsVersion) -> Foreign {
    let priority = match version {
        TlsVersion::Tls1_2 => "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        _ => "NORMAL:-VERS-ALL:+VERS-TLS1.3",
    };
    let (chain, key) = localhost_files();
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let port_arg = port.to_string();
        let args = [
            "--port",
            &port_arg,
            "--echo",
            "--disable-client-cert",
            "--x509certfile",
            &chain,
            "--x509keyfile",
            &key,
            "--priority",
            priority,
        ];
        let ready = format!("IPv4 0.0.0.0 port {port}...done");
        let started = Foreign::start("gnutls-serv", &args, |line| {
            if line.contains(&ready) {
                Some(Ok(port))
            } else if line.contains("failed") {
                Some(Err(()))
            } else {
                None
            }
        });
        if let Some(server) = started {
            return server;
        }
    }
    panic!("gnutls-serv could not listen (is gnutls-bin installed? scripts/deps.sh installs it)");
}

/// A Python `ssl` server (`PROTOCOL_TLS_SERVER`, Python's defaults)
/// speaking only `version`: it prints its port, accepts one connection,
/// echoes one line, and waits for the client to close.
fn python_server(version: TlsVersion) -> Foreign {
    const SCRIPT: &str = r#"
import socket, ssl, sys
chain, key, version = sys.argv[1:4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, version)
with socket.create_server(("127.0.0.1", 0)) as srv:
    print("port", srv.getsockname()[1], flush=True)
    srv.settimeout(15)
    conn, _ = srv.accept()
    conn.settimeout(15)
    with ctx.wrap_socket(conn, server_side=True) as tls:
        print(tls.version(), tls.cipher()[0], flush=True)
        line = b""
        while not line.endswith(b"\n"):
            chunk = tls.recv(64)
            if not chunk:
                break
            line += chunk
        tls.sendall(line)
        try:
            tls.recv(1)
        except (OSError, ssl.SSLError):
            pass
"#;
    let version = match version {
        TlsVersion::Tls1_2 => "TLSv1_2",
        _ => "TLSv1_3",
    };
    let (chain, key) = localhost_files();
    let args = ["-c", SCRIPT, &chain, &key, version];
    Foreign::start("python3", &args, |line| {
        let port = line.strip_prefix("port ")?;
        Some(port.parse().map_err(drop))
    })
    .expect("the Python server prints its port")
}

/// The default client completes handshakes with the servers of OpenSSL,
/// GnuTLS and Python on TLS 1.2 and 1.3, each at its own defaults: a
/// stricter list costs no common server.
#[test]
fn a_default_client_completes_handshakes_with_openssl_gnutls_and_python_servers() {
    let client = build(&client_builder());
    let mut problems = Vec::new();
    for version in VERSIONS {
        let mut check = |who: &str, addr: String, echo: &str, output: &dyn Fn() -> String| {
            let r = SslSocket::connect(&client, &addr).and_then(|mut tls| {
                let line = ping_line(&mut tls)?;
                Ok((tls.version(), tls.cipher_name(), line))
            });
            match r {
                Ok((v, Some(cipher), line)) if v == version.name() && line == echo => {
                    // Forward secrecy on TLS 1.2: an ECDHE or DHE suite.
                    if version == TlsVersion::Tls1_2
                        && !(cipher.starts_with("ECDHE-") || cipher.starts_with("DHE-"))
                    {
                        problems.push(format!("{who} {version}: negotiated {cipher}"));
                    }
                }
                other => problems.push(format!("{who} {version}: {other:?}\n{}", output())),
            }
        };
        let flag = match version {
            TlsVersion::Tls1_2 => "-tls1_2",
            _ => "-tls1_3",
        };
        let s_server = SServer::localhost(&[flag, "-naccept", "1", "-rev"]);
        check("openssl s_server", s_server.addr(), "gnip\n", &String::new);
        drop(s_server.finish());
        let gnutls = gnutls_serv(version);
        check("gnutls-serv", gnutls.addr(), "ping\n", &|| gnutls.output());
        let python = python_server(version);
        check("Python ssl", python.addr(), "ping\n", &|| python.output());
    }
    assert_no_problems(&problems);
}
