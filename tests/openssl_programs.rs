//! Verify-mode scenarios against the `openssl s_server` and `s_client`
//! programs (OpenSSL 3.0 CLI) as the foreign peer, both directions, over
//! 127.0.0.1 only.
//!
//! - our client (modes 0, 1, 2) against s_server with a trusted chain, a
//!   self-signed, an expired, an untrusted-CA and a wrong-host certificate;
//! - s_client (trusted, untrusted, expired or no client certificate) against
//!   our server in modes 0, 1, 3, 5 and 9;
//! - s_server `-verify 1` / `-Verify 1` `-verify_return_error` against our
//!   client with and without a certificate;
//! - server chains with and without the intermediate, both directions;
//! - `verified_chain()` after a failed verification (mode 0);
//! - the RSA PKI (`certs/rsa/`) both directions.
//!
//! The mode matrices run under TLS 1.2 and TLS 1.3. Cases run a few at a time on
//! worker threads; each failure is collected and reported together.

mod common;

use common::openssl_cli;
use std::fmt::Debug;
use std::thread;
use std::time::{Duration, Instant};

use common::{bind, matrix, read_line, ClientCert, Seen, Serve, Server, VERSIONS};
use openssl_cli::{cert, Output, SClient, SServer};
use sslsocket::{Alert, Error, Operation, PeerVerification, SslConfig, SslSocket, TlsVersion};

/// Every read, write and handshake of our side gives up after this.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// How many cases run at once.
const PARALLEL: usize = 4;

/// The s_server / s_client flag that pins `v`.
fn version_flag(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::Tls1_2 => "-tls1_2",
        TlsVersion::Tls1_3 => "-tls1_3",
        other => panic!("no test uses {other}"),
    }
}

/// Runs `check` on every case, `PARALLEL` at a time, and panics listing
/// every case that failed (a panic inside a case counts as a failure).
fn run_cases<T, F>(what: &str, cases: Vec<T>, check: F)
where
    T: Debug + Send + Sync,
    F: Fn(&T) -> Result<(), String> + Sync,
{
    assert!(!cases.is_empty());
    let started = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    thread::scope(|s| {
        for _ in 0..PARALLEL.min(cases.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(case)));
                let msg = match r {
                    Ok(Ok(())) => continue,
                    Ok(Err(msg)) => msg,
                    Err(p) => p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "panicked".into()),
                };
                failures
                    .lock()
                    .unwrap()
                    .push(format!("{what} {case:?}:\n{msg}"));
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} {what} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    eprintln!("{what}: {} cases in {:?}", cases.len(), started.elapsed());
}

/// `Err(msg)` unless `cond`, for the case checkers.
macro_rules! check {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

/// The code an error carries if it is `VerifyFailed`.
fn verify_code(e: &Error) -> Option<i32> {
    e.verify_result().map(|r| r.code())
}

// ---------------------------------------------------------------------------
// Our client against `openssl s_server`.
// ---------------------------------------------------------------------------

/// The certificate s_server presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerCert {
    /// `server.pem` + `-cert_chain intermediate.pem`: verifies.
    Trusted,
    /// `self-signed.pem`: 18.
    SelfSigned,
    /// `expired.pem` + intermediate: 10.
    Expired,
    /// `untrusted-server.pem`, issued by a root nobody trusts: 20.
    UntrustedCa,
    /// `wrong-host.pem` + intermediate (`CN=other.example`), checked against `localhost`: 62.
    WrongHost,
}

impl ServerCert {
    const ALL: [ServerCert; 5] = [
        ServerCert::Trusted,
        ServerCert::SelfSigned,
        ServerCert::Expired,
        ServerCert::UntrustedCa,
        ServerCert::WrongHost,
    ];

    /// `-cert`, `-cert_chain` and `-key` for s_server.
    fn args(self) -> Vec<String> {
        let (leaf, chain) = match self {
            ServerCert::Trusted => ("server", true),
            ServerCert::SelfSigned => ("self-signed", false),
            ServerCert::Expired => ("expired", true),
            ServerCert::UntrustedCa => ("untrusted-server", false),
            ServerCert::WrongHost => ("wrong-host", true),
        };
        let mut args = vec!["-cert".into(), cert(&format!("{leaf}.pem"))];
        if chain {
            args.extend(["-cert_chain".into(), cert("intermediate.pem")]);
        }
        args.extend(["-key".into(), cert(&format!("{leaf}.key"))]);
        args
    }

