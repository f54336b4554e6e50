//! Hostile peers over real loopback sockets. Each gets a specific error (or
//! correct handling) within the configured timeout, nothing panics, every
//! thread ends, and on the server side a well-behaved client is served by
//! the same listener while the attack is under way.

mod common;

use common::openssl_cli;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::forge::{Chain, Spec};
use common::*;
use foreign_types::ForeignTypeRef;
use sslsocket::{
    Alert, Error, HandshakeEvent, Operation, SslConfig, SslConfigBuilder, SslListener, SslSocket,
    TlsVersion,
};

/// The handshake timeout of the servers under attack.
const HANDSHAKE: Duration = Duration::from_secs(1);

/// How long past its timeout an operation may take to give up.
const SLACK: Duration = Duration::from_millis(600);

/// The server under attack: `certs/server-chain.pem`, `HANDSHAKE` to
/// finish a handshake, the harness's timeouts for the rest.
fn server() -> SslConfigBuilder {
    let mut b = default_server();
    b.set_handshake_timeout(Some(HANDSHAKE));
    b
}

type Serve<T> = Arc<dyn Fn(&mut SslSocket) -> Result<T, Error> + Send + Sync>;

/// What a worker reports about its connection.
#[derive(Debug)]
struct Report<T> {
    took: Duration,
    result: Result<T, Error>,
}

/// One listener whose accept loop hands each of `n` connections to a
/// worker of its own (the docs' server pattern): the handshake and `serve`
/// run there, and the worker reports, by the peer's port, how it went.
struct Pool<T> {
    addr: SocketAddr,
    reports: mpsc::Receiver<(u16, Report<T>)>,
    seen: HashMap<u16, Report<T>>,
    accept: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Pool<T> {
    fn start(config: &SslConfig, n: usize, serve: Serve<T>) -> Pool<T> {
        let listener = SslListener::bind("127.0.0.1:0", config).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, reports) = mpsc::channel();
        let accept = thread::spawn(move || {
            let mut workers = Vec::new();
            for _ in 0..n {
                let (tcp, peer) = listener.accept_tcp().unwrap();
                let (config, serve, tx) = (listener.config().clone(), serve.clone(), tx.clone());
                workers.push(thread::spawn(move || {
                    let started = Instant::now();
                    let result =
                        SslSocket::upgrade_server(&config, tcp).and_then(|mut tls| serve(&mut tls));
                    let took = started.elapsed();
                    let _ = tx.send((peer.port(), Report { took, result }));
                }));
            }
            for w in workers {
                join_within(w, THREADS, "a worker");
            }
        });
        Pool {
            addr,
            reports,
            seen: HashMap::new(),
            accept: Some(accept),
        }
    }

    /// The report on the connection from local port `peer`.
    fn report(&mut self, peer: u16) -> Report<T> {
        let deadline = Instant::now() + THREADS;
        while !self.seen.contains_key(&peer) {
            let left = deadline.saturating_duration_since(Instant::now());
            let (port, r) = self
                .reports
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no report for the peer on port {peer}"));
            self.seen.insert(port, r);
        }
        self.seen.remove(&peer).unwrap()
    }

    /// Waits for the accept loop and every worker.
    fn finish(mut self) {
        join_within(self.accept.take().unwrap(), THREADS, "the accept loop");
    }
}

/// A well-behaved client: the standard exchange, quickly. Returns its port.
fn honest(addr: SocketAddr) -> u16 {
    let started = Instant::now();
    let client = build(&client_with_cert("client.pem", "client.key"));
    let mut tls = SslSocket::connect(&client, &format!("localhost:{}", addr.port()))
        .unwrap_or_else(|e| panic!("the honest client: {e:?}"));
    client_exchange(&mut tls).unwrap();
    let took = started.elapsed();
    assert!(took < HANDSHAKE / 2, "the honest client waited {took:?}");
    tls.local_addr().unwrap().port()
}

