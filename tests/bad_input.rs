//! Bad files, bad configurations and bad peers: each gets its own error
//! variant, nothing panics, and a listener survives every bad connection.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use sslsocket::openssl::error::ErrorStack;
use sslsocket::{
    Alert, ConfigError, Error, Identity, Operation, Role, SslConfig, SslConfigBuilder, SslListener,
    SslSocket, TlsVersion, VerifyMode, VerifyResult,
};

/// A file under the system temp directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &[u8]) -> TempFile {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "sslsocket-bad-input-{}-{}.pem",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn missing() -> PathBuf {
    cert("no-such-file.pem")
}

// ---------------------------------------------------------------------------
// Files and configurations
// ---------------------------------------------------------------------------

#[test]
fn a_missing_certificate_file_is_a_file_error() {
    let err = server_builder("no-such-file.pem", "server.key")
        .build()
        .unwrap_err();
    match &err {
        Error::File { what, path, source } => {
            assert_eq!(*what, "certificate", "{err:?}");
            assert_eq!(*path, missing(), "{err:?}");
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound, "{err:?}");
        }
        _ => panic!("{err:?}"),
    }
    assert!(err.to_string().contains("no-such-file.pem"), "{err}");
}

#[test]
fn a_missing_key_file_is_a_file_error() {
    let err = server_builder("server-chain.pem", "no-such-file.pem")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::File { what: "private key", path, .. } if *path == missing()),
        "{err:?}"
    );
}

#[test]
fn a_missing_ca_file_is_a_file_error() {
    let mut b = SslConfig::client();
    b.set_ca_file(missing());
    let err = b.build().unwrap_err();
    assert!(
        matches!(&err, Error::File { what: "CA certificate", path, .. } if *path == missing()),
        "{err:?}"
    );
}

#[test]
fn a_garbage_certificate_file_is_a_load_error() {
    for junk in [
        &b"this is not a certificate\n\x00\x01\x02\xff"[..],
        b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    ] {
        let file = TempFile::new(junk);
        let mut b = SslConfig::server();
        b.set_certificate_file(&file.0)
            .set_private_key_file(cert("server.key"));
        let err = b.build().unwrap_err();
        match &err {
            Error::Load { what, origin, .. } => {
                assert_eq!(*what, "certificate", "{err:?}");
                assert_eq!(*origin, file.0.display().to_string(), "{err:?}");
            }
            _ => panic!("{junk:?}: {err:?}"),
        }
    }
}

#[test]
fn a_garbage_key_is_a_load_error() {
    let mut b = SslConfig::server();
    b.set_certificate_file(cert("server-chain.pem"))
        .set_private_key_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    let err = b.build().unwrap_err();
    assert!(
        matches!(&err, Error::Load { what: "private key", origin, .. } if origin == "PEM bytes"),
        "{err:?}"
    );
}

#[test]
fn a_key_that_does_not_match_is_a_key_mismatch() {
    let err = server_builder("server.pem", "client.key")
        .build()
        .unwrap_err();
    match &err {
        Error::KeyMismatch { certificate, key } => {
            assert_eq!(*certificate, cert("server.pem").display().to_string());
            assert_eq!(*key, cert("client.key").display().to_string());
        }
        _ => panic!("{err:?}"),
    }
}

#[test]
fn a_server_without_certificate_is_an_invalid_config() {
    let mut b = SslConfig::server();
    b.set_ca_file(cert("ca.pem"));
    let err = b.build().unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig(ConfigError::MissingIdentity)),
        "{err:?}"
    );
}

#[test]
fn sslv3_is_an_invalid_config() {
    for v in [TlsVersion::Ssl3, TlsVersion::Ssl2] {
        let mut b = client_builder();
        b.set_min_version(Some(v));
        let err = b.build().unwrap_err();
        match &err {
            Error::InvalidConfig(ConfigError::UnsupportedVersion(got)) => {
                assert_eq!(*got, v);
                assert!(err.to_string().contains(v.name()), "{err}");
            }
            _ => panic!("{v}: {err:?}"),
        }
    }
}