    /// What our client's verification reports.
    fn code(self) -> i32 {
        match self {
            ServerCert::Trusted => 0,
            ServerCert::SelfSigned => 18,
            ServerCert::Expired => 10,
            ServerCert::UntrustedCa => 20,
            ServerCert::WrongHost => 62,
        }
    }

    /// Subject of the (depth 0) certificate that fails.
    fn subject(self) -> &'static str {
        match self {
            ServerCert::Trusted => "CN=localhost",
            ServerCert::SelfSigned => "O=sslsocket self-signed, CN=localhost",
            ServerCert::Expired => "O=sslsocket expired, CN=localhost",
            ServerCert::UntrustedCa => "O=sslsocket untrusted, CN=localhost",
            ServerCert::WrongHost => "CN=other.example",
        }
    }

    /// The alert our client sends when it rejects this certificate, as
    /// s_server's error line names it (`… alert NAME …SSL alert number N`).
    fn rejection_alert(self) -> (&'static str, u8) {
        match self {
            ServerCert::Trusted => unreachable!("a trusted chain is not rejected"),
            ServerCert::SelfSigned | ServerCert::UntrustedCa => ("unknown ca", 48),
            ServerCert::Expired => ("certificate expired", 45),
            ServerCert::WrongHost => ("bad certificate", 42),
        }
    }
}

/// A client configuration trusting `ca.pem`, checking the name `localhost`.
fn our_client(mode: i32, version: TlsVersion, identity: Option<(&str, &str)>) -> SslConfig {
    let mut b = SslConfig::client();
    b.set_ca_file(cert("ca.pem"))
        .set_use_system_ca(false)
        .set_server_name(Some("localhost"))
        .set_version(version)
        .set_connect_timeout(Some(IO_TIMEOUT))
        .set_handshake_timeout(Some(IO_TIMEOUT))
        .set_read_timeout(Some(IO_TIMEOUT))
        .set_write_timeout(Some(IO_TIMEOUT));
    if let Some((pem, key)) = identity {
        b.set_certificate_file(cert(pem))
            .set_private_key_file(cert(key));
    }
    b.set_verify_mode(mode).expect("a valid mode");
    b.build().expect("client configuration")
}

/// Sends `hello\n` to an `s_server -rev` and expects `olleh\n` back.
fn exchange_with_rev(tls: &mut SslSocket) -> Result<(), String> {
    tls.send_all(b"hello\n")
        .map_err(|e| format!("write to s_server -rev: {e}"))?;
    let line = read_line(tls).map_err(|e| format!("read from s_server -rev: {e:?}"))?;
    check!(line == "olleh\n", "s_server -rev answered {line:?}");
    Ok(())
}

/// Starts `s_server -naccept 1 -rev` with the version pinned and `args`.
fn s_server(version: TlsVersion, args: &[String]) -> SServer {
    let mut all = vec!["-naccept", "1", "-rev", version_flag(version)];
    all.extend(args.iter().map(String::as_str));
    SServer::start(&all)
}

#[derive(Debug)]
struct ClientCase {
    mode: i32,
    server: ServerCert,
    version: TlsVersion,
}