/// Runs `attack` (which returns its connection's local port) against a
/// pool serving `serve`, with a well-behaved client served while it is
/// under way; returns the server's report on the attacker.
fn under_attack<T: Send + std::fmt::Debug + 'static>(
    config: &SslConfig,
    serve: Serve<T>,
    attack: impl FnOnce(SocketAddr) -> u16 + Send + 'static,
) -> Report<T> {
    let mut pool = Pool::start(config, 2, serve);
    let addr = pool.addr;
    let attacker = thread::spawn(move || attack(addr));
    // Let the attack begin, then serve an honest client beside it.
    thread::sleep(Duration::from_millis(100));
    let good = honest(addr);
    let bad = join_within(attacker, THREADS, "the attacker");
    let report = pool.report(bad);
    let served = pool.report(good);
    assert!(served.result.is_ok(), "the honest client: {served:?}");
    pool.finish();
    report
}

/// The standard exchange, as every pool serves it by default.
fn exchange() -> Serve<Vec<u8>> {
    Arc::new(serve_exchange)
}

/// Asserts that `report` failed as `check` expects, within `limit` (plus slack).
fn expect_failed<T: std::fmt::Debug>(
    report: &Report<T>,
    limit: Duration,
    check: impl Fn(&Error) -> bool,
) {
    match &report.result {
        Err(e) if check(e) => {}
        other => panic!("unexpected outcome: {other:?}"),
    }
    assert!(
        report.took < limit + SLACK,
        "gave up after {:?}",
        report.took
    );
}

fn is_handshake_timeout(e: &Error) -> bool {
    matches!(
        e,
        Error::Timeout {
            operation: Operation::Handshake,
            after: Some(HANDSHAKE)
        }
    )
}

// ---------------------------------------------------------------------------
// Slow peers
// ---------------------------------------------------------------------------

#[test]
fn a_valid_client_hello_then_silence_times_the_handshake_out() {
    let hello = client_hello();
    let report = under_attack(&build(&server()), exchange(), move |addr| {
        let (port, answer) = raw(addr, &hello);
        // The server answered the ClientHello before it gave up.
        assert_eq!(answer.get(5), Some(&2), "a ServerHello: {answer:?}");
        port
    });
    expect_failed(&report, HANDSHAKE, is_handshake_timeout);
    assert!(report.took >= HANDSHAKE, "gave up after {:?}", report.took);
}

#[test]
fn records_sent_byte_by_byte_are_handled() {
    let report = under_attack(&build(&server()), exchange(), |addr| {
        let (port, result) = proxied_client(addr, byte_by_byte(Duration::ZERO));
        result.unwrap();
        port
    });
    assert_eq!(report.result.unwrap(), b"ping");
}

#[test]
fn a_handshake_trickled_slower_than_the_timeout_times_out() {
    let report = under_attack(&build(&server()), exchange(), |addr| {
        let (port, result) = proxied_client(addr, byte_by_byte(Duration::from_millis(10)));
        assert!(result.is_err(), "the trickling client: {result:?}");
        port
    });
    expect_failed(&report, HANDSHAKE, is_handshake_timeout);
}

// ---------------------------------------------------------------------------
// Bad records
// ---------------------------------------------------------------------------

#[test]
fn an_oversized_first_record_is_refused() {
    // Longer than any TLS record may be (2^14 + 2048), and a plaintext
    // record longer than 2^14.
    for (len, reason) in [(0x4801usize, "packet length too long"), (0x4001, "")] {
        let mut bytes = vec![22, 3, 1];
        bytes.extend_from_slice(&(len as u16).to_be_bytes());
        bytes.extend(std::iter::repeat_n(1u8, len));
        let report = under_attack(&build(&server()), exchange(), move |addr| {
            raw(addr, &bytes).0
        });
        expect_failed(&report, Duration::ZERO, |e| match e {
            Error::NotTls { reason: r } => r == reason,
            Error::Tls { source, .. } => {
                reason.is_empty()
                    && source
                        .errors()
                        .iter()
                        .any(|e| e.reason() == Some("data length too long"))
            }
            _ => false,
        });
    }
}

#[test]
fn an_oversized_record_after_the_handshake_is_refused() {
    let mut body = vec![0u8; 0x4800];
    body[0] = 1;
    let report = under_attack(&build(&server()), exchange(), move |addr| {
        raw_after_handshake(addr, &record(23, &body))
    });
    expect_failed(&report, Duration::ZERO, |e| {
        tls_reason(e, Operation::Read, "packet length too long")
    });
}