#[test]
fn configurations_are_for_one_role() {
    let client = build(&client_builder());
    let err = SslListener::bind("127.0.0.1:0", &client).unwrap_err();
    assert!(matches!(err, Error::WrongRole(Role::Server)), "{err:?}");
    assert!(err.to_string().contains("SslConfig::server()"), "{err}");

    // And a server configuration cannot connect.
    let server = build(&default_server());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let err = SslSocket::connect(&server, &addr).unwrap_err();
    assert!(matches!(err, Error::WrongRole(Role::Client)), "{err:?}");
}

/// The first error of `err`'s `source()` chain that is a `T`.
fn source_of<T: std::error::Error + 'static>(err: &Error) -> Option<&T> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

#[test]
fn errors_keep_their_sources() {
    // A cipher list OpenSSL rejects: its own variant, OpenSSL's stack below.
    let mut b = client_builder();
    b.set_cipher_list("NO-SUCH-CIPHER");
    let err = b.build().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidConfig(ConfigError::CipherList { list, .. }) if list == "NO-SUCH-CIPHER"),
        "{err:?}"
    );
    let stack = source_of::<ErrorStack>(&err).expect("the chain reaches OpenSSL's stack");
    assert!(!stack.errors().is_empty(), "{stack:?}");

    // A certificate OpenSSL cannot parse: the stack is kept too.
    let mut b = client_builder();
    b.set_certificate_pem(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
        .set_private_key_file(cert("client.key"));
    let err = b.build().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Load {
                what: "certificate",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(source_of::<ErrorStack>(&err).is_some(), "{err:?}");

    // A file that cannot be read, and a port nobody listens on: io::Error.
    let mut b = client_builder();
    b.set_ca_file("/nonexistent/ca.pem");
    let err = b.build().unwrap_err();
    assert_eq!(
        source_of::<std::io::Error>(&err).map(|e| e.kind()),
        Some(std::io::ErrorKind::NotFound),
        "{err:?}"
    );
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap().to_string();
    drop(closed);
    let err = SslSocket::connect(&build(&client_builder()), &addr).unwrap_err();
    assert!(source_of::<std::io::Error>(&err).is_some(), "{err:?}");

    // A parse error says which part is wrong.
    let err = "PEER|BOGUS".parse::<sslsocket::VerifyMode>().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidConfig(ConfigError::VerifyModeSyntax { part, .. }) if part == "BOGUS"),
        "{err:?}"
    );
}

#[test]
fn connecting_to_a_closed_port_is_a_connect_error() {
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let err = SslSocket::connect(&build(&client_builder()), &addr).unwrap_err();
    match &err {
        Error::Connect { addr: a, source } => {
            assert_eq!(*a, addr);
            assert_eq!(
                source.kind(),
                std::io::ErrorKind::ConnectionRefused,
                "{err:?}"
            );
        }
        _ => panic!("{err:?}"),
    }
}

// ---------------------------------------------------------------------------
// Bad peers, one at a time
// ---------------------------------------------------------------------------

/// The start of a TLS record carrying a ClientHello, cut short.
const PARTIAL_CLIENT_HELLO: &[u8] = &[0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03];

/// Bytes that are not TLS: a fixed pseudo-random sequence (first byte not a
/// TLS content type).
fn garbage() -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    let mut v: Vec<u8> = (0..512)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    v[0] = 0x9c;
    v
}

/// The handshake error of a server made from `sb` for a [`raw_peer`].
fn server_error(sb: &SslConfigBuilder, bytes: &[u8], close: bool) -> Error {
    let srv = exchange_server(&build(sb));
    raw_peer(srv.ip(), bytes, close);
    expect_server_err(srv.join())
}

/// Whether `err` is `NotTls` with the reason `why`.
fn is_not_tls(err: &Error, why: &str) -> bool {
    matches!(err, Error::NotTls { reason } if reason == why)
}