fn check_client_case(c: &ClientCase) -> Result<(), String> {
    let server = s_server(c.version, &c.server.args());
    let config = our_client(c.mode, c.version, None);
    let connected = SslSocket::connect(&config, &server.addr());
    let accepted = c.mode == 0 || c.server == ServerCert::Trusted;
    match connected {
        Ok(mut tls) => {
            check!(
                accepted,
                "connected, expected VerifyFailed({})",
                c.server.code()
            );
            check!(
                tls.verify_result().code() == c.server.code(),
                "verify_result() {:?}, expected {}",
                tls.verify_result(),
                c.server.code()
            );
            let want = if c.server.code() == 0 {
                PeerVerification::Verified
            } else {
                PeerVerification::Failed(sslsocket::VerifyResult::from_code(c.server.code()))
            };
            check!(
                tls.peer_verification() == want,
                "peer_verification() {:?}, expected {want:?}",
                tls.peer_verification()
            );
            check!(
                tls.version() == c.version.name(),
                "negotiated {}, expected {}",
                tls.version(),
                c.version
            );
            check!(
                tls.peer_subject().as_deref() == Some(c.server.subject()),
                "peer subject {:?}",
                tls.peer_subject()
            );
            exchange_with_rev(&mut tls)?;
            let _ = tls.close();
            let out = server.finish();
            check!(
                out.mentions("CONNECTION ESTABLISHED"),
                "s_server did not report the connection:\n{}",
                out.dump()
            );
        }
        Err(e) => {
            check!(!accepted, "connect failed: {e:?} ({e})");
            let Error::VerifyFailed { failure } = &e else {
                return Err(format!("expected VerifyFailed, got {e:?} ({e})"));
            };
            check!(
                failure.result.code() == c.server.code(),
                "VerifyFailed with {:?}, expected {}",
                failure.result,
                c.server.code()
            );
            check!(failure.depth == 0, "failure at depth {}", failure.depth);
            check!(
                failure.subject == c.server.subject(),
                "failure subject {:?}",
                failure.subject
            );
            // The foreign end saw our alert.
            let out = server.finish();
            let (name, number) = c.server.rejection_alert();
            check!(
                out.stderr.contains(&format!("alert {name}"))
                    && out.stderr.contains(&format!("SSL alert number {number}")),
                "s_server did not report alert {name} ({number}):\n{}",
                out.dump()
            );
        }
    }
    Ok(())
}

/// Client modes 0, 1 and 2 against every server certificate, TLS 1.2 and 1.3:
/// mode 0 connects and reports 0/18/10/20/62; non-zero modes (2 included:
/// OpenSSL's client aborts whenever its mode is non-zero) fail with
/// `VerifyFailed` carrying that code, and s_server receives the alert.
#[test]
fn our_client_against_s_server() {
    let cases = matrix(&[0, 1, 2], &ServerCert::ALL, |mode, server, version| {
        ClientCase {
            mode,
            server,
            version,
        }
    });
    run_cases("our client vs s_server", cases, check_client_case);
}

/// The host name check is done against the IP address when connecting to an
/// address with no name set: the wrong-host certificate then gives 64.
#[test]
fn our_client_checks_the_ip_address_when_given_no_name() {
    let server = s_server(TlsVersion::Tls1_3, &ServerCert::WrongHost.args());
    let mut b = SslConfig::client();
    b.set_ca_file(cert("ca.pem"))
        .set_handshake_timeout(Some(IO_TIMEOUT))
        .set_read_timeout(Some(IO_TIMEOUT));
    b.set_verify_mode(0).unwrap();
    let mut tls = SslSocket::connect(&b.build().unwrap(), &server.addr()).expect("mode 0 connects");
    assert_eq!(tls.verify_result().code(), 64, "{:?}", tls.verify_result());
    exchange_with_rev(&mut tls).unwrap();
    let _ = tls.close();

    // And the trusted certificate carries IP:127.0.0.1.
    let server = s_server(TlsVersion::Tls1_3, &ServerCert::Trusted.args());
    b.set_verify_mode(1).unwrap();
    let mut tls = SslSocket::connect(&b.build().unwrap(), &server.addr()).expect("IP SAN matches");
    assert_eq!(tls.verify_result().code(), 0);
    exchange_with_rev(&mut tls).unwrap();
    let _ = tls.close();
}

// ---------------------------------------------------------------------------
// `openssl s_client` against our server.
// ---------------------------------------------------------------------------

/// `-cert` and `-key` for s_client offering `c`.
fn client_cert_args(c: ClientCert) -> Vec<String> {
    c.files().map_or_else(Vec::new, |(pem, key)| {
        vec!["-cert".into(), cert(pem), "-key".into(), cert(key)]
    })
}

/// What our server's handshake should end with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerOutcome {
    Ok(PeerVerification),
    VerifyFailed(i32),
    CertificateRequired,
}