/// Whether `e` is OpenSSL's failure `reason` during `op`.
fn tls_reason(e: &Error, op: Operation, reason: &str) -> bool {
    matches!(e, Error::Tls { during, .. } if *during == op) && openssl_says(e, reason)
}

/// Whether `e` is an OpenSSL failure with `reason` on its stack.
fn openssl_says(e: &Error, reason: &str) -> bool {
    matches!(e, Error::Tls { source, .. }
        if source.errors().iter().any(|x| x.reason() == Some(reason)))
}

#[test]
fn a_record_of_unknown_type_is_refused() {
    // As the first record, and after the handshake.
    let report = under_attack(&build(&server()), exchange(), |addr| {
        raw(addr, &record(0x20, b"hello")).0
    });
    expect_failed(&report, Duration::ZERO, |e| {
        tls_reason(e, Operation::Handshake, "unexpected message")
    });
    let report = under_attack(&build(&server()), exchange(), |addr| {
        raw_after_handshake(addr, &record(0x20, &[0; 32]))
    });
    expect_failed(&report, Duration::ZERO, |e| {
        tls_reason(e, Operation::Read, "bad record type")
    });
}

#[test]
fn an_alert_in_the_middle_of_the_handshake_is_that_alert() {
    let mut bytes = client_hello();
    // A fatal handshake_failure after the ClientHello.
    bytes.extend(record(21, &[2, Alert::HANDSHAKE_FAILURE.code()]));
    let report = under_attack(&build(&server()), exchange(), move |addr| {
        raw(addr, &bytes).0
    });
    expect_failed(&report, Duration::ZERO, |e| {
        matches!(
            e,
            Error::AlertReceived {
                alert: Alert::HANDSHAKE_FAILURE,
                during: Operation::Handshake
            }
        )
    });
}

/// `hello` (one record holding a ClientHello) with `n` extensions of
/// unknown types and `size` bytes each added, in as many records as it takes.
fn swollen_client_hello(hello: &[u8], n: u16, size: usize) -> Vec<u8> {
    assert_eq!(hello[0], 22, "a handshake record");
    let msg = &hello[5..];
    assert_eq!(msg[0], 1, "a ClientHello");
    let mut body = msg[4..].to_vec();
    // version, random, session id, cipher suites, compression methods.
    let mut at = 2 + 32;
    at += 1 + body[at] as usize;
    at += 2 + u16::from_be_bytes([body[at], body[at + 1]]) as usize;
    at += 1 + body[at] as usize;
    let old = u16::from_be_bytes([body[at], body[at + 1]]) as usize;
    for i in 0..n {
        body.extend_from_slice(&(0xea60 + i).to_be_bytes());
        body.extend_from_slice(&(size as u16).to_be_bytes());
        body.extend(std::iter::repeat_n(i as u8, size));
    }
    let total = old + n as usize * (4 + size);
    body[at..at + 2].copy_from_slice(&(total as u16).to_be_bytes());
    let mut msg = vec![1];
    msg.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    msg.extend(body);
    msg.chunks(16 * 1024).flat_map(|c| record(22, c)).collect()
}

#[test]
fn a_client_hello_of_16_kib_with_many_extensions_is_answered_as_s_server_answers_it() {
    let hello = swollen_client_hello(&client_hello(), 400, 40);
    assert!(hello.len() > 16 * 1024 + 1000, "{} bytes", hello.len());
    let server_hello = |answer: &[u8]| answer.len() > 6 && answer[0] == 22 && answer[5] == 2;
    let mine = hello.clone();
    let report = under_attack(&build(&server()), exchange(), move |addr| {
        let mut tcp = TcpStream::connect(addr).unwrap();
        let port = tcp.local_addr().unwrap().port();
        tcp.write_all(&mine).unwrap();
        let mut answer = [0u8; 64];
        tcp.set_read_timeout(Some(HANDSHAKE)).unwrap();
        let n = tcp.read(&mut answer).unwrap();
        assert!(server_hello(&answer[..n]), "{:?}", &answer[..n]);
        // Leaves instead of finishing the handshake.
        tcp.shutdown(Shutdown::Write).unwrap();
        let _ = tcp.read_to_end(&mut Vec::new());
        port
    });
    // The ClientHello was accepted; the peer then left.
    expect_failed(&report, Duration::ZERO, |e| {
        matches!(e, Error::HandshakeEof)
    });

    let reference = openssl_cli::SServer::localhost(&["-naccept", "1"]);
    let mut tcp = TcpStream::connect(reference.addr()).unwrap();
    tcp.set_read_timeout(Some(THREADS)).unwrap();
    tcp.write_all(&hello).unwrap();
    let mut answer = [0u8; 64];
    let n = tcp.read(&mut answer).unwrap();
    assert!(server_hello(&answer[..n]), "s_server: {:?}", &answer[..n]);
    drop(tcp);
    drop(reference);
}