/// Asserts that `err` is a timeout of `operation` after `limit`.
#[track_caller]
fn assert_timeout(err: &Error, operation: Operation, limit: Duration) {
    assert!(
        matches!(err, Error::Timeout { operation: o, after: Some(a) } if *o == operation && *a == limit),
        "{err:?}, expected a timeout of {operation:?} after {limit:?}"
    );
}

#[test]
fn plaintext_http_is_not_tls() {
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let err = server_error(&default_server(), request, false);
    assert!(is_not_tls(&err, "http request"), "{err:?}");
}

#[test]
fn a_client_closing_mid_handshake_is_handshake_eof() {
    for bytes in [&[][..], PARTIAL_CLIENT_HELLO] {
        let err = server_error(&default_server(), bytes, true);
        assert!(matches!(err, Error::HandshakeEof), "{bytes:?}: {err:?}");
    }
}

#[test]
fn a_silent_client_times_the_handshake_out() {
    let limit = Duration::from_millis(300);
    let mut sb = default_server();
    sb.set_handshake_timeout(Some(limit));
    let err = server_error(&sb, b"", false);
    assert_timeout(&err, Operation::Handshake, limit);
}

#[test]
fn a_read_past_the_read_timeout_times_out() {
    let limit = Duration::from_millis(300);
    // The server says nothing until the client has timed out and says so.
    let srv = Server::start(&build(&default_server()), |sock| {
        let got = recv_exact(sock, 1)?;
        sock.send_all(b"late")?;
        sock.shutdown()?;
        Ok::<_, Error>(got)
    });
    let mut cb = client_builder();
    cb.set_read_timeout(Some(limit));
    let mut sock = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    let mut buf = [0u8; 8];
    let err = sock.recv(&mut buf).unwrap_err();
    assert_timeout(&err, Operation::Read, limit);
    assert!(err.is_timeout());
    // The connection survives a read timeout.
    sock.send_all(b"!").unwrap();
    assert_eq!(recv_exact(&mut sock, 4).unwrap(), b"late");
    let (_, got) = srv.join().unwrap();
    assert_eq!(got.unwrap(), b"!");
}

#[test]
fn garbage_bytes_are_refused_without_panic() {
    let err = server_error(&default_server(), &garbage(), false);
    // 0x9c is no TLS content type; with the high bit set OpenSSL also tries
    // the SSLv2 record format, then gives up on the version.
    assert!(is_not_tls(&err, "wrong version number"), "{err:?}");
}

#[test]
fn no_common_protocol_version() {
    // A TLS 1.3-only server and a TLS 1.2-only client, then the other way round.
    for (server, client) in [
        (TlsVersion::Tls1_3, TlsVersion::Tls1_2),
        (TlsVersion::Tls1_2, TlsVersion::Tls1_3),
    ] {
        let mut sb = default_server();
        sb.set_version(server);
        let srv = exchange_server(&build(&sb));
        let mut cb = client_builder();
        cb.set_version(client);
        let err = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::AlertReceived {
                    alert: Alert::PROTOCOL_VERSION,
                    during: Operation::Handshake
                }
            ),
            "server {server}, client {client}: {err:?}"
        );
        let err = expect_server_err(srv.join());
        match &err {
            Error::ProtocolVersion { reason } => {
                assert_eq!(reason, "unsupported protocol", "{err:?}")
            }
            _ => panic!("server {server}, client {client}: {err:?}"),
        }
    }
}

// ---------------------------------------------------------------------------
// One listener, many bad peers, then a good one
// ---------------------------------------------------------------------------