impl ServerOutcome {
    /// OpenSSL's server semantics for `mode`.
    fn expected(mode: i32, client: ClientCert, version: TlsVersion) -> ServerOutcome {
        let peer = mode & 1 != 0;
        let post_handshake_only = mode & 8 != 0 && version == TlsVersion::Tls1_3;
        if !peer || post_handshake_only {
            // No CertificateRequest: s_client sends nothing.
            return ServerOutcome::Ok(PeerVerification::NoCertificate);
        }
        match client {
            ClientCert::Trusted => ServerOutcome::Ok(PeerVerification::Verified),
            ClientCert::Untrusted => ServerOutcome::VerifyFailed(20),
            ClientCert::Expired => ServerOutcome::VerifyFailed(10),
            ClientCert::None if mode & 2 != 0 => ServerOutcome::CertificateRequired,
            ClientCert::None => ServerOutcome::Ok(PeerVerification::NoCertificate),
        }
    }

    /// The alert a rejection sends, as OpenSSL's client prints it.
    fn alert(self, version: TlsVersion) -> Option<(&'static str, u8)> {
        match self {
            ServerOutcome::Ok(_) => None,
            ServerOutcome::VerifyFailed(20) => Some(("tlsv1 alert unknown ca", 48)),
            ServerOutcome::VerifyFailed(10) => Some(("sslv3 alert certificate expired", 45)),
            ServerOutcome::VerifyFailed(other) => panic!("no case expects {other}"),
            ServerOutcome::CertificateRequired if version == TlsVersion::Tls1_3 => {
                Some(("tlsv13 alert certificate required", 116))
            }
            ServerOutcome::CertificateRequired => Some(("sslv3 alert handshake failure", 40)),
        }
    }
}

/// Our server for one connection, kept open until the client closes it so
/// that the client reads our alert before any reset can overtake it: reads
/// a line, answers `sslsocket got: LINE`, close_notify.
fn serve_one(config: SslConfig) -> Server<Result<String, Error>> {
    Server::with(bind(&config), Serve::connections(1).lingering(), |tls| {
        let line = read_line(tls)?;
        tls.send_all(format!("sslsocket got: {line}").as_bytes())?;
        tls.shutdown()?;
        Ok(line)
    })
}

/// s_client with `args` sending `hello` to our server made from `config`
/// ([`serve_one`]): what s_client printed, and what our server saw and the
/// line it read, or its first error.
fn s_client_against(config: SslConfig, args: &[&str]) -> (Output, Result<(Seen, String), Error>) {
    let server = serve_one(config);
    let out = SClient::start(server.port(), args, b"hello\n").finish();
    let served = server
        .join()
        .and_then(|(seen, line)| line.map(|line| (seen, line)));
    (out, served)
}

/// [`s_client_against`] where both ends complete the exchange and s_client
/// reports the verify result `code`; returns what s_client printed.
fn s_client_completes(config: SslConfig, args: &[&str], code: i32) -> Output {
    let (out, served) = s_client_against(config, args);
    assert!(served.is_ok(), "our server: {served:?}\n{}", out.dump());
    assert!(out.success(), "{}", out.dump());
    assert_eq!(out.verify_return_code(), Some(code), "{}", out.dump());
    assert!(answered(&out), "{}", out.dump());
    out
}

/// Whether s_client printed our server's answer to its `hello`.
fn answered(out: &Output) -> bool {
    out.stdout.contains("sslsocket got: hello")
}

/// Our server configuration: the full chain, trusting `ca.pem` for clients.
fn our_server(mode: i32) -> SslConfig {
    our_server_with("server-chain.pem", None, mode)
}

fn our_server_with(certificate: &str, chain: Option<&str>, mode: i32) -> SslConfig {
    let mut b = SslConfig::server();
    b.set_certificate_file(cert(certificate))
        .set_private_key_file(cert("server.key"))
        .set_ca_file(cert("ca.pem"))
        .set_handshake_timeout(Some(IO_TIMEOUT))
        .set_read_timeout(Some(IO_TIMEOUT))
        .set_write_timeout(Some(IO_TIMEOUT));
    if let Some(chain) = chain {
        b.set_chain_file(cert(chain));
    }
    b.set_verify_mode(mode).expect("a valid mode");
    b.build().expect("server configuration")
}