#[test]
fn a_real_client_hello_of_16_kib_completes_the_handshake() {
    // 80 ALPN names of 200 bytes: a 16 KiB ClientHello in two records.
    let names: Vec<String> = (0..80).map(|i| format!("{i:0>200}")).collect();
    let mut sb = server();
    sb.set_alpn_protocols(&[&names[79]]).unwrap();
    let report = under_attack(&build(&sb), exchange(), move |addr| {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut cb = client_builder();
        cb.set_alpn_protocols(&names).unwrap();
        let mut tls =
            SslSocket::connect(&build(&cb), &format!("localhost:{}", addr.port())).unwrap();
        let port = tls.local_addr().unwrap().port();
        assert_eq!(tls.alpn_protocol().as_deref(), Some(names[79]));
        client_exchange(&mut tls).unwrap();
        port
    });
    assert_eq!(report.result.unwrap(), b"ping");
}

// ---------------------------------------------------------------------------
// Bad certificates
// ---------------------------------------------------------------------------

/// A server that requires a client certificate, trusting `certs/ca.pem` and `root`.
fn requiring_server(root: &[u8]) -> SslConfig {
    let mut sb = server();
    sb.add_ca_pem(root).set_verify_mode(3).unwrap();
    build(&sb)
}

/// A client presenting `chain`.
fn client_presenting(chain: &Chain) -> SslConfig {
    let mut cb = client_builder();
    cb.set_certificate_pem(&chain.chain_pem())
        .set_private_key_pem(&chain.key_pem());
    build(&cb)
}

#[test]
fn a_client_chain_of_20_certificates_verifies() {
    let chain = Chain::new(20, &Spec::leaf("twenty deep"));
    assert_eq!(chain.certs.len(), 20);
    let client = client_presenting(&chain);
    let serve: Serve<usize> = Arc::new(|s| {
        assert_eq!(s.verify_result().code(), 0);
        serve_exchange(s)?;
        Ok(s.peer_cert_chain().len())
    });
    let report = under_attack(&requiring_server(&chain.root_pem()), serve, move |addr| {
        let mut tls = SslSocket::connect(&client, &format!("localhost:{}", addr.port())).unwrap();
        let port = tls.local_addr().unwrap().port();
        client_exchange(&mut tls).unwrap();
        port
    });
    // A server's list leaves the client's own certificate out.
    assert_eq!(report.result.unwrap(), 19);
}

#[test]
fn a_server_chain_of_20_certificates_verifies_as_s_client_verifies_it() {
    let chain = Chain::new(20, &Spec::leaf("twenty deep"));
    let mut sb = server();
    sb.set_certificate_pem(&chain.chain_pem())
        .set_private_key_pem(&chain.key_pem());
    let srv = exchange_server(&build(&sb));
    let mut cb = SslConfig::client();
    cb.add_ca_pem(&chain.root_pem()).set_use_system_ca(false);
    with_timeouts(&mut cb);
    let mut tls = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    assert_eq!(tls.peer_cert_chain().len(), 20);
    assert_eq!(tls.verified_chain().len(), 21);
    client_exchange(&mut tls).unwrap();
    expect_exchanged(srv.join());
    assert_eq!(s_client_verdict(&chain), Some(0));
}