#[test]
fn a_listener_survives_every_bad_peer() {
    let mut sb = default_server();
    sb.set_handshake_timeout(Some(Duration::from_secs(1)));
    type BadPeer = (&'static str, fn(&str));
    let bad: [BadPeer; 6] = [
        ("plaintext HTTP", |a| {
            raw_peer(a, b"GET / HTTP/1.1\r\n\r\n", false);
        }),
        ("garbage", |a| {
            raw_peer(a, &garbage(), false);
        }),
        ("partial ClientHello", |a| {
            raw_peer(a, PARTIAL_CLIENT_HELLO, true);
        }),
        ("connect and close", |a| {
            raw_peer(a, b"", true);
        }),
        ("silent", |a| {
            raw_peer(a, b"", false);
        }),
        ("untrusting client", |a| {
            let mut cb = SslConfig::client();
            cb.add_ca_pem(&cert_bytes("untrusted-ca.pem"));
            with_timeouts(&mut cb);
            let r = SslSocket::connect(&build(&cb), &format!("localhost:{}", port_of(a)));
            assert!(matches!(r, Err(Error::VerifyFailed { .. })), "{r:?}");
        }),
    ];
    let server = Server::start_n(&build(&sb), bad.len() + 1, serve_exchange);
    let addr = server.ip();
    for (_, peer) in &bad {
        peer(&addr);
    }
    let mut sock = SslSocket::connect(&build(&client_builder()), &addr).unwrap();
    client_exchange(&mut sock).unwrap();
    let mut errors = server.join_all();
    expect_exchanged(errors.pop().expect("the good client's connection"));

    let checks: [fn(&Error) -> bool; 6] = [
        |e| is_not_tls(e, "http request"),
        |e| is_not_tls(e, "wrong version number"),
        |e| matches!(e, Error::HandshakeEof),
        |e| matches!(e, Error::HandshakeEof),
        |e| {
            matches!(
                e,
                Error::Timeout {
                    operation: Operation::Handshake,
                    ..
                }
            )
        },
        |e| {
            matches!(
                e,
                Error::AlertReceived {
                    alert: Alert::UNKNOWN_CA,
                    ..
                }
            )
        },
    ];
    for (((name, _), result), check) in bad.iter().zip(&errors).zip(checks) {
        match result {
            Err(e) if check(e) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
}

fn port_of(addr: &str) -> &str {
    addr.rsplit_once(':').map(|(_, p)| p).unwrap()
}

// ---------------------------------------------------------------------------
// Timeouts that fire, and the default minimum version
// ---------------------------------------------------------------------------

#[test]
fn the_connect_timeout_fires() {
    // A listener that never accepts: once its queue is full, the kernel
    // drops further SYNs and a connect waits.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    let full =
        (0..4096).any(
            |_| match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(s) => {
                    queued.push(s);
                    false
                }
                Err(_) => true,
            },
        );
    assert!(full, "the accept queue never filled");
    let limit = Duration::from_millis(300);
    let mut cb = client_builder();
    cb.set_connect_timeout(Some(limit));
    let started = std::time::Instant::now();
    let err = SslSocket::connect(&build(&cb), &addr.to_string()).unwrap_err();
    assert_timeout(&err, Operation::Connect, limit);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(queued);
}

#[test]
fn the_write_timeout_fires() {
    let limit = Duration::from_millis(300);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    // The server completes the handshake and then reads nothing.
    let srv = Server::start(&build(&default_server()), move |_| {
        let _ = rx.recv_timeout(Duration::from_secs(20));
    });
    let mut cb = client_builder();
    cb.set_write_timeout(Some(limit));
    let mut sock = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    let chunk = vec![0x55u8; 1 << 16];
    let started = std::time::Instant::now();
    let err = loop {
        if let Err(e) = sock.send_all(&chunk) {
            break e;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "writes never blocked"
        );
    };
    assert_timeout(&err, Operation::Write, limit);
    tx.send(()).unwrap();
    drop(sock);
    srv.join().unwrap();
}

#[test]
fn tls_1_0_and_1_1_only_when_named() {
    // A TLS 1.1 server (with the security level that allows it), and a
    // client at the same security level that does not name TLS 1.1.
    let mut sb = default_server();
    sb.set_min_version(Some(TlsVersion::Tls1_1))
        .set_max_version(Some(TlsVersion::Tls1_1))
        .set_cipher_list("DEFAULT@SECLEVEL=0");
    let server = build(&sb);
    let srv = exchange_server(&server);
    let mut cb = client_builder();
    cb.set_cipher_list("DEFAULT@SECLEVEL=0");
    let err = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::ProtocolVersion { .. } | Error::AlertReceived { .. }
        ),
        "{err:?}"
    );
    let _ = srv.join();
    // Named, it is allowed.
    let srv = exchange_server(&server);
    cb.set_min_version(Some(TlsVersion::Tls1_1));
    let mut sock = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    assert_eq!(sock.version(), "TLSv1.1");
    client_exchange(&mut sock).unwrap();
    expect_exchanged(srv.join());
    // A maximum below the default minimum says what to do.
    let mut cb = client_builder();
    cb.set_max_version(Some(TlsVersion::Tls1_1));
    let err = cb.build().unwrap_err();
    assert!(err.to_string().contains("set_min_version"), "{err}");
}