#[derive(Debug)]
struct ServerCase {
    mode: i32,
    client: ClientCert,
    version: TlsVersion,
}

fn check_server_case(c: &ServerCase) -> Result<(), String> {
    let mut args = vec![
        "-brief".to_string(),
        version_flag(c.version).into(),
        "-CAfile".into(),
        cert("ca.pem"),
        "-verify_return_error".into(),
    ];
    args.extend(client_cert_args(c.client));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, served) = s_client_against(our_server(c.mode), &args);
    let want = ServerOutcome::expected(c.mode, c.client, c.version);
    let ctx = || format!("our server: {served:?}\ns_client: {}", out.dump());

    // Our server's handshake outcome.
    match (&served, want) {
        (Ok((s, received)), ServerOutcome::Ok(peer)) => {
            check!(
                s.peer_verification == peer,
                "peer_verification {:?}, expected {peer:?}\n{}",
                s.peer_verification,
                ctx()
            );
            let subject = match peer {
                PeerVerification::Verified => Some("CN=sslsocket test client"),
                _ => None,
            };
            check!(
                s.peer_subject.as_deref() == subject,
                "peer subject\n{}",
                ctx()
            );
            check!(s.version == c.version.name(), "negotiated\n{}", ctx());
            check!(received == "hello\n", "received {received:?}\n{}", ctx());
        }
        (Err(e), ServerOutcome::VerifyFailed(code)) => {
            check!(
                verify_code(e) == Some(code),
                "expected VerifyFailed({code})\n{}",
                ctx()
            );
            let Error::VerifyFailed { failure } = e else {
                unreachable!()
            };
            check!(
                failure.depth == 0,
                "failure depth {}\n{}",
                failure.depth,
                ctx()
            );
            check!(
                failure.subject == c.client.subject(),
                "failure subject\n{}",
                ctx()
            );
        }
        (Err(Error::PeerCertificateRequired), ServerOutcome::CertificateRequired) => {}
        _ => return Err(format!("expected {want:?}\n{}", ctx())),
    }

    // What s_client saw.
    let established = out.stderr.contains("CONNECTION ESTABLISHED");
    check!(
        out.stderr.contains("Verification: OK") || !established,
        "s_client did not verify our server\n{}",
        ctx()
    );
    match want.alert(c.version) {
        None => {
            check!(out.success() && established, "s_client failed\n{}", ctx());
            check!(answered(&out), "s_client did not get our answer\n{}", ctx());
        }
        Some((text, number)) => {
            check!(
                !out.timed_out && !out.success(),
                "s_client did not fail\n{}",
                ctx()
            );
            // TLS 1.2: the alert aborts s_client's handshake. TLS 1.3: the
            // client's handshake completes before the server judges its
            // certificate; the alert arrives on its first read.
            let completes = c.version == TlsVersion::Tls1_3;
            check!(
                established == completes,
                "s_client handshake completed: {established}, expected {completes}\n{}",
                ctx()
            );
            check!(
                out.stderr.contains(text)
                    && out.stderr.contains(&format!("SSL alert number {number}")),
                "s_client does not mention {text:?} ({number})\n{}",
                ctx()
            );
            check!(
                !out.stdout.contains("sslsocket got"),
                "s_client got data\n{}",
                ctx()
            );
        }
    }
    Ok(())
}

/// Server modes 0, 1, 3, 5 and 9 against s_client with a trusted, an
/// untrusted, an expired and no client certificate, TLS 1.2 and 1.3.
#[test]
fn s_client_against_our_server() {
    let cases = matrix(
        &[0, 1, 3, 5, 9],
        &ClientCert::ALL,
        |mode, client, version| ServerCase {
            mode,
            client,
            version,
        },
    );
    run_cases("s_client vs our server", cases, check_server_case);
}

// ---------------------------------------------------------------------------
// `s_server -verify 1` (mode 5) / `-Verify 1` (mode 7) against our client.
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct RequireCase {
    /// `-verify` or `-Verify`.
    flag: &'static str,
    client: ClientCert,
    version: TlsVersion,
}