/// The verify return code `openssl s_client` reports against `openssl
/// s_server` presenting `chain`, trusting its root.
fn s_client_verdict(chain: &Chain) -> Option<i32> {
    let dir = std::env::temp_dir().join(format!(
        "sslsocket-hostile-{}-{}",
        std::process::id(),
        chain.certs[0].serial_number().to_bn().unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let leaf = write("leaf.pem", &common::forge::pem(&chain.certs[..1]));
    let rest = write("rest.pem", &common::forge::pem(&chain.certs[1..]));
    let key = write("leaf.key", &chain.key_pem());
    let root = write("root.pem", &chain.root_pem());
    let srv = openssl_cli::SServer::start(&[
        "-naccept",
        "1",
        "-cert",
        &leaf,
        "-cert_chain",
        &rest,
        "-key",
        &key,
    ]);
    let port: u16 = srv.addr().rsplit_once(':').unwrap().1.parse().unwrap();
    let out = openssl_cli::SClient::start(
        port,
        &[
            "-CAfile",
            &root,
            "-verify_hostname",
            "localhost",
            "-verify_return_error",
        ],
        // Quits once connected.
        b"Q\n",
    )
    .finish();
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
    out.verify_return_code()
}

/// What OpenSSL 3.0 reports for a certificate whose extensions do not
/// parse: it cannot be matched to its issuer,
/// `X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY`.
const UNUSABLE_ISSUER: i32 = 20;

/// A malformed subjectKeyIdentifier: an OCTET STRING that claims 5 bytes
/// and has 2.
fn malformed_extension() -> Spec {
    Spec {
        raw_extension: Some(("2.5.29.14", false, vec![4, 5, 1, 2])),
        ..Spec::leaf("malformed extension")
    }
}

#[test]
fn a_client_certificate_with_a_malformed_extension_is_refused() {
    let chain = Chain::under_test_ca(&malformed_extension());
    let client = client_presenting(&chain);
    let report = under_attack(
        &requiring_server(&chain.root_pem()),
        exchange(),
        move |addr| {
            // TLS 1.3: the server's verdict arrives with the first read.
            let mut tls =
                SslSocket::connect(&client, &format!("localhost:{}", addr.port())).unwrap();
            let port = tls.local_addr().unwrap().port();
            let e = client_exchange(&mut tls).unwrap_err();
            assert!(e.alert().is_some(), "{e:?}");
            port
        },
    );
    expect_failed(&report, Duration::ZERO, |e| {
        e.verify_result().map(|r| r.code()) == Some(UNUSABLE_ISSUER)
    });
}

#[test]
fn a_server_certificate_with_a_malformed_extension_is_refused_as_s_client_refuses_it() {
    let chain = Chain::under_test_ca(&malformed_extension());
    let mut sb = server();
    sb.set_certificate_pem(&chain.chain_pem())
        .set_private_key_pem(&chain.key_pem());
    let srv = exchange_server(&build(&sb));
    let e = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap_err();
    let code = e.verify_result().map(|r| r.code());
    assert_eq!(code, Some(UNUSABLE_ISSUER), "{e:?}");
    assert!(matches!(srv.join(), Err(Error::AlertReceived { .. })));
    assert_eq!(s_client_verdict(&chain), code);
}

// ---------------------------------------------------------------------------
// Resets
// ---------------------------------------------------------------------------

fn is_reset(e: &Error, op: Operation) -> bool {
    matches!(e, Error::Io { during, source }
        if *during == op && source.kind() == io::ErrorKind::ConnectionReset)
}

#[test]
fn a_reset_in_the_middle_of_a_handshake_record_is_a_reset() {
    let hello = client_hello();
    let report = under_attack(&build(&server()), exchange(), move |addr| {
        let mut tcp = TcpStream::connect(addr).unwrap();
        tcp.write_all(&hello[..hello.len() / 2]).unwrap();
        // Let the server read the half before the reset.
        thread::sleep(Duration::from_millis(100));
        reset_on_close(&tcp);
        tcp.local_addr().unwrap().port()
    });
    expect_failed(&report, Duration::ZERO, |e| {
        is_reset(e, Operation::Handshake)
    });
}

#[test]
fn a_reset_in_the_middle_of_an_application_record_is_a_reset() {
    let report = under_attack(&build(&server()), exchange(), |addr| {
        let tls = SslSocket::connect(
            &build(&client_builder()),
            &format!("localhost:{}", addr.port()),
        )
        .unwrap();
        let mut tls = tls;
        let tcp = tls.get_ref().try_clone().unwrap();
        let port = tcp.local_addr().unwrap().port();
        (&tcp).write_all(&record(23, &[7; 100])[..40]).unwrap();
        thread::sleep(Duration::from_millis(100));
        // The tickets read, nothing is left unread: the socket's drop
        // closes at once (no lingering close, which would send a FIN).
        tls.set_nonblocking(true).unwrap();
        while tls.recv(&mut [0u8; 64]).is_ok() {}
        reset_on_close(&tcp);
        drop(tls);
        drop(tcp);
        port
    });
    expect_failed(&report, Duration::ZERO, |e| is_reset(e, Operation::Read));
}

// ---------------------------------------------------------------------------
// Floods
// ---------------------------------------------------------------------------

#[test]
fn a_key_update_flood_is_answered_and_the_data_still_flows() {
    // OpenSSL 3.0 sets no limit on KeyUpdates in a row (BoringSSL stops at
    // 32): each requested one is answered, within the read's timeout.
    let report = under_attack(&build(&server()), exchange(), |addr| {
        let mut tls = SslSocket::connect(
            &build(&client_builder()),
            &format!("localhost:{}", addr.port()),
        )
        .unwrap();
        let port = tls.local_addr().unwrap().port();
        for _ in 0..2000 {
            tls.key_update(true).unwrap();
        }
        client_exchange(&mut tls).unwrap();
        port
    });
    assert!(report.took < TIMEOUT, "{:?}", report.took);
    assert_eq!(report.result.unwrap(), b"ping");
}

extern "C" {
    fn SSL_renegotiate(ssl: *mut openssl_sys::SSL) -> libc::c_int;
}

/// `SSL_renegotiate` on a client: its next read sends a ClientHello.
fn ask_to_renegotiate(tls: &SslSocket) {
    // SAFETY: the pointer is the live connection `tls` owns; OpenSSL only
    // marks it to renegotiate at its next I/O, which the socket drives.
    let r = unsafe { SSL_renegotiate(tls.ssl().as_ptr()) };
    assert_eq!(r, 1, "SSL_renegotiate");
}

#[test]
fn a_client_asking_to_renegotiate_again_and_again_is_refused_every_time() {
    const TIMES: usize = 12;
    let refused = Arc::new(AtomicUsize::new(0));
    let counter = refused.clone();
    let mut sb = server();
    sb.set_version(TlsVersion::Tls1_2)
        .set_handshake_callback(move |event, _| {
            if *event == HandshakeEvent::RenegotiationRefused {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
    let config = build(&sb);
    let mut pool = Pool::start(&config, TIMES + 1, exchange());
    let addr = pool.addr;
    let attacker = thread::spawn(move || {
        (0..TIMES)
            .map(|_| {
                let mut tls = SslSocket::connect(
                    &build(&client_builder()),
                    &format!("localhost:{}", addr.port()),
                )
                .unwrap();
                let port = tls.local_addr().unwrap().port();
                ask_to_renegotiate(&tls);
                // The server's no_renegotiation warning fails the
                // client's renegotiation, and so the connection.
                let e = client_exchange(&mut tls).unwrap_err();
                assert!(openssl_says(&e, "no renegotiation"), "{e:?}");
                port
            })
            .collect::<Vec<_>>()
    });
    thread::sleep(Duration::from_millis(100));
    let good = honest(addr);
    for port in join_within(attacker, THREADS, "the attacker") {
        let report = pool.report(port);
        expect_failed(&report, Duration::ZERO, |e| {
            e.alert() == Some(Alert::HANDSHAKE_FAILURE)
        });
    }
    assert!(pool.report(good).result.is_ok());
    pool.finish();
    assert_eq!(refused.load(Ordering::SeqCst), TIMES);
}

#[test]
fn a_server_asking_to_renegotiate_again_and_again_is_answered_every_time() {
    const TIMES: usize = 50;
    let mut sb = server();
    sb.set_version(TlsVersion::Tls1_2)
        .set_verify_mode(1)
        .unwrap();
    let srv = Server::start(&build(&sb), |s| {
        for i in 0..TIMES {
            s.request_client_certificate(Some(TIMEOUT))
                .unwrap_or_else(|e| panic!("request {i}: {e:?}"));
            s.send_all(&[i as u8])?;
        }
        s.shutdown()
    });
    let started = Instant::now();
    let mut tls = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
    let got = recv_exact(&mut tls, TIMES).unwrap();
    assert_eq!(got, (0..TIMES as u8).collect::<Vec<_>>());
    assert!(started.elapsed() < TIMEOUT, "{:?}", started.elapsed());
    let (_, r) = srv.join().unwrap();
    r.unwrap();
}

#[test]
fn a_client_sending_and_never_reading_during_a_certificate_request_fills_the_buffer() {
    const LIMIT: usize = 64 * 1024;
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let mut sb = server();
        sb.set_version(version)
            .set_post_handshake_buffer_limit(LIMIT)
            .set_verify_mode(9)
            .unwrap();
        let serve: Serve<()> = Arc::new(|s| {
            // The honest client answers the greeting with "ping".
            s.send_all(b"hello")?;
            if recv_exact(s, 4)? == b"ping" {
                s.send_all(b"pong")?;
                return s.shutdown();
            }
            let started = Instant::now();
            let r = s.request_client_certificate(Some(Duration::from_secs(2)));
            let took = started.elapsed();
            assert!(took < Duration::from_secs(2), "{took:?}");
            r.map(|_| ())
        });
        let report = under_attack(&build(&sb), serve, |addr| {
            let mut tls = SslSocket::connect(
                &build(&client_with_cert("client.pem", "client.key")),
                &format!("localhost:{}", addr.port()),
            )
            .unwrap();
            let port = tls.local_addr().unwrap().port();
            // Sends until the server stops reading; never reads.
            let chunk = [b'x'; 16 * 1024];
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(3) {
                if tls.send_all(&chunk).is_err() {
                    break;
                }
            }
            port
        });
        expect_failed(&report, Duration::from_secs(2), |e| {
            matches!(e, Error::PostHandshakeBufferFull { limit: LIMIT })
        });
    }
}

// ---------------------------------------------------------------------------
// Bad servers
// ---------------------------------------------------------------------------

#[test]
fn a_client_meets_each_bad_server_reply_with_its_error() {
    let limit = Duration::from_millis(500);
    let mut oversized = vec![22, 3, 3, 0x48, 1];
    oversized.extend(std::iter::repeat_n(0u8, 0x4801));
    type Check = fn(&Error) -> bool;
    let cases: [(&str, Vec<u8>, bool, Check); 5] = [
        (
            "an alert",
            record(21, &[2, Alert::HANDSHAKE_FAILURE.code()]),
            false,
            |e| e.alert() == Some(Alert::HANDSHAKE_FAILURE),
        ),
        (
            "an oversized record",
            oversized,
            false,
            |e| matches!(e, Error::NotTls { reason } if reason == "packet length too long"),
        ),
        (
            "a record of unknown type",
            record(0x20, b"hello"),
            false,
            |e| tls_reason(e, Operation::Handshake, "unexpected message"),
        ),
        ("nothing", Vec::new(), false, |e| {
            matches!(
                e,
                Error::Timeout {
                    operation: Operation::Handshake,
                    ..
                }
            )
        }),
        (
            "half a record, then a reset",
            vec![22, 3, 3, 0, 80, 2, 0],
            true,
            |e| is_reset(e, Operation::Handshake),
        ),
    ];
    for (what, reply, reset, check) in cases {
        let (addr, server) = raw_server(reply, reset);
        let mut cb = client_builder();
        cb.set_handshake_timeout(Some(limit));
        let started = Instant::now();
        let e = SslSocket::connect(&build(&cb), &format!("localhost:{}", addr.port())).unwrap_err();
        let took = started.elapsed();
        assert!(check(&e), "{what}: {e:?}");
        assert!(took < limit + SLACK, "{what}: {took:?}");
        join_within(server, THREADS, what);
    }
}