/// What one case of [`no_string_a_caller_passes_can_panic`] found:
/// `Err` says what came back instead of the answer expected.
type Verdict = Result<(), String>;

/// `r` is an error `expected` accepts.
fn refused_as<T: std::fmt::Debug>(
    r: Result<T, Error>,
    expected: impl Fn(&Error) -> bool,
) -> Verdict {
    match r {
        Err(e) if expected(&e) => Ok(()),
        other => Err(format!("got {other:?}")),
    }
}

/// The configuration error for a C-string setting holding a NUL byte.
fn nul_in(setting: &'static str) -> impl Fn(&Error) -> bool {
    move |e| matches!(e, Error::InvalidConfig(ConfigError::NulByte { setting: s, .. }) if *s == setting)
}

/// The file error for a path that cannot name a file (std's `InvalidInput`).
fn unnamable(what: &'static str) -> impl Fn(&Error) -> bool {
    move |e| {
        matches!(e, Error::File { what: w, path, source }
            if *w == what && path == std::path::Path::new(NUL_PATH)
                && source.kind() == std::io::ErrorKind::InvalidInput)
    }
}

fn wrong_password(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidConfig(ConfigError::WrongKeyPassword { .. })
    )
}

fn unusable_password(e: &Error) -> bool {
    matches!(e, Error::InvalidConfig(ConfigError::KeyPasswordUnusable { why, .. }) if *why == "contains a NUL byte")
}

fn unresolvable(e: &Error) -> bool {
    matches!(e, Error::Connect { source, .. } if source.kind() == std::io::ErrorKind::InvalidInput)
}

fn unbindable(e: &Error) -> bool {
    matches!(e, Error::Io { during: Operation::Bind, source } if source.kind() == std::io::ErrorKind::InvalidInput)
}

/// A named case of [`no_string_a_caller_passes_can_panic`].
type Case<'a> = (&'static str, Box<dyn Fn() -> Verdict + 'a>);

/// A path holding a NUL byte.
const NUL_PATH: &str = "certs/ca\0.pem";
/// The test password with a NUL byte and more after it: a C string would
/// stop at the NUL and open the key.
const NUL_PASSWORD: &str = "sslsocket-test\0x";
const NUL_NAME: &str = "local\0host";

/// A case named `name` that runs `f`.
fn case<'a>(name: &'static str, f: impl Fn() -> Verdict + 'a) -> Case<'a> {
    (name, Box::new(f))
}

/// A case for a builder setter: `tweak` applied to `base`, whose `build()`
/// must fail as `expected` says.
fn setting<'a>(
    name: &'static str,
    base: fn() -> SslConfigBuilder,
    tweak: impl Fn(&mut SslConfigBuilder) -> &mut SslConfigBuilder + 'a,
    expected: impl Fn(&Error) -> bool + 'a,
) -> Case<'a> {
    case(name, move || {
        let mut b = base();
        tweak(&mut b);
        refused_as(b.build(), &expected)
    })
}

/// A server with no identity yet (for the setters that give one).
fn bare_server() -> SslConfigBuilder {
    let mut b = SslConfig::server();
    with_timeouts(&mut b);
    b
}