/// The alert our client receives, if s_server rejects it.
fn s_server_rejection(c: &RequireCase) -> Option<Alert> {
    match c.client {
        ClientCert::Trusted => None,
        ClientCert::Untrusted => Some(Alert::UNKNOWN_CA),
        ClientCert::Expired => Some(Alert::CERTIFICATE_EXPIRED),
        ClientCert::None if c.flag == "-Verify" => Some(match c.version {
            TlsVersion::Tls1_3 => Alert::CERTIFICATE_REQUIRED,
            _ => Alert::HANDSHAKE_FAILURE,
        }),
        ClientCert::None => None,
    }
}

fn check_require_case(c: &RequireCase) -> Result<(), String> {
    let mut args = ServerCert::Trusted.args();
    args.extend([
        c.flag.into(),
        "1".into(),
        "-verify_return_error".into(),
        "-CAfile".into(),
        cert("ca.pem"),
    ]);
    let server = s_server(c.version, &args);
    let config = our_client(1, c.version, c.client.files());
    let rejection = s_server_rejection(c);
    let connected = SslSocket::connect(&config, &server.addr());
    match (connected, rejection) {
        (Ok(mut tls), None) => {
            check!(tls.verify_result().code() == 0, "{:?}", tls.verify_result());
            exchange_with_rev(&mut tls)?;
            let _ = tls.close();
            let out = server.finish();
            let peer_line = match c.client {
                ClientCert::Trusted => "Peer certificate: CN = sslsocket test client",
                _ => "No peer certificate",
            };
            check!(out.stderr.contains(peer_line), "s_server:\n{}", out.dump());
        }
        (Ok(mut tls), Some(alert)) => {
            // TLS 1.3: connect succeeds, the first read gets the alert.
            check!(
                c.version == TlsVersion::Tls1_3,
                "TLS 1.2 connect succeeded; expected alert {alert}"
            );
            let mut buf = [0u8; 64];
            match tls.recv(&mut buf) {
                Err(Error::AlertReceived {
                    alert: got,
                    during: Operation::Read,
                }) if got == alert => {}
                other => {
                    return Err(format!(
                        "first read: {other:?}, expected AlertReceived({alert}) during read\n{}",
                        server.finish().dump()
                    ))
                }
            }
            // s_server drains the connection for up to 500 ms after its
            // alert, waiting for the client to close: close first.
            drop(tls);
            check_s_server_rejected(c, server.finish())?;
        }
        (Err(e), Some(alert)) => {
            check!(
                c.version == TlsVersion::Tls1_2,
                "TLS 1.3 connect failed: {e:?}; expected the alert {alert} on the first read"
            );
            check!(
                matches!(
                    e,
                    Error::AlertReceived { alert: got, during: Operation::Handshake } if got == alert
                ),
                "connect: {e:?}, expected AlertReceived({alert}) during the handshake"
            );
            check_s_server_rejected(c, server.finish())?;
        }
        (Err(e), None) => return Err(format!("connect failed: {e:?} ({e})")),
    }
    Ok(())
}

/// s_server says why it rejected our client.
fn check_s_server_rejected(c: &RequireCase, out: Output) -> Result<(), String> {
    let why = match c.client {
        ClientCert::Untrusted => "verify error:num=20",
        ClientCert::Expired => "verify error:num=10",
        _ => "peer did not return a certificate",
    };
    check!(
        out.stderr.contains("CONNECTION FAILURE") && out.stderr.contains(why),
        "s_server does not say {why:?}:\n{}",
        out.dump()
    );
    Ok(())
}

/// `-verify 1` asks for a certificate, `-Verify 1` requires one; with
/// `-verify_return_error` a bad one is refused. A refusal reaches our TLS
/// 1.2 client in `connect` and our TLS 1.3 client on its first read.
#[test]
fn s_server_requesting_client_certificates() {
    let cases = matrix(
        &["-verify", "-Verify"],
        &ClientCert::ALL,
        |flag, client, version| RequireCase {
            flag,
            client,
            version,
        },
    );
    run_cases(
        "s_server -verify/-Verify vs our client",
        cases,
        check_require_case,
    );
}

// ---------------------------------------------------------------------------
// Server certificate chains.
// ---------------------------------------------------------------------------

/// The intermediate sent with `-cert_chain` verifies at our client; without
/// it (and with `-cert server-chain.pem`, of which s_server loads only the
/// first certificate) our client finds 20.
#[test]
fn s_server_chain_with_and_without_intermediate() {
    let version = TlsVersion::Tls1_3;
    let leaf = [
        "-cert".into(),
        cert("server.pem"),
        "-key".into(),
        cert("server.key"),
    ];

    // With the intermediate: verified, chain of two sent, three verified.
    let server = s_server(version, &ServerCert::Trusted.args());
    let mut tls = SslSocket::connect(&our_client(1, version, None), &server.addr()).unwrap();
    assert_eq!(tls.verify_result().code(), 0);
    assert_eq!(tls.peer_cert_chain().len(), 2, "leaf + intermediate sent");
    assert_eq!(tls.verified_chain().len(), 3, "leaf, intermediate, root");
    exchange_with_rev(&mut tls).unwrap();
    let _ = tls.close();

    let server_chain_as_cert = [
        "-cert".into(),
        cert("server-chain.pem"),
        "-key".into(),
        cert("server.key"),
    ];
    for args in [&leaf, &server_chain_as_cert] {
        // Mode 0: connects, reports 20.
        let server = s_server(version, args);
        let mut tls = SslSocket::connect(&our_client(0, version, None), &server.addr())
            .unwrap_or_else(|e| panic!("{args:?}: {e:?}"));
        assert_eq!(tls.verify_result().code(), 20, "{args:?}");
        assert_eq!(
            tls.peer_cert_chain().len(),
            1,
            "{args:?}: only the leaf is sent"
        );
        exchange_with_rev(&mut tls).unwrap();
        let _ = tls.close();

        // Mode 1: refuses with 20 at depth 0.
        let server = s_server(version, args);
        match SslSocket::connect(&our_client(1, version, None), &server.addr()) {
            Err(Error::VerifyFailed { failure }) => {
                assert_eq!(failure.result.code(), 20, "{args:?}");
                assert_eq!(failure.depth, 0);
                assert_eq!(failure.subject, "CN=localhost");
            }
            other => panic!("{args:?}: expected VerifyFailed(20), got {other:?}"),
        }
        let out = server.finish();
        assert!(out.stderr.contains("alert unknown ca"), "{}", out.dump());
    }
}

/// s_client against our server with and without the intermediate: the chain
/// given as one file or as certificate + chain file verifies; the bare leaf
/// gives s_client 20 with `-verify_return_error` (and our server receives
/// `unknown_ca`), and "Verify return code: 21" without it, because
/// s_client's callback carries on and OpenSSL keeps the last error.
#[test]
fn s_client_checks_our_server_chain() {
    type Setup = (&'static str, Option<&'static str>);
    let complete: [Setup; 2] = [
        ("server-chain.pem", None),
        ("server.pem", Some("intermediate.pem")),
    ];
    for (certificate, chain) in complete {
        let args = ["-CAfile", &cert("ca.pem"), "-verify_return_error"];
        let out = s_client_completes(our_server_with(certificate, chain, 0), &args, 0);
        assert!(
            out.stdout
                .contains(" 1 s:CN = sslsocket Test Intermediate CA"),
            "{certificate} {chain:?}: {}",
            out.dump()
        );
    }

    // The bare leaf, s_client aborting.
    let args = ["-brief", "-CAfile", &cert("ca.pem"), "-verify_return_error"];
    let (out, served) = s_client_against(our_server_with("server.pem", None, 0), &args);
    assert!(!out.success(), "{}", out.dump());
    assert!(
        out.stderr
            .contains("verify error:num=20:unable to get local issuer certificate"),
        "{}",
        out.dump()
    );
    assert!(
        matches!(
            served,
            Err(Error::AlertReceived {
                alert: Alert::UNKNOWN_CA,
                during: Operation::Handshake
            })
        ),
        "our server: {served:?}"
    );

    // The bare leaf, s_client carrying on.
    let args = ["-CAfile", &cert("ca.pem")];
    let out = s_client_completes(our_server_with("server.pem", None, 0), &args, 21);
    assert!(
        out.stdout
            .contains("Verification error: unable to verify the first certificate"),
        "{}",
        out.dump()
    );
    assert!(out.stderr.contains("verify error:num=20"), "{}", out.dump());
}