/// A server whose key file is `server-encrypted.key`.
fn encrypted_key_server() -> SslConfigBuilder {
    server_builder("server-chain.pem", "server-encrypted.key")
}

fn debug(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

/// Every public function that takes a string, a path or a name from its
/// caller, given one holding a NUL byte: each answers with an error that
/// says what is wrong (or, where a NUL is legal because the value never
/// becomes a C string, takes it whole, never cut short at the NUL), and
/// none panics.
#[test]
fn no_string_a_caller_passes_can_panic() {
    let client = build(&client_builder());
    let server = build(&default_server());
    let (c, s) = (&client, &server);
    let cases: Vec<Case<'_>> = vec![
        // The builder's settings, refused by build().
        setting(
            "SslConfigBuilder::set_cipher_list",
            client_builder,
            |b| b.set_cipher_list("DEFAULT\0:x"),
            nul_in("cipher list"),
        ),
        setting(
            "SslConfigBuilder::set_ciphersuites",
            client_builder,
            |b| b.set_ciphersuites("TLS_AES_128_GCM_SHA256\0"),
            nul_in("TLS 1.3 ciphersuites"),
        ),
        setting(
            "SslConfigBuilder::set_groups",
            client_builder,
            |b| b.set_groups("X25519\0P-256"),
            nul_in("key-exchange groups"),
        ),
        setting(
            "SslConfigBuilder::set_sigalgs",
            client_builder,
            |b| b.set_sigalgs("ECDSA+SHA256\0"),
            nul_in("signature algorithms"),
        ),
        setting(
            "SslConfigBuilder::set_server_name",
            client_builder,
            |b| b.set_server_name(Some(NUL_NAME)),
            nul_in("server name"),
        ),
        setting(
            "SslConfigBuilder::set_ca_file",
            client_builder,
            |b| b.set_ca_file(NUL_PATH),
            unnamable("CA certificate"),
        ),
        setting(
            "SslConfigBuilder::set_ca_dir",
            client_builder,
            |b| b.set_ca_dir(NUL_PATH),
            unnamable("CA directory"),
        ),
        setting(
            "SslConfigBuilder::set_crl_file",
            client_builder,
            |b| b.set_crl_file(NUL_PATH),
            unnamable("CRL"),
        ),
        setting(
            "SslConfigBuilder::set_certificate_file",
            default_server,
            |b| b.set_certificate_file(NUL_PATH),
            unnamable("certificate"),
        ),
        setting(
            "SslConfigBuilder::set_chain_file",
            default_server,
            |b| b.set_chain_file(NUL_PATH),
            unnamable("certificate chain"),
        ),
        setting(
            "SslConfigBuilder::set_private_key_file",
            default_server,
            |b| b.set_private_key_file(NUL_PATH),
            unnamable("private key"),
        ),
        setting(
            "SslConfigBuilder::set_private_key_password",
            encrypted_key_server,
            |b| b.set_private_key_password(NUL_PASSWORD),
            wrong_password,
        ),
        setting(
            "SslConfigBuilder::set_private_key_password_callback",
            encrypted_key_server,
            |b| b.set_private_key_password_callback(|| NUL_PASSWORD),
            wrong_password,
        ),
        setting(
            "SslConfigBuilder::set_pkcs12_file (path)",
            bare_server,
            |b| b.set_pkcs12_file(NUL_PATH, ""),
            unnamable("PKCS#12 file"),
        ),
        setting(
            "SslConfigBuilder::set_pkcs12_file (password)",
            bare_server,
            |b| b.set_pkcs12_file(cert("server.p12"), NUL_PASSWORD),
            unusable_password,
        ),
        setting(
            "SslConfigBuilder::set_pkcs12_der",
            bare_server,
            |b| b.set_pkcs12_der(&cert_bytes("server.p12"), NUL_PASSWORD),
            unusable_password,
        ),
        setting(
            "SslConfigBuilder::set_keylog_file",
            client_builder,
            |b| b.set_keylog_file(NUL_PATH),
            unnamable("key log"),
        ),
        // ALPN names are bytes on the wire (RFC 7301), never C strings:
        // a NUL is part of the name, offered and chosen whole.
        case("SslConfigBuilder::set_alpn_protocols", || {
            let mut sb = default_server();
            sb.set_alpn_protocols(&["h2\0x", "h2"]).map_err(debug)?;
            let mut cb = client_builder();
            cb.set_alpn_protocols(&["h2\0x"]).map_err(debug)?;
            let (server_saw, client_saw) = exchange(&build(&sb), &build(&cb), Server::localhost);
            match (server_saw.alpn_protocol, client_saw.alpn_protocol) {
                (Some(a), Some(b)) if a == "h2\0x" && b == a => Ok(()),
                other => Err(format!("negotiated {other:?}")),
            }
        }),
        // Identities.
        case("Identity::from_files (certificate)", || {
            let r = Identity::from_files(NUL_PATH, cert("server.key"));
            refused_as(r, unnamable("certificate"))
        }),
        case("Identity::from_files (key)", || {
            let r = Identity::from_files(cert("server-chain.pem"), NUL_PATH);
            refused_as(r, unnamable("private key"))
        }),
        case("Identity::from_files_with_password", || {
            let (chain, key) = (cert("server-chain.pem"), cert("server-encrypted.key"));
            let r = Identity::from_files_with_password(chain, key, NUL_PASSWORD);
            refused_as(r, wrong_password)
        }),
        case("Identity::from_pkcs12_file (path)", || {
            refused_as(
                Identity::from_pkcs12_file(NUL_PATH, ""),
                unnamable("PKCS#12 file"),
            )
        }),
        case("Identity::from_pkcs12_file (password)", || {
            let r = Identity::from_pkcs12_file(cert("server.p12"), NUL_PASSWORD);
            refused_as(r, unusable_password)
        }),
        case("Identity::from_pkcs12_der", || {
            let r = Identity::from_pkcs12_der(&cert_bytes("server.p12"), NUL_PASSWORD);
            refused_as(r, unusable_password)
        }),
        // Sockets and listeners.
        case("SslSocket::connect", || {
            refused_as(SslSocket::connect(c, "local\0host:443"), unresolvable)
        }),
        case("SslSocket::connect_with_peer_id (address)", || {
            let r = SslSocket::connect_with_peer_id(c, "local\0host:443", "peer");
            refused_as(r, unresolvable)
        }),
        // A peer id only keys the session cache: any string is one.
        case("SslSocket::connect_with_peer_id (peer id)", || {
            let srv = exchange_server(s);
            let mut sock =
                SslSocket::connect_with_peer_id(c, &srv.localhost(), "peer\0id").map_err(debug)?;
            client_exchange(&mut sock).map_err(debug)?;
            expect_exchanged(srv.join());
            Ok(())
        }),
        case("SslSocket::new_client", || {
            let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
            refused_as(
                SslSocket::new_client(c, a, Some(NUL_NAME)),
                nul_in("server name"),
            )
        }),
        case("SslSocket::upgrade_client", || {
            let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
            refused_as(
                SslSocket::upgrade_client(c, a, Some(NUL_NAME)),
                nul_in("server name"),
            )
        }),
        case("SslSocket::from_fd", || {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let tcp = TcpStream::connect(l.local_addr().unwrap()).unwrap();
            let r = SslSocket::from_fd(c, Role::Client, tcp.into(), Some(NUL_NAME));
            refused_as(r, nul_in("server name"))
        }),
        case("SslListener::bind", || {
            refused_as(SslListener::bind("127.0.0.1\0:0", s), unbindable)
        }),
        // An exporter label goes to OpenSSL with its length: the NUL and
        // what follows are part of it, on both ends.
        case("SslSocket::export_keying_material", || {
            const LABEL: &str = "EXPORTER-sslsocket\0x";
            let srv = Server::start(s, |sock| sock.export_keying_material(LABEL, None, 32));
            let sock = SslSocket::connect(c, &srv.localhost()).map_err(debug)?;
            let ours = sock
                .export_keying_material(LABEL, None, 32)
                .map_err(debug)?;
            let cut = sock.export_keying_material("EXPORTER-sslsocket", None, 32);
            drop(sock);
            let theirs = srv.join().map_err(debug)?.1.map_err(debug)?;
            if ours != theirs || cut.as_ref().ok() == Some(&ours) {
                return Err(format!(
                    "{ours:02x?}, the server's {theirs:02x?}, cut {cut:02x?}"
                ));
            }
            Ok(())
        }),
        // Names parsed from text.
        case(
            "VerifyResult::from_name",
            || match VerifyResult::from_name("X509_V_OK\0") {
                None => Ok(()),
                Some(r) => Err(format!("got {r:?}")),
            },
        ),
        case("VerifyMode::from_str", || {
            refused_as("PEER\0".parse::<VerifyMode>(), |e| {
                matches!(
                    e,
                    Error::InvalidConfig(ConfigError::VerifyModeSyntax { .. })
                )
            })
        }),
        case("TlsVersion::from_str", || {
            refused_as("TLSv1.2\0".parse::<TlsVersion>(), |e| {
                matches!(e, Error::InvalidConfig(ConfigError::UnknownVersion(_)))
            })
        }),
    ];
    let mut problems = Vec::new();
    let mut run = |(name, case): &Case<'_>| match std::panic::catch_unwind(
        std::panic::AssertUnwindSafe(case),
    ) {
        Ok(Ok(())) => {}
        Ok(Err(why)) => problems.push(format!("{name}: {why}")),
        Err(p) => problems.push(format!("{name}: panicked: {}", panic_text(&p))),
    };
    cases.iter().for_each(&mut run);
    #[cfg(feature = "tokio")]
    tokio_cases(c, s).iter().for_each(&mut run);
    assert_no_problems(&problems);
}