/// `SslSocket::verified_chain` is documented as "empty if verification did
/// not succeed"; OpenSSL's `SSL_get0_verified_chain` returns whatever chain
/// was built, so a mode-0 client that connected to a rejected server must
/// not be handed a "verified" chain.
#[test]
fn verified_chain_is_empty_when_verification_failed() {
    let cases: Vec<ServerCert> = ServerCert::ALL
        .into_iter()
        .filter(|&c| c != ServerCert::Trusted)
        .collect();
    run_cases(
        "verified_chain after a failed verification",
        cases,
        |&server| {
            let s = s_server(TlsVersion::Tls1_3, &server.args());
            let mut tls = SslSocket::connect(&our_client(0, TlsVersion::Tls1_3, None), &s.addr())
                .map_err(|e| format!("mode 0 connect: {e:?}"))?;
            check!(
                tls.verify_result().code() == server.code(),
                "verify_result {:?}",
                tls.verify_result()
            );
            let chain: Vec<String> = tls
                .verified_chain()
                .iter()
                .map(|c| sslsocket::name_to_string(c.subject_name()))
                .collect();
            exchange_with_rev(&mut tls)?;
            let _ = tls.close();
            check!(
                chain.is_empty(),
                "verify_result {} but verified_chain() returned {} certificate(s): {chain:?}",
                server.code(),
                chain.len()
            );
            Ok(())
        },
    );
}

/// The RSA PKI (`certs/rsa/`) both ways: our client in mode 1 against
/// s_server's RSA chain, and s_client's RSA client certificate against our
/// server in mode 3; also our client against the ECDSA chain while trusting
/// only the RSA root (20: the PKIs do not cross-verify).
#[test]
fn rsa_pki_both_directions() {
    let rsa = |f: &str| cert(&format!("rsa/{f}"));
    for version in VERSIONS {
        // Our client, their server.
        let args = [
            "-cert".into(),
            rsa("server.pem"),
            "-cert_chain".into(),
            rsa("intermediate.pem"),
            "-key".into(),
            rsa("server.key"),
        ];
        let server = s_server(version, &args);
        let mut b = SslConfig::client();
        b.set_ca_file(rsa("ca.pem"))
            .set_server_name(Some("localhost"))
            .set_version(version)
            .set_handshake_timeout(Some(IO_TIMEOUT))
            .set_read_timeout(Some(IO_TIMEOUT));
        let client = b.build().unwrap();
        let mut tls = SslSocket::connect(&client, &server.addr()).expect("RSA chain verifies");
        assert_eq!(tls.verify_result().code(), 0);
        exchange_with_rev(&mut tls).unwrap();
        let _ = tls.close();

        let server = s_server(version, &ServerCert::Trusted.args());
        match SslSocket::connect(&client, &server.addr()) {
            Err(Error::VerifyFailed { failure }) => assert_eq!(failure.result.code(), 20),
            other => panic!("ECDSA chain against the RSA root: {other:?}"),
        }

        // Their client, our server.
        let mut b = SslConfig::server();
        b.set_certificate_file(rsa("server-chain.pem"))
            .set_private_key_file(rsa("server.key"))
            .set_ca_file(rsa("ca.pem"))
            .set_handshake_timeout(Some(IO_TIMEOUT))
            .set_read_timeout(Some(IO_TIMEOUT));
        b.set_verify_mode(3).unwrap();
        let ca = rsa("ca.pem");
        let (c, k) = (rsa("client.pem"), rsa("client.key"));
        let args = [
            "-brief",
            version_flag(version),
            "-CAfile",
            &ca,
            "-verify_return_error",
            "-cert",
            &c,
            "-key",
            &k,
        ];
        let (out, served) = s_client_against(b.build().unwrap(), &args);
        let (seen, _) = served.expect("RSA client certificate accepted");
        seen.assert_verified("CN=sslsocket test client");
        assert!(out.success(), "{}", out.dump());
        assert!(out.stderr.contains("Verification: OK"), "{}", out.dump());
        assert!(answered(&out), "{}", out.dump());
    }
}