/// The async face's functions that take a string.
#[cfg(feature = "tokio")]
fn tokio_cases<'a>(client: &'a SslConfig, server: &'a SslConfig) -> Vec<Case<'a>> {
    use sslsocket::tokio::{SslListener as AsyncListener, SslSocket as AsyncSocket};
    use std::future::Future;
    fn on_runtime(f: impl Future<Output = Verdict>) -> Verdict {
        runtime().block_on(f)
    }
    vec![
        case("tokio::SslSocket::connect", || {
            on_runtime(async {
                refused_as(
                    AsyncSocket::connect(client, "local\0host:443").await,
                    unresolvable,
                )
            })
        }),
        case("tokio::SslSocket::new_client", || {
            on_runtime(async {
                let (a, _b) = tokio::io::duplex(64);
                let r = AsyncSocket::new_client(client, a, Some(NUL_NAME));
                refused_as(r, nul_in("server name"))
            })
        }),
        case("tokio::SslListener::bind", || {
            on_runtime(async {
                refused_as(
                    AsyncListener::bind("127.0.0.1\0:0", server).await,
                    unbindable,
                )
            })
        }),
    ]
}

/// A panic's message.
fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// OpenSSL's loader takes a CA directory's path as UTF-8: another one is
/// a file error, not a panic.
#[test]
fn a_ca_directory_whose_name_is_not_utf8_is_a_file_error() {
    use std::os::unix::ffi::OsStrExt;
    let name = format!("sslsocket-ca-dir-{}-", std::process::id());
    let mut bytes = name.into_bytes();
    bytes.push(0xff);
    let dir = std::env::temp_dir().join(std::ffi::OsStr::from_bytes(&bytes));
    std::fs::create_dir_all(&dir).unwrap();
    let mut b = client_builder();
    b.set_ca_dir(&dir);
    let r = b.build();
    let _ = std::fs::remove_dir(&dir);
    match r {
        Err(Error::File {
            what: "CA directory",
            source,
            ..
        }) => assert_eq!(source.kind(), std::io::ErrorKind::InvalidInput),
        other => panic!("{other:?}"),
    }
}
